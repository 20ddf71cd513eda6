import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  ChunkExecutor,
  lastCheckpoint,
  Normalizer,
  policyChunkSource,
  readTrainingCheckpoint,
  type ChunkExecutionMode,
  type ObservationSpec,
} from '@actfusion/cvae-core';
import { SimRobot, writePng, type SimTaskName } from '@actfusion/robot-io';
import { writeChart } from '../charts/render-chart.js';
import { successBarsSpec } from '../charts/success-bars.js';
import { buildExperimentContainer } from '../composition/experiment-container.js';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loggingChunkSource, RolloutRecorder, writeRolloutLog } from './rollout-log.js';
import { wilsonInterval } from '../stats/wilson-interval.js';

/** The chunk execution the config asks for, as cvae-core's ChunkExecutor mode. */
export function executionModeOf(config: ExperimentConfig): ChunkExecutionMode {
  const e = config.execution;
  switch (e.mode) {
    case 'open-loop':
      return { kind: 'open-loop', nActionSteps: e.nActionSteps ?? config.policy.chunkSize };
    case 'temporal-ensemble':
      return { kind: 'temporal-ensemble', coeff: e.temporalEnsembleCoeff };
    case 'rtc':
      return { kind: 'real-time-chunking', executionHorizon: e.rtc.executionHorizon, inferenceDelay: e.rtc.inferenceDelay };
  }
}

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
  /** Episode seeds drawn from the tuning or the reporting range (`eval.split`). */
  split: 'tune' | 'report';
  markdown: string;
}

/** Fewer reporting episodes than this and eval.md says the result is not one to publish. */
export const MIN_REPORT_EPISODES = 50;

/**
 * `actfusion eval`: loads a checkpoint into the policy the config composes, rolls it out in the
 * simulator through the ChunkExecutor (open loop, temporal ensemble or RTC), with object
 * positions randomised per episode seed, and reports success per reward stage (Wilson 95%).
 * Writes eval.json, eval.md and plots/success-rate.{svg,png}; frames as PNG when asked.
 */
export async function evaluatePolicy(
  config: ExperimentConfig,
  options: { registry: KindRegistry; checkpoint?: string; log?: (line: string) => void; outDir?: string },
): Promise<EvalSummary> {
  if (config.robot.kind !== 'sim') throw new Error(`eval: robot.kind must be "sim" for simulated rollouts, got "${config.robot.kind}"`);
  const log = options.log ?? (() => {});
  const outDir = options.outDir ?? join(config.outputDir, 'eval');
  const checkpoint = options.checkpoint ?? (await lastCheckpoint(config.outputDir));
  if (checkpoint === null) throw new Error(`eval: no checkpoint under ${join(config.outputDir, 'checkpoints')}; train first or pass --checkpoint`);
  const robotCfg = config.robot;
  const cameras = robotCfg.cameras.map((name) => ({ name, height: robotCfg.imageHeight, width: robotCfg.imageWidth }));
  const robot = await SimRobot.create({ task: robotCfg.task as SimTaskName, cameras, tactile: true });
  const started = performance.now();
  try {
    const stateDim = robot.qpos().length;
    const spec: ObservationSpec = { stateDim, actionDim: stateDim, cameras: Object.fromEntries(cameras.map((c) => [c.name, [c.height, c.width] as const])) };
    const exp = await buildExperimentContainer(config, { registry: options.registry, spec, withRuntime: true, checkpoint });
    try {
      const policy = exp.policy();
      const ckpt = await readTrainingCheckpoint(checkpoint);
      try {
        policy.loadStateDict(new Map([...ckpt.model].map(([n, t]) => [n.startsWith('model.') ? n.slice(6) : n, t])), { source: `${checkpoint}/pretrained_model/model.safetensors` });
      } finally {
        tf.dispose([...ckpt.model.values(), ...ckpt.optimizer.values()]);
      }
      policy.eval();
      const normalizer = Normalizer.fromJSON(ckpt.normalizer, `${checkpoint}/pretrained_model/normalizer.json`);
      let recorder: RolloutRecorder | undefined;
      const source = loggingChunkSource(policyChunkSource(policy, normalizer), () => recorder);
      const executor = new ChunkExecutor(source, config.policy.chunkSize, executionModeOf(config));
      const stageNames = [...robot.task.stages].slice(1, robot.task.maxReward + 1);
      const maxSteps = config.eval.maxSteps ?? robotCfg.episodeLength;
      const maxReward = robot.task.maxReward;
      const rewards: number[] = [];
      for (const evalSeed of config.eval.seeds) {
        for (let e = 0; e < config.eval.episodes; e++) {
          const seed = evalEpisodeSeed(evalSeed, e, config.eval.split);
          robot.reset(seed);
          executor.reset();
          recorder = new RolloutRecorder({ name: `seed-${evalSeed}-episode-${e}`, task: robotCfg.task, evalSeed, episode: e, seed, maxReward, stageNames });
          const framesDir = config.eval.saveFramesEvery > 0 ? join(outDir, 'frames', `seed-${evalSeed}-episode-${e}`) : undefined;
          if (framesDir) await mkdir(framesDir, { recursive: true });
          for (let t = 0; t < maxSteps; t++) {
            const obs = robot.observeNow();
            if (framesDir && t % config.eval.saveFramesEvery === 0) {
              for (const [cam, frame] of Object.entries(obs.images)) writePng(join(framesDir, `${cam}-${String(t).padStart(4, '0')}.png`), frame);
            }
            const action = await executor.step(obs);
            robot.step(action);
            recorder.step(obs.qpos, action, robot.reward(), obs.tactile);
            if (robot.success || robot.episodeFailed) break;
          }
          await writeRolloutLog(outDir, recorder.finish(robot.episodeReward, robot.success));
          rewards.push(robot.episodeReward);
          log(`eval seed ${evalSeed} episode ${e + 1}/${config.eval.episodes}: reward ${robot.episodeReward}/${maxReward}${robot.success ? ' success' : ''}`);
        }
      }
      const stageReached = Array.from({ length: maxReward }, (_, i) => rewards.filter((r) => r >= i + 1).length);
      const summary: EvalSummary = {
        task: robotCfg.task,
        episodes: rewards.length,
        successes: rewards.filter((r) => r >= maxReward).length,
        stageReached,
        stageNames: stageNames.length === maxReward ? stageNames : stageReached.map((_, i) => `reward >= ${i + 1}`),
        rewards,
        seconds: (performance.now() - started) / 1000,
        checkpoint,
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
      await exp.dispose();
    }
  } finally {
    robot.close();
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
