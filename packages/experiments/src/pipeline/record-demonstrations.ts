import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { claimPartial, PROGRESS_FILE, saveProgress } from './record-progress.js';
import { dirname, join, resolve } from 'node:path';
import {
  IMAGES_PREFIX,
  OBSERVATION_STATE,
  OBSERVATION_VELOCITY,
  TACTILE_PREFIX,
  TAXELS_PREFIX,
  keySuffix,
  type FeatureSpec,
  type ImageFrame,
} from '@actfusion/contracts';
import { LeRobotV3Writer, lerobotFeatureOptions, writeAlohaEpisode, type EpisodeData } from '@actfusion/datasets';
import { ARM_JOINT_NAMES, TAXEL_COLS, TAXEL_ROWS, recordScriptedEpisode, simTask, taskArms, type CameraSpec, type SimEpisode, type SimTaskName } from '@actfusion/robot-io';

export type DatasetFormat = 'aloha-hdf5' | 'lerobot';

export interface RecordDemonstrationsOptions {
  task: string;
  /** Successful episodes to keep (ACT trains on successful scripted demonstrations). */
  episodes: number;
  out: string;
  format: DatasetFormat;
  cameras: readonly CameraSpec[];
  episodeLength?: number;
  /** Seeds tried are firstSeed, firstSeed+1, ...; failed expert rollouts are skipped. */
  firstSeed?: number;
  /** Keep only episodes where the expert succeeded (default true, as ACT's sim datasets). */
  onlySuccessful?: boolean;
  /** Give up after this many attempts (default 2 x episodes + 5). */
  maxAttempts?: number;
  /** Randomise object positions from each episode's seed (default true; `robot.randomize`). */
  randomize?: boolean;
  log?: (line: string) => void;
}

export interface RecordSummary {
  dir: string;
  kept: number;
  attempted: number;
  seeds: number[];
  rewards: number[];
}

function toEpisodeData(ep: SimEpisode): EpisodeData {
  const T = ep.actions.length;
  const first = ep.observations[0]!;
  const stateDim = first[OBSERVATION_STATE].length;
  const actionDim = ep.actions[0]!.length;
  const qpos = new Float32Array(T * stateDim);
  const qvel = new Float32Array(T * stateDim);
  const action = new Float32Array(T * actionDim);
  const images: Record<string, ImageFrame[]> = {};
  // Every tactile sensor the simulator emits, as its image and as its raw taxel forces, by key.
  const features: Record<string, { spec: FeatureSpec; frames: (ImageFrame | Float32Array)[] }> = {};
  for (const key of Object.keys(first)) {
    const v = first[key];
    if (keySuffix(key, TAXELS_PREFIX) !== undefined && v instanceof Float32Array) {
      features[key] = { spec: { key, kind: 'taxels', shape: [TAXEL_ROWS, TAXEL_COLS] }, frames: [] };
    } else if (keySuffix(key, TACTILE_PREFIX) !== undefined) {
      const f = v as ImageFrame;
      features[key] = { spec: { key, kind: 'tactile-image', shape: [f.height, f.width, 3] }, frames: [] };
    }
  }
  ep.observations.forEach((o, t) => {
    qpos.set(o[OBSERVATION_STATE], t * stateDim);
    const v = o[OBSERVATION_VELOCITY];
    if (v) qvel.set(v, t * stateDim);
    action.set(ep.actions[t]!, t * actionDim);
    for (const key of Object.keys(o)) {
      const cam = keySuffix(key, IMAGES_PREFIX);
      if (cam !== undefined) (images[cam] ??= []).push(o[key] as ImageFrame);
      else features[key]?.frames.push(o[key] as ImageFrame | Float32Array);
    }
  });
  return { qpos, qvel, action, stateDim, actionDim, length: T, images, instruction: ep.instruction, ...(Object.keys(features).length > 0 ? { features } : {}) };
}

/** The LeRobot writer's extra features: tactile videos, taxel vectors whose names keep the grid (r<row>c<col>). */
function lerobotFeatures(data: EpisodeData) {
  return lerobotFeatureOptions(Object.values(data.features ?? {}).map((f) => f.spec));
}

/**
 * Records scripted demonstrations in the simulator (ACT's record_sim_episodes: expert rollout,
 * joint-space replay with cameras) and writes them as ALOHA HDF5 (`episode_<i>.hdf5`) or a
 * LeRobot v3.0 dataset. Everything is written into `<out>.partial` and renamed to `out` at the
 * end, so a dataset folder is either complete or absent; a killed ALOHA HDF5 recording resumes
 * from `<out>.partial` when the same command runs again (see `claimPartial`).
 */
export async function recordDemonstrations(options: RecordDemonstrationsOptions): Promise<RecordSummary> {
  const task = simTask(options.task);
  const out = resolve(options.out);
  if (existsSync(out)) throw new Error(`record: ${out} already exists; choose another --out or remove it`);
  await mkdir(dirname(out), { recursive: true });
  const log = options.log ?? (() => {});
  const maxAttempts = options.maxAttempts ?? 2 * options.episodes + 5;
  const cameras: Record<string, readonly [number, number]> = Object.fromEntries(options.cameras.map((c) => [c.name, [c.height, c.width] as const]));
  // ALOHA HDF5 is one file per episode, each written atomically: a killed recording resumes where
  // it stopped and loses at most the episode in progress. A LeRobot dataset is written as a whole.
  const settings = JSON.stringify({ task: task.name, format: options.format, cameras: options.cameras, episodeLength: options.episodeLength ?? null, firstSeed: options.firstSeed ?? 0, onlySuccessful: options.onlySuccessful ?? true, randomize: options.randomize ?? true });
  const { partial, progress } = await claimPartial(out, settings, options.format === 'aloha-hdf5', log);
  const summary: RecordSummary = { dir: out, kept: progress?.kept ?? 0, attempted: progress?.attempted ?? 0, seeds: [...(progress?.seeds ?? [])], rewards: [...(progress?.rewards ?? [])] };
  let lerobot: LeRobotV3Writer | undefined;
  try {
    await mkdir(partial, { recursive: true });
    for (let seed = progress?.nextSeed ?? options.firstSeed ?? 0; summary.kept < options.episodes; seed++) {
      if (summary.attempted >= maxAttempts) {
        throw new Error(`record: only ${summary.kept} of ${options.episodes} scripted episodes of ${task.name} succeeded in ${summary.attempted} attempts`);
      }
      summary.attempted++;
      const ep = await recordScriptedEpisode({
        task: task.name as SimTaskName,
        seed,
        cameras: options.cameras,
        tactile: true,
        randomize: options.randomize ?? true,
        ...(options.episodeLength ? { episodeLength: options.episodeLength } : {}),
      });
      if (!ep.success && (options.onlySuccessful ?? true)) {
        log(`seed ${seed}: expert reached reward ${ep.maxReward}/${task.maxReward}, skipped`);
        continue;
      }
      const data = toEpisodeData(ep);
      if (options.format === 'aloha-hdf5') {
        await writeAlohaEpisode(join(partial, `episode_${summary.kept}.hdf5`), data, { sim: true, attributes: { task: task.name, seed, instruction: ep.instruction } });
      } else {
        // The sim robot's joint names (SimRobot.spec.joints): <side>_<joint> per arm, then <side>_gripper.
        const joints = taskArms(task.name as SimTaskName).flatMap((side) => [...ARM_JOINT_NAMES.map((j) => `${side}_${j}`), `${side}_gripper`]);
        lerobot ??= await LeRobotV3Writer.open(partial, { fps: 50, robotType: 'actfusion-sim', stateDim: data.stateDim, actionDim: data.actionDim, stateNames: joints, actionNames: joints, cameras, ...lerobotFeatures(data) });
        await lerobot.writeEpisode(data, ep.instruction);
      }
      summary.kept++;
      summary.seeds.push(seed);
      summary.rewards.push(ep.maxReward);
      await saveProgress(partial, { settings, pid: process.pid, nextSeed: seed + 1, kept: summary.kept, attempted: summary.attempted, seeds: summary.seeds, rewards: summary.rewards });
      log(`episode ${summary.kept}/${options.episodes} (seed ${seed}, ${data.length} steps${task.instructions.length > 1 ? `, "${ep.instruction}"` : ''})`);
    }
    await rm(join(partial, PROGRESS_FILE), { force: true });
    await rename(partial, out);
    return summary;
  } catch (err) {
    // A failure (not a kill): nothing to resume from unless episodes were kept in a resumable format.
    if (options.format !== 'aloha-hdf5' || summary.kept === 0) await rm(partial, { recursive: true, force: true });
    else if (err instanceof Error) err.message += ` (${summary.kept} episodes kept in ${partial}; the same command resumes)`;
    throw err;
  }
}
