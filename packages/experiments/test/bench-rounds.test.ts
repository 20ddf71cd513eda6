import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNativeKernels } from '@actfusion/native-kernels';
import { summarizeRounds } from '../src/act/bench-rounds.js';

// Only the plumbing is tested here (rounds, medians, ratios, the profile table); speed is measured by `npm run bench`.
const pkgRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = resolve(pkgRoot, '..', '..');
const tiny = {
  name: 'tiny', batch: 2, cameras: 1, height: 32, width: 32, state_dim: 3, action_dim: 3, chunk: 5,
  dim_model: 16, n_heads: 2, dim_feedforward: 32, enc_layers: 1, dec_layers: 1, vae_layers: 1, latent_dim: 4, backbone_width: 4,
};
let dir: string;
let presetPath: string;
beforeAll(async () => {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/experiments/tsconfig.lib.json'], { cwd: repoRoot });
  dir = await mkdtemp(join(tmpdir(), 'bench-rounds-'));
  presetPath = join(dir, 'tiny.json');
  await writeFile(presetPath, JSON.stringify(tiny));
}, 600_000);
afterAll(async () => rm(dir, { recursive: true, force: true }));

const bench = (...args: string[]) => spawnSync(process.execPath, [join(pkgRoot, 'dist', 'cli.js'), 'bench', '--preset', presetPath, '--no-latency', ...args], { encoding: 'utf8' });
const jsonLines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('bench rounds', () => {
  it('the summary takes the median of the per-round ratios, not the ratio of medians', () => {
    const side = (train: number, infer: number, rss: number) => ({ train_step_ms: train, infer_ms: infer, peak_rss_mb: rss, params: 7 });
    const s = summarizeRounds([
      { round: 1, ours: side(100, 10, 300), peer: side(50, 5, 100) },
      { round: 2, ours: side(300, 30, 300), peer: side(100, 10, 100) },
      { round: 3, ours: side(80, 8, 300), peer: side(80, 2, 100) },
    ]);
    expect(s).toMatchObject({ rounds: 3, params_equal: true, train_step: 2, infer: 3, peak_memory: 3 });
    expect(s.ours).toEqual({ train_step_ms: 100, infer_ms: 10, peak_rss_mb: 300 });
  });

  it('runs our side once per round, each in a fresh process (here with 2 workers), then prints the summary', { timeout: 600_000 }, () => {
    // The peer's side of the rounds is the same loop; it is left out to keep the suite short.
    const r = bench('--rounds', '2', '--steps', '1', '--workers', '2', '--backend', 'cpu', '--no-peer');
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    const ours = lines.filter((l) => l.impl && !l.peer);
    expect(ours.map((l) => [l.round, l.workers])).toEqual([[1, 2], [2, 2]]);
    for (const l of ours) expect(l.train_step_ms).toBeGreaterThan(0);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ preset: 'tiny', summary: 'median over rounds', rounds: 2 });
    expect(summary.ours).toMatchObject({ train_step_ms: expect.any(Number), infer_ms: expect.any(Number), peak_rss_mb: expect.any(Number) });
  });

  it('--profile prints the kernels of one training step by time', () => {
    const r = bench('--profile', '--steps', '1', '--workers', '1', '--backend', 'cpu');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/one tiny training step on cpu: \d+ ms wall \(profiled\), \d+ ms in kernels/);
    expect(r.stderr).toMatch(/Conv2D/);
    const line = jsonLines(r.stdout).at(-1)!;
    expect((line.kernels as unknown[]).length).toBeGreaterThan(5);
  });

  it.skipIf(!loadNativeKernels().ok)('--kernels native,wasm runs both kernel paths in every round and summarises each (needs libopenblas-dev)', { timeout: 600_000 }, () => {
    const r = bench('--rounds', '1', '--steps', '1', '--workers', '1', '--backend', 'wasm', '--kernels', 'native,wasm', '--no-peer');
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.impl).map((l) => l.kernel_path)).toEqual(['native', 'wasm']);
    expect(lines.filter((l) => l.summary).map((l) => l.kernels)).toEqual(['native', 'wasm']);
    expect(r.stderr).toMatch(/bench: wasm backend, kernels: native \(OpenBLAS/);
  });

  it('--kernels refuses an unknown path, naming the flag', () => {
    const r = bench('--once', '--kernels', 'native,blas');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--kernels: expected auto, native, wasm or a comma list of them, got 'native,blas'/);
  });
});
