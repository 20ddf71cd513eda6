import type { ImageFrame } from '@actfusion/contracts';
import { LeRobotDataset } from '@actfusion/datasets';
import { LazyAlohaEpisodes } from './aloha-episodes.js';
import { collectionSource, type EpisodeSource } from './episode-source.js';
import { taxelSeries, type TactileSeries } from './taxel-series.js';
import type { DatasetFormatName } from './view-target.js';

export interface DatasetSummary {
  readonly root: string;
  readonly format: DatasetFormatName;
  readonly fps: number;
  readonly stateDim: number;
  readonly actionDim: number;
  /** Camera name -> [height, width]. */
  readonly cameras: Readonly<Record<string, readonly [number, number]>>;
  /** Taxel feature key (`observation.taxels.<sensor>`) -> [rows, cols]. */
  readonly tactile: Readonly<Record<string, readonly [number, number]>>;
  /** Tactile image feature key (`observation.tactile.<sensor>`) -> [height, width]. */
  readonly tactileImages: Readonly<Record<string, readonly [number, number]>>;
  /** length and instruction are null for ALOHA episodes not opened yet (files open on first request). */
  readonly episodes: readonly { readonly index: number; readonly length: number | null; readonly instruction: string | null }[];
}

/** One episode's low-dimensional data, column-major (one array per dimension) for plotting. */
export interface EpisodeSeries {
  readonly index: number;
  readonly length: number;
  readonly instruction: string | null;
  readonly fps: number;
  readonly cameras: readonly string[];
  readonly state: readonly number[][];
  readonly action: readonly number[][];
  readonly velocity?: readonly number[][];
}

/**
 * A dataset opened read-only through @actfusion/datasets' readers. Opening reads metadata and the
 * low-dimensional arrays only (ALOHA: of episode 0; the other files open when first requested);
 * camera frames are decoded one per request.
 */
export class DatasetView {
  private constructor(
    readonly format: DatasetFormatName,
    private readonly collection: EpisodeSource,
  ) {}

  static async open(root: string, format: DatasetFormatName): Promise<DatasetView> {
    if (format === 'aloha-hdf5') return new DatasetView(format, await LazyAlohaEpisodes.open(root));
    return new DatasetView(format, collectionSource(await LeRobotDataset.open(root, { decodeWindow: 8 })));
  }

  summary(): DatasetSummary {
    const c = this.collection;
    return {
      root: c.root,
      format: this.format,
      fps: c.fps,
      stateDim: c.stateDim,
      actionDim: c.actionDim,
      cameras: c.cameras,
      tactile: Object.fromEntries(c.features.filter((f) => f.kind === 'taxels').map((f) => [f.key, [f.shape.length >= 2 ? f.shape[0]! : 1, f.shape.length >= 2 ? f.shape[1]! : f.shape[0]!] as const])),
      tactileImages: Object.fromEntries(c.features.filter((f) => f.kind === 'tactile-image').map((f) => [f.key, [f.shape[0]!, f.shape[1]!] as const])),
      episodes: Array.from({ length: c.count }, (_, i) => {
        const e = c.known(i);
        return { index: e?.index ?? i, length: e?.length ?? null, instruction: e?.instruction ?? null };
      }),
    };
  }

  async series(i: number): Promise<EpisodeSeries> {
    const ep = await this.collection.episode(i);
    return {
      index: ep.index,
      length: ep.length,
      instruction: ep.instruction ?? null,
      fps: this.collection.fps,
      cameras: ep.cameras.filter((c) => c in this.collection.cameras),
      state: columns(ep.qpos, ep.length, ep.stateDim),
      action: columns(ep.action, ep.length, ep.actionDim),
      ...(ep.qvel ? { velocity: columns(ep.qvel, ep.length, ep.stateDim) } : {}),
    };
  }

  /** Frame `t` of a camera (by name) or of a tactile image feature (by key `observation.tactile.<sensor>`). */
  async frame(i: number, camera: string, t: number): Promise<ImageFrame> {
    const ep = await this.collection.episode(i);
    if (camera in this.collection.cameras) return ep.readImage(camera, t);
    if (this.collection.features.some((f) => f.kind === 'tactile-image' && f.key === camera)) return ep.readFrame(camera, t);
    const have = [...Object.keys(this.collection.cameras), ...this.collection.features.filter((f) => f.kind === 'tactile-image').map((f) => f.key)];
    throw new RangeError(`no camera "${camera}" (have ${have.join(', ') || 'none'})`);
  }

  /** A taxel feature (`observation.taxels.<sensor>`) over episode `i`, from the reader's in-memory vectors. */
  async tactileSeries(i: number, key: string): Promise<TactileSeries> {
    const spec = this.collection.features.find((f) => f.kind === 'taxels' && f.key === key);
    const ep = await this.collection.episode(i);
    const data = ep.vectors[key];
    if (!spec || !data) throw new RangeError(`no taxel feature "${key}" (have ${this.collection.features.filter((f) => f.kind === 'taxels').map((f) => f.key).join(', ') || 'none'})`);
    return taxelSeries(key, spec.shape, data, ep.length);
  }

  close(): Promise<void> {
    return this.collection.close();
  }
}

/** [T * dim] row-major -> dim arrays of T numbers. */
export function columns(data: Float32Array, length: number, dim: number): number[][] {
  return Array.from({ length: dim }, (_, d) => Array.from({ length }, (_, t) => data[t * dim + d]!));
}
