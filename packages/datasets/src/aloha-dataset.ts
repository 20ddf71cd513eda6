import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AlohaHdf5Episode } from './aloha-hdf5-episode.js';
import { DatasetFormatError } from './dataset-error.js';
import type { EpisodeCollection } from './episode.js';
import { TASK, type FeatureSpec } from '@actfusion/contracts';

export interface AlohaDatasetOptions {
  /** Frames per second when the files do not say (ALOHA: 50). */
  readonly fps?: number;
  /** Cameras to use, in this order (ACT's `camera_names`); default: all, in file order. */
  readonly cameras?: readonly string[];
}

/** A folder of ACT/ALOHA episodes `episode_<i>.hdf5`, i = 0..N-1 with no gaps (as ACT's loader expects). */
export class AlohaDataset implements EpisodeCollection {
  private constructor(
    readonly root: string,
    readonly fps: number,
    readonly stateDim: number,
    readonly actionDim: number,
    readonly cameras: Readonly<Record<string, readonly [number, number]>>,
    readonly episodes: readonly AlohaHdf5Episode[],
  ) {}

  /** The first episode's features (the files of a dataset share their layout); `task` only when every episode has one. */
  get features(): readonly FeatureSpec[] {
    const first = this.episodes[0]?.features ?? [];
    const allTasks = this.episodes.every((e) => e.task !== undefined);
    return first.filter((f) => f.key !== TASK || allTasks);
  }

  static async open(root: string, options: AlohaDatasetOptions = {}): Promise<AlohaDataset> {
    const dir = resolve(root);
    const names = (await readdir(dir)).filter((n) => /^episode_\d+\.hdf5$/.test(n));
    const indices = names.map((n) => Number(/\d+/.exec(n)![0])).sort((a, b) => a - b);
    if (indices.length === 0) throw new DatasetFormatError(dir, 'episode_<i>.hdf5', 'no episode files found');
    indices.forEach((i, k) => {
      if (i !== k) throw new DatasetFormatError(dir, `episode_${k}.hdf5`, `missing (episodes must be numbered 0..${indices.length - 1} without gaps, found episode_${i}.hdf5)`);
    });
    const episodes: AlohaHdf5Episode[] = [];
    try {
      for (const i of indices) episodes.push(await AlohaHdf5Episode.open(join(dir, `episode_${i}.hdf5`), i));
      const first = episodes[0]!;
      const camNames = options.cameras ?? first.cameras;
      const cameras: Record<string, readonly [number, number]> = {};
      for (const cam of camNames) cameras[cam] = first.cameraShape(cam);
      for (const ep of episodes) {
        if (ep.stateDim !== first.stateDim || ep.actionDim !== first.actionDim) {
          throw new DatasetFormatError(ep.file, '/observations/qpos', `has ${ep.stateDim} state / ${ep.actionDim} action dims but ${first.file} has ${first.stateDim} / ${first.actionDim}`);
        }
        for (const cam of camNames) {
          const [h, w] = ep.cameraShape(cam);
          if (h !== cameras[cam]![0] || w !== cameras[cam]![1]) {
            throw new DatasetFormatError(ep.file, `/observations/images/${cam}`, `is ${h}x${w} but ${first.file} has ${cameras[cam]!.join('x')}`);
          }
        }
      }
      const fpsAttr = first.attributes['control_hz'] ?? first.attributes['fps'];
      const fps = options.fps ?? (typeof fpsAttr === 'number' ? fpsAttr : 50);
      return new AlohaDataset(dir, fps, first.stateDim, first.actionDim, cameras, episodes);
    } catch (err) {
      for (const ep of episodes) ep.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const ep of this.episodes) ep.close();
  }
}
