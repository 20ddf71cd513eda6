import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkExecutionMode } from '@actfusion/cvae-core/inference';
import { OBSERVATION_STATE, imageKey, taxelsKey, type ImageFrame, type Observation } from '@actfusion/contracts';
import { SimRobot, writePng } from '@actfusion/robot-io';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import type { ChunkPredictor } from '../deploy/chunk-predictor.js';
import type { LimitClamps } from '../deploy/limit-clamps.js';
import { runPolicy } from '../deploy/policy-runner.js';
import { SimulatedClock } from '../deploy/simulated-clock.js';
import { RolloutRecorder, writeRolloutLog, type TaxelReading } from './rollout-log.js';

/**
 * One evaluation lane: a simulator and a predictor of its own. Evaluation runs several lanes at
 * once (`eval.workers`); an episode's result depends only on its seed, never on its lane.
 */
export class EvalLane {
  private recorder: RolloutRecorder | undefined;
  /** The predictor, with every chunk logged to the rollout in progress, tagged with the step it was requested at. */
  readonly logged: ChunkPredictor;

  constructor(
    readonly robot: SimRobot,
    readonly predictor: ChunkPredictor,
  ) {
    this.logged = {
      chunkSize: predictor.chunkSize,
      actionDim: predictor.actionDim,
      runtime: predictor.runtime,
      predict: async (obs) => {
        const rec = this.recorder;
        const t = rec?.t ?? 0;
        const chunk = await predictor.predict(obs);
        rec?.chunk(t, chunk);
        return chunk;
      },
      dispose: () => predictor.dispose(),
    };
  }

  /** Runs one episode (the robot reset to the job's seed) and writes its rollout log. */
  async runEpisode(job: EvalEpisodeJob, ctx: EvalEpisodeContext): Promise<EvalEpisodeOutcome> {
    const { robot } = this;
    const { config } = ctx;
    robot.reset(job.seed);
    const rec = new RolloutRecorder({ name: `seed-${job.evalSeed}-episode-${job.episode}`, task: ctx.task, evalSeed: job.evalSeed, episode: job.episode, seed: job.seed, maxReward: ctx.maxReward, stageNames: ctx.stageNames });
    this.recorder = rec;
    const framesDir = config.eval.saveFramesEvery > 0 ? join(ctx.outDir, 'frames', `seed-${job.evalSeed}-episode-${job.episode}`) : undefined;
    if (framesDir) await mkdir(framesDir, { recursive: true });
    try {
      const report = await runPolicy({
        robot,
        predictor: this.logged,
        mode: ctx.mode,
        ticks: ctx.maxSteps,
        ...(ctx.realtime ? {} : { clock: new SimulatedClock() }),
        ...(config.execution.maxRelativeTarget !== undefined ? { safety: { maxRelativeTarget: config.execution.maxRelativeTarget } } : {}),
        onTick: (t, obs, action) => {
          if (framesDir && t % config.eval.saveFramesEvery === 0) {
            for (const c of ctx.cameras) writePng(join(framesDir, `${c.name}-${String(t).padStart(4, '0')}.png`), obs[imageKey(c.name)] as ImageFrame);
          }
          rec.step(obs[OBSERVATION_STATE], action, robot.reward(), taxelReadings(robot, obs));
          return robot.success || robot.episodeFailed;
        },
      });
      if (report.loop.fault) throw report.loop.fault;
      await writeRolloutLog(ctx.outDir, rec.finish(robot.episodeReward, robot.success));
      return {
        reward: robot.episodeReward,
        success: robot.success,
        failed: robot.episodeFailed,
        ticks: report.loop.ticks,
        lateTicks: report.loop.lateTicks,
        lateChunks: report.executor.lateChunks,
        safetyClamped: report.safety.limitClamped + report.safety.stepClamped,
        limitClamps: report.safety.limitClampedByJoint,
      };
    } finally {
      this.recorder = undefined;
    }
  }
}

/** Episode `episode` of eval seed `evalSeed`, played on simulator seed `seed`. */
export interface EvalEpisodeJob {
  readonly evalSeed: number;
  readonly episode: number;
  readonly seed: number;
}

/** What every episode of one evaluation shares. */
export interface EvalEpisodeContext {
  readonly config: ExperimentConfig;
  readonly task: string;
  readonly cameras: readonly { readonly name: string }[];
  readonly mode: ChunkExecutionMode;
  readonly maxSteps: number;
  readonly maxReward: number;
  readonly stageNames: readonly string[];
  readonly outDir: string;
  readonly realtime: boolean;
}

export interface EvalEpisodeOutcome {
  /** Highest reward stage reached. */
  readonly reward: number;
  readonly success: boolean;
  /** Ended on the task's failure condition. */
  readonly failed: boolean;
  readonly ticks: number;
  readonly lateTicks: number;
  readonly lateChunks: number;
  readonly safetyClamped: number;
  readonly limitClamps: LimitClamps;
}

/** The robot's taxel arrays in this observation (`observation.taxels.<sensor>`), for the rollout log. */
function taxelReadings(robot: SimRobot, obs: Observation): Record<string, TaxelReading> {
  const out: Record<string, TaxelReading> = {};
  for (const t of robot.spec.tactile ?? []) {
    const data = obs[taxelsKey(t.name)];
    if (data instanceof Float32Array) out[t.name] = { rows: t.rows, cols: t.cols, data };
  }
  return out;
}
