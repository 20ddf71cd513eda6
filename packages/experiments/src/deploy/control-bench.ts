import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type BackendRequest } from '@actfusion/cvae-core';
import { type ChunkExecutionMode } from '@actfusion/cvae-core/inference';
import { writeLeRobotCheckpoint } from '@actfusion/cvae-core/io';
import { observationSpec } from '@actfusion/contracts';
import { SimRobot } from '@actfusion/robot-io';
import { benchPolicyParts, type BenchPreset } from '../act/bench-preset.js';
import { buildActPolicy } from '../act/build-act-policy.js';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { validateExperiment } from '../config/validate-experiment.js';
import { documentFromLeRobotConfig } from './checkpoint-config.js';
import type { ChunkPredictor } from './chunk-predictor.js';
import { createChunkPredictor, measureLatency } from './create-predictor.js';
import { fitToLatency } from './execution-mode.js';
import { runPolicy } from './policy-runner.js';

export interface ControlBenchRow {
  readonly execution: 'control path only' | 'synchronous' | 'asynchronous' | 'real-time chunking';
  readonly inference: string;
  readonly mode: ChunkExecutionMode;
  readonly ticks: number;
  readonly lateTicks: number;
  readonly latePer1000: number;
  readonly missedTicks: number;
  readonly p99LatenessMs: number;
  readonly maxLatenessMs: number;
  readonly maxTickMs: number;
  readonly achievedHz: number;
  readonly chunks: number;
  readonly lateChunks: number;
}

export interface ControlBenchResult {
  readonly preset: string;
  readonly hz: number;
  readonly latencyMs: { inProcess: number; worker: number; onnx: number };
  readonly loadAverage: readonly number[];
  readonly rows: readonly ControlBenchRow[];
}

/**
 * Late control ticks per 1,000 at 50 Hz on the simulator (transfer-cube, one camera at the
 * preset's size) with the preset's ACT (random weights: timing does not depend on them), for
 * synchronous execution (tfjs on the control thread, open loop over the whole chunk), asynchronous
 * execution (tfjs in a worker thread, the next chunk requested `inferenceDelay` ticks ahead, no
 * blending) and real-time chunking (the same with RTC's soft blending); then both asynchronous modes
 * again with ONNX Runtime. The inference delay is
 * fitted to the latency measured before the runs. A tick is late when it starts more than 10% of
 * a period (2 ms) after its slot.
 */
export async function runControlBench(preset: BenchPreset, options: { name: string; ticks?: number; backend?: BackendRequest; log?: (line: string) => void }): Promise<ControlBenchResult> {
  const ticks = options.ticks ?? 1000;
  const log = options.log ?? (() => {});
  const backend = options.backend ?? 'wasm';
  const dir = await mkdtemp(join(tmpdir(), 'actfusion-control-bench-'));
  const runtime = await createRuntime({ backend, seed: 0 });
  const cameras = [{ name: 'top', height: preset.height, width: preset.width }];
  const robot = await SimRobot.create({ task: 'transfer-cube', cameras, tactile: false, seed: 0 });
  try {
    if (robot.actionDim !== preset.action_dim) throw new Error(`control bench: transfer-cube has ${robot.actionDim} joints, preset ${options.name} ${preset.action_dim}`);
    const { config: policyConfig, width } = benchPolicyParts(preset);
    const spec = observationSpec({ stateDim: preset.state_dim, actionDim: preset.action_dim, cameras: { top: [preset.height, preset.width] } });
    const { policy } = buildActPolicy({ config: policyConfig, spec, vision: { width }, seed: 0 });
    await writeLeRobotCheckpoint(dir, policy);
    policy.dispose();
    const registry = builtinKinds();
    const document = await documentFromLeRobotConfig(dir);
    const config = validateExperiment({ ...document, runtime: { backend } }, { file: join(dir, 'config.json'), registry });
    const hz = robot.spec.controlHz;
    const obs = robot.observeNow();
    const run = async (execution: ControlBenchRow['execution'], predictor: ChunkPredictor, mode: ChunkExecutionMode): Promise<ControlBenchRow> => {
      robot.reset(0);
      log(`control bench: ${execution}, ${predictor.runtime}, ${ticks} ticks at ${hz} Hz`);
      const r = await runPolicy({ robot, predictor, mode, ticks });
      if (r.loop.fault) throw r.loop.fault;
      return {
        execution,
        inference: predictor.runtime,
        mode,
        ticks: r.loop.ticks,
        lateTicks: r.loop.lateTicks,
        latePer1000: (1000 * r.loop.lateTicks) / r.loop.ticks,
        missedTicks: r.loop.missedTicks,
        p99LatenessMs: r.loop.p99LatenessMs,
        maxLatenessMs: r.loop.maxLatenessMs,
        maxTickMs: r.loop.maxTickMs,
        achievedHz: r.loop.achievedHz,
        chunks: r.executor.queries,
        lateChunks: r.executor.lateChunks,
      };
    };
    const rows: ControlBenchRow[] = [];
    // Baseline: the same loop (render, safety layer, physics) with chunks that are ready at once.
    const still = Array.from({ length: preset.chunk }, () => Float32Array.from(obs['observation.state']));
    const ready: ChunkPredictor = { chunkSize: preset.chunk, actionDim: preset.action_dim, runtime: 'none (ready chunks)', predict: async () => still, dispose: async () => {} };
    rows.push(await run('control path only', ready, { kind: 'open-loop', nActionSteps: preset.chunk }));
    const inProcess = await createChunkPredictor({ config, pretrainedDir: dir, registry, spec: robot.observationSpec(), inProcess: true });
    let inProcessMs: number;
    try {
      inProcessMs = (await measureLatency(inProcess, obs)).medianMs;
      log(`control bench: in-process inference ${inProcessMs.toFixed(1)} ms`);
      rows.push(await run('synchronous', inProcess, { kind: 'open-loop', nActionSteps: preset.chunk }));
    } finally {
      await inProcess.dispose();
    }
    const worker = await createChunkPredictor({ config, pretrainedDir: dir, registry, spec: robot.observationSpec() });
    let workerMs: number;
    try {
      workerMs = (await measureLatency(worker, obs)).medianMs;
      const base = { kind: 'real-time-chunking' as const, executionHorizon: 10, inferenceDelay: 2, lateChunk: 'continue' as const };
      const fitted = fitToLatency(base, workerMs, hz, preset.chunk);
      log(`control bench: worker inference ${workerMs.toFixed(1)} ms; ${fitted.note}`);
      rows.push(await run('asynchronous', worker, { ...(fitted.mode as typeof base), schedule: 'zeros' }));
      rows.push(await run('real-time chunking', worker, { ...(fitted.mode as typeof base), schedule: 'exp' }));
    } finally {
      await worker.dispose();
    }
    // The same two asynchronous modes with ONNX Runtime (the policy exported in memory, one intra-op thread).
    const onnx = await createChunkPredictor({ config, pretrainedDir: dir, registry, spec: robot.observationSpec(), runtime: 'onnx', threads: 1 });
    let onnxMs: number;
    try {
      onnxMs = (await measureLatency(onnx, obs)).medianMs;
      const base = { kind: 'real-time-chunking' as const, executionHorizon: 10, inferenceDelay: 2, lateChunk: 'continue' as const };
      const fitted = fitToLatency(base, onnxMs, hz, preset.chunk);
      log(`control bench: ONNX Runtime inference ${onnxMs.toFixed(1)} ms; ${fitted.note}`);
      rows.push(await run('asynchronous', onnx, { ...(fitted.mode as typeof base), schedule: 'zeros' }));
      rows.push(await run('real-time chunking', onnx, { ...(fitted.mode as typeof base), schedule: 'exp' }));
    } finally {
      await onnx.dispose();
    }
    return { preset: options.name, hz, latencyMs: { inProcess: inProcessMs, worker: workerMs, onnx: onnxMs }, loadAverage: loadavg(), rows };
  } finally {
    robot.close();
    runtime.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The late-tick table as markdown. */
export function controlBenchMarkdown(r: ControlBenchResult): string {
  const mode = (m: ChunkExecutionMode) =>
    m.kind === 'open-loop' ? `open loop, ${m.nActionSteps} actions/chunk` : m.kind === 'real-time-chunking' ? `d = ${m.inferenceDelay}, s = ${m.executionHorizon}` : m.kind;
  return [
    `Control benchmark: ${r.preset} policy, simulator at ${r.hz} Hz; inference ${r.latencyMs.inProcess.toFixed(1)} ms tfjs in process, ${r.latencyMs.worker.toFixed(1)} ms tfjs in the worker, ${r.latencyMs.onnx.toFixed(1)} ms ONNX Runtime (medians); load average ${r.loadAverage.map((x) => x.toFixed(1)).join(' ')}`,
    '',
    '| execution | inference | chunking | ticks | late ticks / 1000 | missed | p99 lateness (ms) | max lateness (ms) | achieved Hz | chunks (late) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.execution} | ${x.inference} | ${mode(x.mode)} | ${x.ticks} | ${x.latePer1000.toFixed(1)} | ${x.missedTicks} | ${x.p99LatenessMs.toFixed(2)} | ${x.maxLatenessMs.toFixed(1)} | ${x.achievedHz.toFixed(1)} | ${x.chunks} (${x.lateChunks}) |`,
    ),
    '',
  ].join('\n');
}
