import type { ChunkDataset, DatasetStats, FeatureStats, TrainingSample } from '@actfusion/contracts';
import { OBSERVATION_STATE, imageKey, observationSpec, type ImageFrame, type ImageKey, type ObservationSpec } from '@actfusion/contracts';
import { Rng } from '../random/rng.js';

/** ACT samples an episode, then a step in it; LeRobot samples a frame uniformly over the dataset. */
export type ChunkSampling = 'episode' | 'frame';
/** ACT pads past the end with zeros; LeRobot repeats the episode's last action. */
export type ChunkPadding = 'zeros' | 'repeat-last';

export interface SyntheticChunkDatasetOptions {
  readonly episodes?: number;
  /** Episode lengths are drawn uniformly in [minLength, maxLength]. */
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly chunkSize?: number;
  /** Joints (stateDim = actionDim). Must be >= 2: joints 0 and 1 follow the blob's x and y. */
  readonly joints?: number;
  readonly imageHeight?: number;
  readonly imageWidth?: number;
  /** Camera name. Default `top`. */
  readonly camera?: string;
  /** Side of the square blob in pixels. */
  readonly blobSize?: number;
  /** Largest per-step velocity the blob position sets. */
  readonly maxVelocity?: number;
  readonly sampling?: ChunkSampling;
  readonly padding?: ChunkPadding;
  readonly seed?: number;
}

interface Episode {
  readonly image: ImageFrame;
  /** [T * J] */
  readonly qpos: Float32Array;
  /** [T * J] */
  readonly action: Float32Array;
  readonly length: number;
}

/**
 * An in-memory episodic dataset whose actions depend on both the image and the state.
 * Each episode shows one red blob at a random place on a dark background (one camera).
 * The blob's position (x, y in [-1, 1]) sets a constant velocity `v` for joints 0 and 1
 * (further joints get v = 0); qpos starts at a random point in [-1, 1] and
 * `action_t = qpos_t + v`, `qpos_{t+1} = action_t`. The target chunk at step t is
 * therefore `qpos_t + (j + 1) v`, j = 0..k-1: the state gives the offset, the image the slope.
 */
export class SyntheticChunkDataset implements ChunkDataset {
  readonly spec: ObservationSpec;
  /** The one camera's feature key. */
  readonly imageKey: ImageKey;
  readonly chunkSize: number;
  readonly episodeCount: number;
  readonly frameCount: number;
  readonly sampling: ChunkSampling;
  readonly padding: ChunkPadding;
  private readonly episodes: Episode[] = [];
  /** Cumulative frame counts, for frame-uniform sampling. */
  private readonly starts: number[] = [];
  private cachedStats: DatasetStats | null = null;

  constructor(options: SyntheticChunkDatasetOptions = {}) {
    const o = {
      episodes: 8,
      minLength: 30,
      maxLength: 50,
      chunkSize: 10,
      joints: 2,
      imageHeight: 16,
      imageWidth: 16,
      camera: 'top',
      blobSize: 3,
      maxVelocity: 0.05,
      sampling: 'episode' as ChunkSampling,
      padding: 'zeros' as ChunkPadding,
      seed: 0,
      ...options,
    };
    if (!(o.joints >= 2)) throw new Error(`SyntheticChunkDataset: option 'joints' must be >= 2, got ${o.joints}`);
    if (!(o.episodes >= 1 && o.minLength >= 1 && o.maxLength >= o.minLength)) {
      throw new Error(`SyntheticChunkDataset: need episodes >= 1 and 1 <= minLength <= maxLength, got ${o.episodes}, ${o.minLength}, ${o.maxLength}`);
    }
    if (!(o.blobSize >= 1 && o.blobSize <= Math.min(o.imageHeight, o.imageWidth))) {
      throw new Error(`SyntheticChunkDataset: option 'blobSize' must fit the ${o.imageHeight}x${o.imageWidth} image, got ${o.blobSize}`);
    }
    this.chunkSize = o.chunkSize;
    this.sampling = o.sampling;
    this.padding = o.padding;
    this.spec = observationSpec({ stateDim: o.joints, actionDim: o.joints, cameras: { [o.camera]: [o.imageHeight, o.imageWidth] } });
    this.imageKey = imageKey(o.camera);
    const rng = new Rng(o.seed);
    let total = 0;
    for (let e = 0; e < o.episodes; e++) {
      const length = o.minLength + rng.int(o.maxLength - o.minLength + 1);
      const bx = rng.int(o.imageWidth - o.blobSize + 1);
      const by = rng.int(o.imageHeight - o.blobSize + 1);
      const image = drawBlob(o.imageHeight, o.imageWidth, bx, by, o.blobSize);
      const v = new Float32Array(o.joints);
      v[0] = o.maxVelocity * (o.imageWidth === o.blobSize ? 0 : (2 * bx) / (o.imageWidth - o.blobSize) - 1);
      v[1] = o.maxVelocity * (o.imageHeight === o.blobSize ? 0 : (2 * by) / (o.imageHeight - o.blobSize) - 1);
      const qpos = new Float32Array(length * o.joints);
      const action = new Float32Array(length * o.joints);
      for (let j = 0; j < o.joints; j++) qpos[j] = rng.uniform(-1, 1);
      for (let t = 0; t < length; t++) {
        for (let j = 0; j < o.joints; j++) {
          const a = qpos[t * o.joints + j]! + v[j]!;
          action[t * o.joints + j] = a;
          if (t + 1 < length) qpos[(t + 1) * o.joints + j] = a;
        }
      }
      this.episodes.push({ image, qpos, action, length });
      this.starts.push(total);
      total += length;
    }
    this.episodeCount = o.episodes;
    this.frameCount = total;
  }

  /** The sample at (episode, frame): observation at that frame and the next chunkSize actions. */
  sampleAt(episodeIndex: number, frameIndex: number): TrainingSample {
    const ep = this.episodes[episodeIndex];
    if (!ep) throw new RangeError(`SyntheticChunkDataset: episode ${episodeIndex} out of range [0, ${this.episodeCount})`);
    if (!(frameIndex >= 0 && frameIndex < ep.length)) {
      throw new RangeError(`SyntheticChunkDataset: frame ${frameIndex} out of range [0, ${ep.length}) of episode ${episodeIndex}`);
    }
    const jd = this.spec.actionDim;
    const k = this.chunkSize;
    const action = new Float32Array(k * jd);
    const isPad = new Uint8Array(k);
    for (let i = 0; i < k; i++) {
      const t = frameIndex + i;
      if (t >= ep.length) {
        isPad[i] = 1;
        if (this.padding === 'zeros') continue;
      }
      const src = Math.min(t, ep.length - 1);
      action.set(ep.action.subarray(src * jd, (src + 1) * jd), i * jd);
    }
    return {
      observation: {
        [OBSERVATION_STATE]: ep.qpos.slice(frameIndex * jd, (frameIndex + 1) * jd),
        [this.imageKey]: ep.image,
      },
      action,
      isPad,
      episodeIndex,
      frameIndex,
    };
  }

  async sampleBatch(batchSize: number, rng: Rng): Promise<TrainingSample[]> {
    const out: TrainingSample[] = [];
    for (let b = 0; b < batchSize; b++) {
      if (this.sampling === 'episode') {
        const e = rng.int(this.episodeCount);
        out.push(this.sampleAt(e, rng.int(this.episodes[e]!.length)));
      } else {
        const g = rng.int(this.frameCount);
        let e = this.starts.length - 1;
        while (this.starts[e]! > g) e--;
        out.push(this.sampleAt(e, g - this.starts[e]!));
      }
    }
    return out;
  }

  async stats(): Promise<DatasetStats> {
    if (!this.cachedStats) {
      const jd = this.spec.actionDim;
      const pixels = this.episodes.flatMap((ep) => Array.from({ length: ep.length }, () => ep.image.data));
      this.cachedStats = {
        [OBSERVATION_STATE]: featureStats(this.episodes.map((e) => e.qpos), jd),
        action: featureStats(this.episodes.map((e) => e.action), jd),
        [this.imageKey]: imageStats(pixels),
      };
    }
    return this.cachedStats;
  }
}

function drawBlob(h: number, w: number, bx: number, by: number, size: number): ImageFrame {
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) data.set([20, 20, 40], i * 3);
  for (let y = by; y < by + size; y++) for (let x = bx; x < bx + size; x++) data.set([230, 30, 30], (y * w + x) * 3);
  return { height: h, width: w, data };
}

/** Per-dimension mean, population std, min, max over all rows of all arrays. */
export function featureStats(arrays: readonly Float32Array[], dim: number): FeatureStats {
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  const min = new Float32Array(dim).fill(Infinity);
  const max = new Float32Array(dim).fill(-Infinity);
  let n = 0;
  for (const a of arrays) {
    for (let r = 0; r < a.length / dim; r++) {
      for (let i = 0; i < dim; i++) {
        const v = a[r * dim + i]!;
        sum[i] += v;
        sq[i] += v * v;
        if (v < min[i]!) min[i] = v;
        if (v > max[i]!) max[i] = v;
      }
      n++;
    }
  }
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const m = sum[i]! / n;
    mean[i] = m;
    std[i] = Math.sqrt(Math.max(sq[i]! / n - m * m, 0));
  }
  return { mean, std, min, max, count: n };
}

function imageStats(frames: readonly Uint8Array[]): FeatureStats {
  const scaled = frames.map((f) => Float32Array.from(f, (v) => v / 255));
  return featureStats(scaled, 3);
}
