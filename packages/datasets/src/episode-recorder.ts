import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  OBSERVATION_STATE,
  OBSERVATION_VELOCITY,
  floatFeature,
  imageFeature,
  imageKey,
  tactileKey,
  taxelsKey,
  type Action,
  type ImageFrame,
  type Observation,
} from '@actfusion/contracts';
import type { Robot } from '@actfusion/contracts';
import { AlohaEpisodeWriter } from './aloha-hdf5-writer.js';
import type { LeRobotEpisodeWriter } from './lerobot-episode-writer.js';
import { LeRobotV3Writer } from './lerobot-v3-writer.js';
import { taxelNames } from './taxel-names.js';
import type { VideoCodec } from './video-codec.js';

/** What is stored with every recorded episode. */
export interface EpisodeMetadata {
  readonly robot: string;
  readonly controlHz: number;
  readonly jointNames: readonly string[];
  readonly stateDim: number;
  readonly actionDim: number;
  /** Camera name -> [height, width], in the robot's order. */
  readonly cameras: Readonly<Record<string, readonly [number, number]>>;
  readonly instruction?: string;
  readonly hasQvel: boolean;
  /** Tactile sensor -> its taxel grid and, when the sensor renders one, its tactile image size. */
  readonly tactile?: Readonly<Record<string, { readonly rows: number; readonly cols: number; readonly image?: readonly [number, number] }>>;
}

/** One episode being written by a sink; nothing is visible at the final path before `finish`. */
export interface EpisodeSinkWriter {
  append(observation: Observation, action: Action): Promise<void>;
  /** Make the episode durable; returns where it is (file or dataset folder + index). */
  finish(): Promise<string>;
  /** Drop the episode; earlier episodes are untouched. */
  abort(): Promise<void>;
}

export interface RecordingSink {
  begin(meta: EpisodeMetadata): Promise<EpisodeSinkWriter>;
}

/** Records into a folder of ACT episodes `episode_<i>.hdf5` (i = next free index). */
export class AlohaHdf5Sink implements RecordingSink {
  readonly dir: string;
  constructor(dir: string, private readonly options: { sim: boolean }) {
    this.dir = resolve(dir);
  }

  async begin(meta: EpisodeMetadata): Promise<EpisodeSinkWriter> {
    const existing = await readdir(this.dir).catch(() => [] as string[]);
    let index = 0;
    while (existing.includes(`episode_${index}.hdf5`)) index++;
    const attributes: Record<string, string | number> = {
      control_hz: meta.controlHz,
      robot: meta.robot,
      camera_names: JSON.stringify(Object.keys(meta.cameras)),
      joint_names: JSON.stringify(meta.jointNames),
    };
    const tactile = Object.entries(meta.tactile ?? {});
    const w = await AlohaEpisodeWriter.create(join(this.dir, `episode_${index}.hdf5`), {
      stateDim: meta.stateDim,
      actionDim: meta.actionDim,
      cameras: meta.cameras,
      sim: this.options.sim,
      withQvel: meta.hasQvel,
      attributes,
      ...(meta.instruction !== undefined ? { instruction: meta.instruction } : {}),
      taxels: Object.fromEntries(tactile.map(([s, t]) => [s, [t.rows, t.cols] as const])),
      tactile: Object.fromEntries(tactile.filter(([, t]) => t.image).map(([s, t]) => [s, t.image!])),
    });
    return {
      append: async (obs, action) => {
        const { taxels, images } = pickTactile(obs, meta);
        w.append({ qpos: obs[OBSERVATION_STATE], ...(meta.hasQvel ? { qvel: obs[OBSERVATION_VELOCITY]! } : {}), action, images: pickImages(obs, meta), taxels, tactile: images });
      },
      finish: () => w.finish(),
      abort: () => w.abort(),
    };
  }
}

/** Records into a LeRobotDataset v3.0 folder (appending to it when it exists). */
export class LeRobotV3Sink implements RecordingSink {
  private writer: LeRobotV3Writer | undefined;
  constructor(readonly root: string, private readonly options: { codec?: VideoCodec } = {}) {}

  async begin(meta: EpisodeMetadata): Promise<EpisodeSinkWriter> {
    const tactile = Object.entries(meta.tactile ?? {});
    this.writer ??= await LeRobotV3Writer.open(this.root, {
      fps: meta.controlHz,
      robotType: meta.robot,
      stateDim: meta.stateDim,
      actionDim: meta.actionDim,
      stateNames: meta.jointNames,
      actionNames: meta.jointNames,
      cameras: meta.cameras,
      vectors: Object.fromEntries(tactile.map(([s, t]) => [taxelsKey(s), { dim: t.rows * t.cols, names: taxelNames(t.rows, t.cols) }])),
      videos: Object.fromEntries(tactile.filter(([, t]) => t.image).map(([s, t]) => [tactileKey(s), t.image!])),
      ...(this.options.codec ? { codec: this.options.codec } : {}),
    });
    const ep: LeRobotEpisodeWriter = this.writer.beginEpisode(meta.instruction ?? '');
    return {
      append: (obs, action) => {
        const { taxels, images } = pickTactile(obs, meta);
        const features: Record<string, Float32Array | ImageFrame> = {};
        for (const [s, v] of Object.entries(taxels)) features[taxelsKey(s)] = v;
        for (const [s, f] of Object.entries(images)) features[tactileKey(s)] = f;
        return ep.append({ qpos: obs[OBSERVATION_STATE], action, images: pickImages(obs, meta), features });
      },
      finish: async () => `${this.writer!.root}#episode_${await ep.finish()}`,
      abort: () => ep.abort(),
    };
  }
}

/** A policy, scripted expert or teleoperation: the action to take after `observation`. */
export type Controller = (observation: Observation, step: number) => Action | Promise<Action>;

export interface RecordOptions {
  readonly controller: Controller;
  /** Maximum number of control steps (ALOHA sim: 400). */
  readonly steps: number;
  readonly instruction?: string;
  /** Stop early when this returns true (checked after each step). */
  readonly shouldStop?: (observation: Observation, step: number) => boolean;
}

export interface RecordedEpisode {
  readonly location: string;
  readonly steps: number;
  /** Achieved control rate (steps / wall time). */
  readonly meanHz: number;
}

export interface EpisodeRecorderOptions {
  /** Keep to the robot's control rate by sleeping out each tick (default true). */
  readonly realtime?: boolean;
  /** Clock in milliseconds (default performance.now). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Records a connected `Robot` driven by a controller at the robot's rate: observe, decide, act,
 * store (observation t with action t, ACT's alignment). Each episode is written through its
 * sink's temporary file and only appears at its final name once complete.
 */
export class EpisodeRecorder {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly robot: Robot,
    readonly sink: RecordingSink,
    private readonly options: EpisodeRecorderOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  metadata(first: Observation, instruction?: string): EpisodeMetadata {
    const spec = this.robot.spec;
    const cameras: Record<string, readonly [number, number]> = {};
    for (const c of spec.cameras) cameras[c.name] = [c.height, c.width];
    const tactile: Record<string, { rows: number; cols: number; image?: readonly [number, number] }> = {};
    for (const t of spec.tactile ?? []) {
      if (!(first[taxelsKey(t.name)] instanceof Float32Array)) continue; // the robot was built without tactile output
      const image = first[tactileKey(t.name)] as ImageFrame | undefined;
      tactile[t.name] = { rows: t.rows, cols: t.cols, ...(image ? { image: [image.height, image.width] as const } : {}) };
    }
    return {
      robot: spec.name,
      controlHz: spec.controlHz,
      jointNames: spec.joints.map((j) => j.name),
      stateDim: first[OBSERVATION_STATE].length,
      actionDim: spec.joints.length,
      cameras,
      hasQvel: first[OBSERVATION_VELOCITY] !== undefined,
      ...(Object.keys(tactile).length > 0 ? { tactile } : {}),
      ...(instruction !== undefined ? { instruction } : {}),
    };
  }

  async record(opts: RecordOptions): Promise<RecordedEpisode> {
    const period = 1000 / this.robot.spec.controlHz;
    const realtime = this.options.realtime ?? true;
    const start = this.now();
    let obs = await this.robot.observe();
    const writer = await this.sink.begin(this.metadata(obs, opts.instruction ?? obs.task));
    let steps = 0;
    try {
      for (let t = 0; t < opts.steps; t++) {
        if (t > 0) obs = await this.robot.observe();
        const action = await opts.controller(obs, t);
        await this.robot.act(action);
        await writer.append(obs, action);
        steps = t + 1;
        if (opts.shouldStop?.(obs, t)) break;
        if (realtime) {
          const wait = start + (t + 1) * period - this.now();
          if (wait > 0) await this.sleep(wait);
        }
      }
      const location = await writer.finish();
      const seconds = (this.now() - start) / 1000;
      return { location, steps, meanHz: seconds > 0 ? steps / seconds : Infinity };
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }
}

function pickImages(obs: Observation, meta: EpisodeMetadata): Record<string, ImageFrame> {
  const out: Record<string, ImageFrame> = {};
  for (const [cam, [h, w]] of Object.entries(meta.cameras)) out[cam] = imageFeature(obs, imageKey(cam), h, w, `recording ${meta.robot}`);
  return out;
}

/** Taxel arrays and tactile images of the sensors in `meta.tactile`. */
function pickTactile(obs: Observation, meta: EpisodeMetadata): { taxels: Record<string, Float32Array>; images: Record<string, ImageFrame> } {
  const taxels: Record<string, Float32Array> = {};
  const images: Record<string, ImageFrame> = {};
  for (const [sensor, spec] of Object.entries(meta.tactile ?? {})) {
    taxels[sensor] = floatFeature(obs, taxelsKey(sensor), spec.rows * spec.cols, `recording ${meta.robot}`);
    if (spec.image) images[sensor] = imageFeature(obs, tactileKey(sensor), spec.image[0], spec.image[1], `recording ${meta.robot}`);
  }
  return { taxels, images };
}

