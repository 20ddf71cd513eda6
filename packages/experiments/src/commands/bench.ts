import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { BACKEND_NAMES, type BackendRequest } from '@actfusion/cvae-core';
import { readBenchPreset } from '../act/bench-preset.js';
import { runActBench } from '../act/run-act-bench.js';
import { printLatency } from '../act/print-latency.js';

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'tools', 'bench', 'act_torch.py');

/**
 * `actfusion bench --preset act-small`: builds the preset's ACT, prints one JSON line (params,
 * train_step_ms, infer_ms, backend, peak memory); then, when `/usr/bin/python3` has torch and the
 * repository's copy of the PyTorch peer is present, runs the peer on the same preset and prints
 * its line and the ratio line (project / PyTorch).
 */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('benchmark an ACT workload (and the PyTorch peer when installed)')
    .requiredOption('--preset <name>', 'bench preset name (act-small, act-paper) or a preset JSON path')
    .option('--steps <n>', 'timed steps (median)', '5')
    .option('--backend <name>', `tensor backend: auto, ${BACKEND_NAMES.join(', ')}`, 'auto')
    .option('--threads <n>', 'threads for the PyTorch peer', '2')
    .option('--no-peer', 'do not run the PyTorch peer')
    .option('--no-latency', 'skip the batch-1 latency comparison (ONNX Runtime, tfjs, PyTorch)')
    .option('--latency-only', 'only the batch-1 latency comparison')
    .option('--latency-threads <list>', 'thread counts of the latency comparison', '1,2')
    .option('--latency-rounds <n>', 'alternation rounds of the latency comparison', '5')
    .action(async (opts: { preset: string; steps: string; backend: string; threads: string; peer: boolean; latency: boolean; latencyOnly?: boolean; latencyThreads: string; latencyRounds: string }) => {
      const steps = Number(opts.steps);
      if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps: expected a positive integer, got '${opts.steps}'`);
      const { preset, path } = await readBenchPreset(opts.preset);
      if (opts.latency || opts.latencyOnly) {
        const threads = opts.latencyThreads.split(',').map((t) => Number(t));
        if (threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`--latency-threads: expected positive integers like 1,2, got '${opts.latencyThreads}'`);
        const rounds = Number(opts.latencyRounds);
        if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--latency-rounds: expected a positive integer, got '${opts.latencyRounds}'`);
        await printLatency(preset.name ?? opts.preset, preset, path, { backend: opts.backend as BackendRequest, threads, rounds, iterations: steps, peer: opts.peer });
        if (opts.latencyOnly) return;
      }
      const ours = await runActBench(preset.name ?? opts.preset, preset, { backend: opts.backend as BackendRequest, steps });
      console.log(JSON.stringify(ours));
      if (!opts.peer) return finish(ours.train_error !== undefined);
      const python = '/usr/bin/python3';
      const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
      if (!hasTorch || !existsSync(PEER)) {
        console.error(`bench: PyTorch peer not run (${hasTorch ? `${PEER} missing` : 'no python3 with torch'})`);
        return finish(ours.train_error !== undefined);
      }
      const r = spawnSync(python, [PEER, path, '--steps', String(steps), '--threads', opts.threads], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench: the PyTorch peer failed: ${r.stderr.trim().split('\n').pop() ?? ''}`);
      const peer = JSON.parse(r.stdout.trim().split('\n').pop()!) as { params: number; train_step_ms: number; infer_ms: number };
      console.log(JSON.stringify({ peer: true, ...peer }));
      console.log(
        JSON.stringify({
          ratio: 'actfusion / pytorch',
          params_equal: peer.params === ours.params,
          train_step: ours.train_step_ms === null ? null : Math.round((ours.train_step_ms / peer.train_step_ms) * 100) / 100,
          infer: Math.round((ours.infer_ms / peer.infer_ms) * 100) / 100,
        }),
      );
      finish(ours.train_error !== undefined);
    });
}

/** After a failed (aborted) wasm training step, exit with status 1 before the module rethrows. */
function finish(failed: boolean): void {
  if (failed) process.exit(1);
}
