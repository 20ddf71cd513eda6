import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BenchPresetSchema } from '../src/act/bench-preset.js';
import { runLatencyBench } from '../src/act/run-latency-bench.js';
import { TorchLatencyPeer } from '../src/act/torch-latency-peer.js';
import { buildProgram } from '../src/cli.js';

// Only the plumbing is tested here (rows, ratios, the peer protocol); speed is measured by `npm run bench`.
const tiny = BenchPresetSchema.parse({
  name: 'tiny', batch: 1, cameras: 1, height: 32, width: 32, state_dim: 3, action_dim: 3, chunk: 4,
  dim_model: 16, n_heads: 2, dim_feedforward: 32, enc_layers: 1, dec_layers: 1, vae_layers: 1, latent_dim: 4, backbone_width: 4,
});
const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tools', 'bench', 'act_torch_latency.py');
const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latency-bench-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('batch-1 latency bench', () => {
  it('rows for ONNX Runtime per thread count (with the chosen optimisation level) and tfjs; no ratio without the peer', async () => {
    const { rows, ratios } = await runLatencyBench('tiny', tiny, { backend: 'cpu', threads: [1, 2], rounds: 1, iterations: 1, peer: null });
    expect(rows.map((r) => [r.runtime.split('-')[0], r.threads])).toEqual([['onnxruntime', 1], ['onnxruntime', 2], ['tfjs', 1]]);
    for (const r of rows) {
      expect(r.median_ms).toBeGreaterThan(0);
      expect(r.median_cpu_ms).toBeGreaterThanOrEqual(0);
    }
    expect(['basic', 'extended', 'all']).toContain(rows[0]!.graph_optimization);
    expect(ratios).toEqual([]);
  });

  it.skipIf(!torch)('with the long-lived PyTorch peer: its rows and a ratio per thread count (needs python3-torch)', async () => {
    const presetPath = join(dir, 'tiny.json');
    await writeFile(presetPath, JSON.stringify(tiny));
    const peer = await TorchLatencyPeer.start('/usr/bin/python3', script, presetPath);
    try {
      expect(peer.params).toBeGreaterThan(0);
      const { rows, ratios } = await runLatencyBench('tiny', tiny, { backend: 'cpu', threads: [1], rounds: 1, iterations: 1, peer, goal: 0.5 });
      expect(rows.map((r) => r.runtime.split('-')[0])).toEqual(['onnxruntime', 'pytorch', 'tfjs']);
      expect(ratios).toHaveLength(1);
      expect(ratios[0]).toMatchObject({ ratio: 'onnxruntime / pytorch', threads: 1, goal: 0.5 });
      expect(ratios[0]!.value).toBeGreaterThan(0);
    } finally {
      peer.close();
    }
  });
});

describe('actfusion bench --latency-only', () => {
  it('prints one JSON line per runtime and thread count', async () => {
    const presetPath = join(dir, 'tiny-cli.json');
    await writeFile(presetPath, JSON.stringify(tiny));
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await buildProgram()
        .exitOverride()
        .parseAsync(['node', 'actfusion', 'bench', '--preset', presetPath, '--backend', 'cpu', '--no-peer', '--latency-only', '--steps', '1', '--latency-rounds', '1', '--latency-threads', '1']);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const rows = lines.map((l) => JSON.parse(l) as { latency?: boolean; runtime: string; threads: number });
    expect(rows.every((r) => r.latency === true)).toBe(true);
    expect(rows.map((r) => r.runtime.split('-')[0])).toEqual(['onnxruntime', 'tfjs']);
  });

  it('names a bad --latency-threads value', async () => {
    await expect(
      buildProgram().exitOverride().parseAsync(['node', 'actfusion', 'bench', '--preset', 'act-small', '--latency-only', '--latency-threads', '1,x']),
    ).rejects.toThrow(/--latency-threads: expected positive integers/);
  });
});
