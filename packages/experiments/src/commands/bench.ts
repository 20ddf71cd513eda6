import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { BACKEND_NAMES, type BackendRequest, type KernelPathRequest } from '@actfusion/cvae-core';
import { isKernelPathRequest, KERNEL_PATHS } from '@actfusion/cvae-core/training';
import { readBenchPreset } from '../act/bench-preset.js';
import { peerUnavailable, runJsonLine, summarizeRounds, type BenchRound } from '../act/bench-rounds.js';
import { runActBench } from '../act/run-act-bench.js';
import { printLatency } from '../act/print-latency.js';
import { controlBenchMarkdown, runControlBench } from '../deploy/control-bench.js';

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'tools', 'bench', 'act_torch.py');
/** The built command each round runs (from TypeScript source, the package's dist). */
const CLI = fileURLToPath(import.meta.url).endsWith('.ts')
  ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js')
  : join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');
const PYTHON = '/usr/bin/python3';

interface BenchOptions {
  preset: string;
  steps: string;
  rounds: string;
  backend: string;
  kernels: string;
  threads: string;
  peer: boolean;
  once?: boolean;
  profile?: boolean;
  workers?: string;
  microBatch: string;
  latency: boolean;
  latencyOnly?: boolean;
  latencyThreads: string;
  latencyRounds: string;
  control?: boolean;
  ticks: string;
}

const positiveInt = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got '${v}'`);
  return n;
};

/**
 * `actfusion bench --preset act-small`: alternates our benchmark (each round in a fresh process) and
 * the PyTorch peer (`tools/bench/act_torch.py` under `/usr/bin/python3` with torch) for `--rounds`
 * rounds, prints every round's JSON lines, then one summary line with each side's medians and the
 * median of the per-round ratios (ours / peer) for the training step, batch-1 inference and peak
 * memory (resident set size). `--profile` instead prints the kernel times of one training step.
 */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('benchmark an ACT workload against the PyTorch peer (interleaved rounds, median ratios)')
    .option('--preset <name>', 'bench preset name (act-small, act-paper) or a preset JSON path', 'act-small')
    .option('--control', 'the control benchmark instead: late ticks per 1,000 at 50 Hz in the simulator for synchronous, asynchronous and real-time-chunking execution')
    .option('--ticks <n>', 'control benchmark: ticks per execution mode', '1000')
    .option('--steps <n>', 'timed steps per round (median)', '5')
    .option('--rounds <n>', 'rounds of ours then the peer (at least 3 for a ratio to quote)', '3')
    .option('--backend <name>', `tensor backend: auto, ${BACKEND_NAMES.join(', ')}`, 'auto')
    .option('--kernels <list>', `wasm kernel path(s): ${KERNEL_PATHS.join(', ')}; a comma list (native,wasm) runs each in every round, interleaved`, 'auto')
    .option('--threads <n>', 'threads for the PyTorch peer', '2')
    .option('--no-peer', 'do not run the PyTorch peer')
    .option('--no-latency', 'skip the batch-1 latency comparison (ONNX Runtime, tfjs, PyTorch)')
    .option('--latency-only', 'only the batch-1 latency comparison')
    .option('--latency-threads <list>', 'thread counts of the latency comparison', '1,2')
    .option('--latency-rounds <n>', 'alternation rounds of the latency comparison', '5')
    .option('--workers <n>', 'data-parallel training workers (default: the cores, at most the batch)')
    .option('--micro-batch <n|auto>', 'samples per forward/backward pass (auto: what fits the wasm heap)', 'auto')
    .option('--profile', 'print the top kernels by time of one training step (no peer)')
    .option('--once', 'run our side once in this process and print its JSON line (what each round runs)')
    .action(async (opts: BenchOptions) => {
      const steps = positiveInt('--steps', opts.steps);
      const rounds = positiveInt('--rounds', opts.rounds);
      if (opts.control) {
        const ticks = Number(opts.ticks);
        if (!Number.isInteger(ticks) || ticks < 1) throw new Error(`--ticks: expected a positive integer, got '${opts.ticks}'`);
        const { preset } = await readBenchPreset(opts.preset);
        const result = await runControlBench(preset, {
          name: preset.name ?? opts.preset,
          ticks,
          ...(opts.backend === 'auto' ? {} : { backend: opts.backend as BackendRequest }),
          log: (line) => console.error(line),
        });
        for (const row of result.rows) console.log(JSON.stringify({ control: true, preset: result.preset, ...row }));
        console.log(controlBenchMarkdown(result));
        return;
      }
      const { preset, path } = await readBenchPreset(opts.preset);
      const name = preset.name ?? opts.preset;
      const workers = opts.workers === undefined ? undefined : positiveInt('--workers', opts.workers);
      const microBatch = opts.microBatch === 'auto' ? 'auto' : positiveInt('--micro-batch', opts.microBatch);
      const kernelPaths = kernelList(opts.kernels);
      if ((opts.once || opts.profile) && kernelPaths.length > 1) throw new Error(`--kernels: --once and --profile take one kernel path, got '${opts.kernels}'`);
      if (opts.once || opts.profile) {
        const ours = await runActBench(name, preset, {
          backend: opts.backend as BackendRequest,
          kernels: kernelPaths[0]!,
          steps,
          profile: opts.profile === true,
          microBatch,
          ...(workers !== undefined ? { workers } : {}),
        });
        if (opts.profile) printProfile(ours);
        console.log(JSON.stringify(ours));
        if (ours.train_error !== undefined) process.exit(1);
        return;
      }
      if (opts.latency || opts.latencyOnly) {
        const threads = opts.latencyThreads.split(',').map((t) => Number(t));
        if (threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`--latency-threads: expected positive integers like 1,2, got '${opts.latencyThreads}'`);
        const latencyRounds = positiveInt('--latency-rounds', opts.latencyRounds);
        await printLatency(name, preset, path, { backend: opts.backend as BackendRequest, threads, rounds: latencyRounds, iterations: steps, peer: opts.peer });
        if (opts.latencyOnly) return;
      }
      const why = opts.peer ? peerUnavailable(PYTHON, PEER) : 'disabled by --no-peer';
      if (why) console.error(`bench: PyTorch peer not run (${why})`);
      const ourArgs = (kernels: KernelPathRequest): string[] => {
        const args = [CLI, 'bench', '--once', '--preset', path, '--steps', String(steps), '--backend', opts.backend, '--kernels', kernels, '--micro-batch', String(microBatch)];
        if (workers !== undefined) args.push('--workers', String(workers));
        return args;
      };
      // Each kernel path's rounds, against the peer's run of the same round.
      const results = new Map<KernelPathRequest, BenchRound[]>(kernelPaths.map((k) => [k, []]));
      let failed = false;
      for (let round = 1; round <= rounds; round++) {
        const ours = new Map<KernelPathRequest, BenchRound['ours']>();
        for (const kernels of kernelPaths) {
          const side = runJsonLine('actfusion', process.execPath, ourArgs(kernels));
          console.log(JSON.stringify({ round, ...side }));
          failed ||= side.train_error !== undefined;
          ours.set(kernels, side);
        }
        let peer = null;
        if (!why) {
          peer = runJsonLine('the PyTorch peer', PYTHON, [PEER, path, '--steps', String(steps), '--threads', opts.threads]);
          console.log(JSON.stringify({ round, peer: true, ...peer }));
        }
        for (const [kernels, side] of ours) results.get(kernels)!.push({ round, ours: side, peer });
      }
      for (const [kernels, rs] of results) {
        console.log(JSON.stringify({ preset: name, ...(kernelPaths.length > 1 || kernels !== 'auto' ? { kernels } : {}), ...summarizeRounds(rs) }));
      }
      if (failed) process.exit(1);
    });
}

function kernelList(value: string): KernelPathRequest[] {
  const list = value.split(',').map((k) => k.trim());
  const bad = list.find((k) => !isKernelPathRequest(k));
  if (bad !== undefined || list.length === 0) throw new Error(`--kernels: expected ${KERNEL_PATHS.join(', ')} or a comma list of them, got '${value}'`);
  if (new Set(list).size !== list.length) throw new Error(`--kernels: '${value}' names a kernel path twice`);
  return list as KernelPathRequest[];
}

function printProfile(r: Awaited<ReturnType<typeof runActBench>>): void {
  if (!r.kernels) return;
  console.error(`one ${r.preset} training step on ${r.backend}: ${r.profiled_step_ms} ms wall (profiled), ${r.kernel_ms} ms in kernels`);
  console.error('kernel                          calls        ms      %');
  for (const k of r.kernels) console.error(`${k.kernel.padEnd(30)} ${String(k.calls).padStart(6)} ${k.ms.toFixed(1).padStart(9)} ${k.pct.toFixed(1).padStart(6)}`);
  console.error('most expensive calls (kernel, input shapes):');
  for (const c of r.kernel_calls ?? []) console.error(`  ${c.ms.toFixed(1).padStart(8)} ms  x${c.calls}  ${c.kernel} ${c.shapes}`);
}
