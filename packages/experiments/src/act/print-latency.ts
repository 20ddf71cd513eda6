import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendRequest } from '@actfusion/cvae-core';
import type { BenchPreset } from './bench-preset.js';
import { runLatencyBench } from './run-latency-bench.js';
import { TorchLatencyPeer } from './torch-latency-peer.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'tools', 'bench', 'act_torch_latency.py');
const PYTHON = '/usr/bin/python3';

/** The issue's goals for ONNX Runtime / PyTorch at batch 1 and the same thread count. */
export const LATENCY_GOALS: Readonly<Record<string, number>> = { 'act-small': 0.5, 'act-paper': 0.8 };

/**
 * `bench` latency part: batch-1 latency of ONNX Runtime, tfjs and (when /usr/bin/python3 has
 * torch) the PyTorch peer at each thread count, one JSON line per row, then the ratio lines.
 */
export async function printLatency(
  presetName: string,
  preset: BenchPreset,
  presetPath: string,
  options: { backend: BackendRequest; threads: readonly number[]; rounds: number; iterations: number; peer: boolean },
): Promise<void> {
  let peer: TorchLatencyPeer | null = null;
  if (options.peer) {
    const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
    if (hasTorch && existsSync(SCRIPT)) {
      const blas = debianBlas();
      if (blas !== null && !blas.includes('openblas')) {
        console.error(`bench: the PyTorch peer's BLAS is ${blas} (reference BLAS, ~4x slower than the OpenBLAS the reference figures used); apt-get install libopenblas0-pthread for a fair peer`);
      }
      peer = await TorchLatencyPeer.start(PYTHON, SCRIPT, presetPath);
    }
    else console.error(`bench: PyTorch latency peer not run (${hasTorch ? `${SCRIPT} missing` : 'no python3 with torch'})`);
  }
  try {
    const goal = LATENCY_GOALS[presetName];
    const { rows, ratios } = await runLatencyBench(presetName, preset, {
      backend: options.backend,
      threads: options.threads,
      rounds: options.rounds,
      iterations: options.iterations,
      peer,
      ...(goal !== undefined ? { goal } : {}),
      log: (line) => console.error(line),
    });
    for (const r of rows) console.log(JSON.stringify(r));
    for (const r of ratios) console.log(JSON.stringify(r));
  } finally {
    peer?.close();
  }
}

/** Where Debian's libblas.so.3 points (reference BLAS or OpenBLAS), or null off Debian. */
function debianBlas(): string | null {
  try {
    return realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
  } catch {
    return null;
  }
}
