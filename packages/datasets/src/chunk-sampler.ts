import {
  OBSERVATION_STATE,
  TASK,
  TIMESTAMP,
  withFeatures,
  type ChunkDataset,
  type DatasetStats,
  type FeatureSpec,
  type FeatureStats,
  type Observation,
  type ObservationSpec,
  type RandomSource,
  type TrainingSample,
} from '@actfusion/contracts';
import type { Episode, EpisodeCollection } from './episode.js';
import { FrameCache } from './frame-cache.js';
import { augmentImage, type ImageAugmentOptions } from './image-augment.js';
import { StreamingStats } from './streaming-stats.js';

export interface ChunkSamplerOptions {
  /** k, the number of future actions per sample (ACT: 100). */
  readonly chunkSize: number;
  /**
   * `episode` (ACT's EpisodicDataset: an episode uniformly, then a step uniformly in it) or
   * `frame` (LeRobot: a frame uniformly over all frames, so long episodes weigh more).
   */
  readonly sampling?: 'episode' | 'frame';
  /** Past the episode end: `zeros` (ACT) or `repeat-last` (LeRobot clamps the index). Both set isPad. */
  readonly padding?: 'zeros' | 'repeat-last';
  /**
   * Where the action chunk starts relative to the observed step: 0 (default, LeRobot and ACT sim),
   * -1 (ACT's real-robot "hack": max(0, t - 1)), or `act` (ACT's loader: -1 for episodes whose
   * `sim` attribute is false, 0 otherwise).
   */
  readonly actionOffset?: 0 | -1 | 'act';
  /**
   * Feature keys to load into each observation, in this order (default: every feature of the
   * collection). `observation.state` is always loaded.
   */
  readonly features?: readonly string[];
  /** Byte budget of the decoded-frame LRU cache (default 256 MiB). */
  readonly cacheBytes?: number;
  /** Augmentation of camera images (`image` features; tactile images are left as they are). */
  readonly augment?: ImageAugmentOptions;
  /** Frames per episode visited for image statistics (default 8, evenly spaced). */
  readonly imageStatsFramesPerEpisode?: number;
  /** Every n-th pixel (in both directions) enters the image statistics (default 4). */
  readonly imageStatsPixelStride?: number;
  /**
   * Indices into the collection of the episodes to draw from and compute statistics over (a
   * training split; default: all). `sample(episode, frame)` still reads any collection episode.
   */
  readonly episodes?: readonly number[];
}

/** Kinds whose values are decoded frames (read lazily through the cache), not in-memory vectors. */
const FRAME_KINDS = new Set(['image', 'tactile-image']);

/**
 * The Trainer's dataset: draws (observation at t, actions t..t+k-1, isPad) from a collection of
 * episodes. Observations carry the collection's features by key, whatever their modality:
 * in-memory vectors are sliced, frames are decoded on demand through a byte-bounded LRU cache
 * (so memory does not grow with the dataset), text comes from the episode's `task`.
 */
export class ChunkSampler implements ChunkDataset {
  readonly spec: ObservationSpec;
  readonly chunkSize: number;
  readonly cache: FrameCache;
  private readonly sampling: 'episode' | 'frame';
  private readonly padding: 'zeros' | 'repeat-last';
  private readonly actionOffset: 0 | -1 | 'act';
  private readonly features: readonly FeatureSpec[];
  /** Collection indices of the episodes drawn from (the `episodes` option, or all). */
  readonly episodeIndices: readonly number[];
  /** Cumulative frame counts over `episodeIndices`, for uniform-frame sampling. */
  private readonly cumulative: Float64Array;
  private cachedStats: Promise<DatasetStats> | undefined;

  constructor(
    readonly collection: EpisodeCollection,
    private readonly options: ChunkSamplerOptions,
  ) {
    if (!Number.isInteger(options.chunkSize) || options.chunkSize < 1) {
      throw new RangeError(`ChunkSampler: chunkSize must be a positive integer, got ${options.chunkSize}`);
    }
    if (collection.episodes.length === 0) throw new RangeError(`ChunkSampler: ${collection.root} has no episodes`);
    this.chunkSize = options.chunkSize;
    this.sampling = options.sampling ?? 'episode';
    this.padding = options.padding ?? 'zeros';
    this.actionOffset = options.actionOffset ?? 0;
    const byKey = new Map(collection.features.map((f) => [f.key, f]));
    const keys = options.features ?? collection.features.map((f) => f.key);
    const chosen = keys.map((key) => {
      const f = byKey.get(key);
      if (!f) throw new RangeError(`ChunkSampler: feature '${key}' is not in ${collection.root} (have ${[...byKey.keys()].join(', ')})`);
      return f;
    });
    const state = byKey.get(OBSERVATION_STATE);
    if (state && !keys.includes(OBSERVATION_STATE)) chosen.unshift(state);
    this.features = chosen;
    for (const f of chosen) {
      if (FRAME_KINDS.has(f.kind) || f.kind === 'text') continue;
      const missing = collection.episodes.find((ep) => !ep.vectors[f.key]);
      if (missing) throw new RangeError(`ChunkSampler: episode ${missing.index} of ${collection.root} has no values of feature '${f.key}'`);
    }
    this.spec = withFeatures({ stateDim: collection.stateDim, actionDim: collection.actionDim, features: [] }, chosen);
    this.cache = new FrameCache(options.cacheBytes ?? 256 * 1024 * 1024);
    const n = collection.episodes.length;
    this.episodeIndices = options.episodes === undefined ? Array.from({ length: n }, (_, i) => i) : [...options.episodes];
    if (this.episodeIndices.length === 0) throw new RangeError(`ChunkSampler: option 'episodes' is empty (${collection.root} has ${n} episodes)`);
    for (const e of this.episodeIndices) {
      if (!Number.isInteger(e) || e < 0 || e >= n) throw new RangeError(`ChunkSampler: option 'episodes' holds ${e}, expected an integer in [0, ${n}) (${collection.root})`);
    }
    this.cumulative = new Float64Array(this.episodeIndices.length + 1);
    this.episodeIndices.forEach((e, i) => (this.cumulative[i + 1] = this.cumulative[i]! + collection.episodes[e]!.length));
  }

  /** Episodes drawn from (the `episodes` option's count, or the whole collection). */
  get episodeCount(): number {
    return this.episodeIndices.length;
  }

  /** Frames of the episodes drawn from. */
  get frameCount(): number {
    return this.cumulative[this.cumulative.length - 1]!;
  }

  /** Pick (episode, step) the way the configured sampling does. */
  draw(rng: RandomSource): { episode: number; frame: number } {
    const eps = this.collection.episodes;
    const ids = this.episodeIndices;
    if (this.sampling === 'episode') {
      const e = ids[rng.int(ids.length)]!;
      return { episode: e, frame: rng.int(eps[e]!.length) };
    }
    const g = rng.int(this.frameCount);
    let lo = 0;
    let hi = ids.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid + 1]! <= g) lo = mid + 1;
      else hi = mid;
    }
    return { episode: ids[lo]!, frame: g - this.cumulative[lo]! };
  }

  async sampleBatch(batchSize: number, rng: RandomSource): Promise<TrainingSample[]> {
    // Draw every index (and augmentation seed) first, so the rng stream does not depend on I/O order.
    const picks = Array.from({ length: batchSize }, () => ({ ...this.draw(rng), augmentRng: this.options.augment ? rng.fork() : undefined }));
    return Promise.all(picks.map((p) => this.sample(p.episode, p.frame, p.augmentRng)));
  }

  /** The training sample at (episode, frame), without augmentation unless an rng is given. */
  async sample(episodeIndex: number, frameIndex: number, augmentRng?: RandomSource): Promise<TrainingSample> {
    const ep = this.collection.episodes[episodeIndex];
    if (!ep) throw new RangeError(`episode ${episodeIndex} outside [0, ${this.collection.episodes.length})`);
    if (frameIndex < 0 || frameIndex >= ep.length) throw new RangeError(`frame ${frameIndex} outside [0, ${ep.length}) of episode ${episodeIndex}`);
    const { action, isPad } = this.actionChunk(ep, frameIndex);
    return { observation: await this.observation(ep, episodeIndex, frameIndex, augmentRng), action, isPad, episodeIndex, frameIndex };
  }

  /** Every chosen feature of frame `frameIndex`, by key, plus `timestamp`. */
  private async observation(ep: Episode, episodeIndex: number, frameIndex: number, augmentRng?: RandomSource): Promise<Observation> {
    const obs: Record<string, unknown> = {};
    for (const f of this.features) {
      if (FRAME_KINDS.has(f.kind)) {
        let frame = await this.cache.getOrLoad(`${episodeIndex}/${f.key}/${frameIndex}`, () => ep.readFrame(f.key, frameIndex));
        if (augmentRng && this.options.augment && f.kind === 'image') frame = augmentImage(frame, augmentRng, this.options.augment);
        obs[f.key] = frame;
      } else if (f.key === TASK || f.kind === 'text') {
        if (ep.task === undefined) throw new RangeError(`ChunkSampler: episode ${episodeIndex} of ${this.collection.root} has no instruction for feature '${f.key}'`);
        obs[f.key] = ep.task;
      } else {
        const n = f.shape.reduce((a, b) => a * b, 1);
        obs[f.key] = ep.vectors[f.key]!.slice(frameIndex * n, (frameIndex + 1) * n);
      }
    }
    obs[TIMESTAMP] = frameIndex / this.collection.fps;
    return obs as Observation;
  }

  /** Actions start..start+k-1 with isPad past the end (zeros or the last action repeated). */
  actionChunk(ep: Episode, frameIndex: number): { action: Float32Array; isPad: Uint8Array } {
    const k = this.chunkSize;
    const A = ep.actionDim;
    const offset = this.actionOffset === 'act' ? (ep.sim === false ? -1 : 0) : this.actionOffset;
    const start = Math.max(0, frameIndex + offset);
    const action = new Float32Array(k * A);
    const isPad = new Uint8Array(k);
    for (let i = 0; i < k; i++) {
      const t = start + i;
      if (t < ep.length) {
        action.set(ep.action.subarray(t * A, (t + 1) * A), i * A);
      } else {
        isPad[i] = 1;
        if (this.padding === 'repeat-last') action.set(ep.action.subarray((ep.length - 1) * A, ep.length * A), i * A);
      }
    }
    return { action, isPad };
  }

  /** Statistics by feature key: every vector feature and the action over all frames, images per channel. */
  stats(): Promise<DatasetStats> {
    this.cachedStats ??= this.computeStats();
    return this.cachedStats;
  }

  private async computeStats(): Promise<DatasetStats> {
    const out: Record<string, FeatureStats> = {};
    const action = new StreamingStats(this.collection.actionDim);
    for (const ep of this.splitEpisodes()) action.addRows(ep.action, ep.length);
    for (const f of this.features) {
      if (f.kind === 'text') continue;
      out[f.key] = FRAME_KINDS.has(f.kind) ? await this.imageStats(f.key) : this.vectorStats(f);
    }
    if (!out[OBSERVATION_STATE]) out[OBSERVATION_STATE] = new StreamingStats(0).result();
    return { ...out, [OBSERVATION_STATE]: out[OBSERVATION_STATE]!, action: action.result() };
  }

  /** The episodes drawn from (statistics are over them only). */
  private splitEpisodes(): Episode[] {
    return this.episodeIndices.map((e) => this.collection.episodes[e]!);
  }

  private vectorStats(f: FeatureSpec): FeatureStats {
    const n = f.shape.reduce((a, b) => a * b, 1);
    const st = new StreamingStats(n);
    for (const ep of this.splitEpisodes()) st.addRows(ep.vectors[f.key]!, ep.length);
    return st.result();
  }

  private async imageStats(key: string): Promise<FeatureStats> {
    const perEpisode = this.options.imageStatsFramesPerEpisode ?? 8;
    const stride = this.options.imageStatsPixelStride ?? 4;
    const st = new StreamingStats(3, 256);
    const px = new Float32Array(3);
    for (const ep of this.splitEpisodes()) {
      const n = Math.min(perEpisode, ep.length);
      for (let i = 0; i < n; i++) {
        const t = Math.floor(((i + 0.5) * ep.length) / n);
        const f = await ep.readFrame(key, t);
        for (let y = 0; y < f.height; y += stride) {
          for (let x = 0; x < f.width; x += stride) {
            const o = (y * f.width + x) * 3;
            px[0] = f.data[o]! / 255;
            px[1] = f.data[o + 1]! / 255;
            px[2] = f.data[o + 2]! / 255;
            st.add(px);
          }
        }
      }
    }
    return st.result();
  }
}
