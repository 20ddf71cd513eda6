import { ChunkExecutor, type ChunkExecutionMode, type ChunkExecutorStats } from '@actfusion/cvae-core/inference';
import { type Observation } from '@actfusion/contracts';
import { ControlLoop, SafeRobot, type ControlLoopReport, type MonotonicClock, type Robot, type SafetyOptions, type SafetyStats } from '@actfusion/robot-io';
import type { ChunkPredictor } from './chunk-predictor.js';

export interface PolicyRunOptions {
  /** The robot to drive (wrapped in a `SafeRobot` unless it is one); connected by the caller. */
  readonly robot: Robot;
  readonly predictor: ChunkPredictor;
  readonly mode: ChunkExecutionMode;
  /** Stop after this many ticks (default: until `signal` or `onTick` stops it). */
  readonly ticks?: number;
  /** Control rate (default: the robot's). */
  readonly hz?: number;
  /** Default: the system's monotonic clock (real time). `SimulatedClock` for evaluation. */
  readonly clock?: MonotonicClock;
  readonly safety?: SafetyOptions;
  readonly signal?: AbortSignal;
  /** After each tick, with what was observed and sent; return true to stop (e.g. task success). */
  readonly onTick?: (tick: number, observation: Observation, action: Float32Array) => boolean | void | Promise<boolean | void>;
  /** Called for every late tick. */
  readonly onLateTick?: (tick: number, latenessMs: number) => void;
}

export interface PolicyRunReport {
  readonly loop: ControlLoopReport;
  readonly executor: ChunkExecutorStats;
  readonly safety: SafetyStats;
  readonly runtime: string;
}

/**
 * The deployment path, used by `actfusion run` and `actfusion eval`: a `ControlLoop` at the
 * robot's rate; each tick observes the `SafeRobot`, takes the `ChunkExecutor`'s action and sends
 * it through the safety layer. The executor asks the `ChunkPredictor` for chunks; with a predictor
 * that runs off this thread (worker, ONNX Runtime) and asynchronous or real-time-chunking
 * execution, no tick waits for inference. The first chunk is fetched before the first tick. A
 * throwing tick emergency-stops the robot and ends the run (the report carries the fault).
 */
export async function runPolicy(o: PolicyRunOptions): Promise<PolicyRunReport> {
  const robot = o.robot instanceof SafeRobot ? o.robot : new SafeRobot(o.robot, o.safety ?? {});
  if (o.predictor.chunkSize < 1) throw new Error(`runPolicy: the predictor's chunk size is ${o.predictor.chunkSize}`);
  const executor = new ChunkExecutor((obs) => o.predictor.predict(obs), o.predictor.chunkSize, o.mode);
  const loop = new ControlLoop({
    hz: o.hz ?? robot.spec.controlHz,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.onLateTick ? { onLateTick: (t) => o.onLateTick!(t.index, t.latenessMs) } : {}),
  });
  await executor.prime(await robot.observe());
  const report = await loop.run(
    async (tick) => {
      const observation = await robot.observe();
      const action = await executor.step(observation);
      await robot.act(action);
      if (await o.onTick?.(tick.index, observation, action)) loop.stop();
    },
    {
      ...(o.ticks !== undefined ? { ticks: o.ticks } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      onFault: (err) => robot.emergencyStop(err),
    },
  );
  return { loop: report, executor: executor.stats, safety: { ...robot.stats }, runtime: o.predictor.runtime };
}
