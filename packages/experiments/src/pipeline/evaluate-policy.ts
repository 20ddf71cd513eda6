import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { SimRobot, type SimTaskName } from '@actfusion/robot-io';
import { writeFileAtomic } from '@actfusion/atomic-file';
import { writeChart } from '../charts/render-chart.js';
import { successBarsSpec } from '../charts/success-bars.js';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import type { InferenceRuntime } from '../deploy/chunk-predictor.js';
import { createChunkPredictor } from '../deploy/create-predictor.js';
import { executionModeOf } from '../deploy/execution-mode.js';
import { addLimitClamps, type LimitClamps } from '../deploy/limit-clamps.js';
import { resolveCheckpoint } from '../deploy/resolve-checkpoint.js';
import { wilsonInterval } from '../stats/wilson-interval.js';
import { EvalLane, type EvalEpisodeContext, type EvalEpisodeJob, type EvalEpisodeOutcome } from './eval-lane.js';
import { runInLanes } from './run-in-lanes.js';

export { executionModeOf } from '../deploy/execution-mode.js';

/**
 * Seed of evaluation episode `e` under eval seed `s` (s < 1,000,000, e < 100,000, as the config
 * schema bounds them). Recording uses seeds 0, 1, ... (below 1,000,000); `tune` episodes lie in
 * [1e6, 1.0011e9) (the formula earlier results used); `report` episodes in [2e9, 3.0002e9). So
 * what is reported was never seen while choosing settings, nor while recording demonstrations.
 */
export function evalEpisodeSeed(evalSeed: number, episode: number, split: 'tune' | 'report' = 'tune'): number {
  return (split === 'report' ? 2_000_000_000 : 1_000_000) + evalSeed * 1000 + episode;
}

export interface EvalSummary {
  task: string;
  episodes: number;
  successes: number;
  /** stageReached[i] = episodes whose max reward reached stage i + 1. */
  stageReached: number[];
  stageNames: string[];
  /** Max reward per episode, in (eval seed, episode) order. */
  rewards: number[];
  seconds: number;
  checkpoint: string;
  /** What ran inference (e.g. `tfjs-wasm (worker thread)`). */
  inference: string;
  /** Control ticks over all episodes, late ticks among them (always 0 in simulated time) and late chunks. */
  ticks: number;
  lateTicks: number;
  lateChunks: number;
  /** Actions the safety layer clamped to joint limits or capped per tick. */
  safetyClamped: number;
  /**
   * Per joint clamped to a limit: in how many actions, and the largest distance a requested target
   * lay beyond it (joint units: rad, gripper 0..1); absent in evaluations written before it was kept.
   */
  limitClamps?: LimitClamps;
  /**
   * Episodes that ended on the task's failure condition (lift-colored-cube, occluded-pick: the wrong
   * object picked up); absent in evaluations written before it was counted.
   */
  failures?: number;
  /** Episode seeds drawn from the tuning or the reporting range (`eval.split`). */
  split: 'tune' | 'report';
  markdown: string;
}

/**
 * Episodes run at once: `eval.workers`, or the machine's cores when unset; never more than there are
 * episodes, and one in real time (lanes would compete for the clock they are timed on).
 */
export function evalLaneCount(config: ExperimentConfig, episodes: number, realtime: boolean): number {
  if (realtime) return 1;
  return Math.max(1, Math.min(config.eval.workers ?? availableParallelism(), episodes));
}

/** Fewer reporting episodes than this and eval.md says the result is not one to publish. */
export const MIN_REPORT_EPISODES = 50;

export interface EvaluateOptions {
  registry: KindRegistry;
  /** Run folder, checkpoint folder or pretrained_model folder (default `<outputDir>` = its checkpoints/last). */
  checkpoint?: string;
  log?: (line: string) => void;
  outDir?: string;
  /** Inference runtime (default the config's `runtime.inference`). */
  runtime?: InferenceRuntime;
  /** Real time (system clock, late chunks do not stop the loop) instead of simulated time. */
  realtime?: boolean;
}

/**
 * `actfusion eval`: rolls a checkpoint out in the simulator through the deployment path of
 * `actfusion run` (ControlLoop, SafeRobot, ChunkExecutor, the inference runtime's ChunkPredictor),
 * on a simulated clock unless `realtime`, with object positions randomised per episode seed, and
 * reports success per reward stage (Wilson 95%). Writes eval.json, eval.md,
 * plots/success-rate.{svg,png} and rollouts/<name>.json (states, actions, rewards and every
 * predicted chunk, for `actfusion view`); frames as PNG when asked.
 */
export async function evaluatePolicy(config: ExperimentConfig, options: EvaluateOptions): Promise<EvalSummary> {
  if (config.robot.kind !== 'sim') throw new Error(`eval: robot.kind must be "sim" for simulated rollouts, got "${config.robot.kind}"`);
  const log = options.log ?? (() => {});
  const outDir = options.outDir ?? join(config.outputDir, 'eval');
  let ckpt;
  try {
    ckpt = await resolveCheckpoint(options.checkpoint ?? config.outputDir);
  } catch (err) {
    if (options.checkpoint) throw err;
    throw new Error(`eval: no checkpoint under ${join(config.outputDir, 'checkpoints')}; train first or pass --checkpoint`);
  }
  const robotCfg = config.robot;
  const cameras = robotCfg.cameras.map((name) => ({ name, height: robotCfg.imageHeight, width: robotCfg.imageWidth }));
  const realtime = options.realtime ?? false;
  const jobs: EvalEpisodeJob[] = config.eval.seeds.flatMap((evalSeed) =>
    Array.from({ length: config.eval.episodes }, (_, episode) => ({ evalSeed, episode, seed: evalEpisodeSeed(evalSeed, episode, config.eval.split) })),
  );
  const laneCount = evalLaneCount(config, jobs.length, realtime);
  // Each lane's predictor gets an equal share of the cores for its BLAS threads unless the config sets them.
  const laneConfig: ExperimentConfig =
    config.runtime.blasThreads === undefined ? { ...config, runtime: { ...config.runtime, blasThreads: Math.max(1, Math.floor(availableParallelism() / laneCount)) } } : config;
  const started = performance.now();
  const lanes: EvalLane[] = [];
  try {
    for (let i = 0; i < laneCount; i++) {
      const robot = await SimRobot.create({ task: robotCfg.task as SimTaskName, cameras, tactile: true, randomize: robotCfg.randomize });
      try {
        const predictor = await createChunkPredictor({
          config: laneConfig,
          pretrainedDir: ckpt.pretrainedDir,
          registry: options.registry,
          spec: robot.observationSpec(),
          ...(options.runtime ? { runtime: options.runtime } : {}),
        });
        lanes.push(new EvalLane(robot, predictor));
      } catch (err) {
        robot.close();
        throw err;
      }
    }
    const { robot, predictor } = lanes[0]!;
    log(
      `eval: ${ckpt.pretrainedDir} on ${predictor.runtime}, ${config.execution.mode} execution, ${realtime ? 'real time' : 'simulated time'}, ` +
        `${laneCount} episode${laneCount === 1 ? '' : 's'} at a time (eval.workers)`,
    );
    const maxReward = robot.task.maxReward;
    const stageNames = [...robot.task.stages].slice(1, maxReward + 1);
    const ctx: EvalEpisodeContext = {
      config,
      task: robotCfg.task,
      cameras,
      mode: executionModeOf(config, { realtime }),
      maxSteps: config.eval.maxSteps ?? robotCfg.episodeLength,
      maxReward,
      stageNames,
      outDir,
      realtime,
    };
    let done = 0;
    const outcomes = await runInLanes(lanes, jobs, async (lane, job) => {
      const o = await lane.runEpisode(job, ctx);
      done++;
      log(`eval seed ${job.evalSeed} episode ${job.episode + 1}/${config.eval.episodes}: reward ${o.reward}/${maxReward}${o.success ? ' success' : ''} (${done}/${jobs.length} done)`);
      return o;
    });
    const rewards = outcomes.map((o) => o.reward);
    const limitClamps: LimitClamps = {};
    for (const o of outcomes) addLimitClamps(limitClamps, o.limitClamps);
    const sum = (f: (o: EvalEpisodeOutcome) => number): number => outcomes.reduce((a, o) => a + f(o), 0);
    const stageReached = Array.from({ length: maxReward }, (_, i) => rewards.filter((r) => r >= i + 1).length);
    const summary: EvalSummary = {
      task: robotCfg.task,
      episodes: rewards.length,
      successes: rewards.filter((r) => r >= maxReward).length,
      stageReached,
      stageNames: stageNames.length === maxReward ? stageNames : stageReached.map((_, i) => `reward >= ${i + 1}`),
      rewards,
      seconds: (performance.now() - started) / 1000,
      checkpoint: ckpt.pretrainedDir,
      inference: predictor.runtime,
      ticks: sum((o) => o.ticks),
      lateTicks: sum((o) => o.lateTicks),
      lateChunks: sum((o) => o.lateChunks),
      safetyClamped: sum((o) => o.safetyClamped),
      limitClamps,
      failures: outcomes.filter((o) => o.failed).length,
      split: config.eval.split,
      markdown: '',
    };
    summary.markdown = evalMarkdown(summary, config.name);
    await writeFileAtomic(join(outDir, 'eval.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFileAtomic(join(outDir, 'eval.md'), summary.markdown);
    await writeChart(
      successBarsSpec(
        summary.stageNames.map((name, i) => {
          const w = wilsonInterval(stageReached[i]!, summary.episodes);
          return { label: name, rate: w.estimate, lower: w.lower, upper: w.upper };
        }),
        { title: `${config.name}: ${summary.task}, ${summary.episodes} episodes`, intervalName: 'Wilson 95%' },
      ),
      join(outDir, 'success-rate'),
    );
    return summary;
  } finally {
    for (const lane of lanes) {
      await lane.predictor.dispose();
      lane.robot.close();
    }
  }
}

/** The success table: one row per reward stage, percent with the Wilson 95% interval. */
export function evalMarkdown(s: Pick<EvalSummary, 'task' | 'episodes' | 'stageReached' | 'stageNames'> & Partial<Pick<EvalSummary, 'split'>>, name: string): string {
  const rows = s.stageNames.map((stage, i) => {
    const w = wilsonInterval(s.stageReached[i]!, s.episodes);
    return `| ${i + 1} | ${stage} | ${s.stageReached[i]}/${s.episodes} | ${(100 * w.estimate).toFixed(1)} % | [${(100 * w.lower).toFixed(1)}, ${(100 * w.upper).toFixed(1)}] |`;
  });
  const split = s.split ?? 'tune';
  const note =
    split === 'tune'
      ? 'Episode seeds: tuning range (`eval.split: tune`): for choosing settings, not for reporting.'
      : s.episodes < MIN_REPORT_EPISODES
        ? `Episode seeds: reporting range (\`eval.split: report\`), but only ${s.episodes} episodes: at least ${MIN_REPORT_EPISODES} are needed for a reported result.`
        : 'Episode seeds: reporting range (`eval.split: report`), never used while choosing settings.';
  return [`## ${name}: ${s.task}`, '', '| stage | reached | episodes | success | 95% Wilson CI (%) |', '|---|---|---|---|---|', ...rows, '', note, ''].join('\n');
}
