import { join } from 'node:path';
import { TACTILE_PREFIX, type FeatureSpec, type ImageFrame } from '@actfusion/contracts';
import { DatasetFormatError } from './dataset-error.js';
import type { Episode } from './episode.js';
import type { LeRobotDataset } from './lerobot-dataset.js';

export interface VideoRef {
  readonly key: string;
  readonly file: string;
  readonly fromTimestamp: number;
  readonly height: number;
  readonly width: number;
}

/** One episode of a LeRobot dataset; frames come from the camera videos, decoded lazily. */
export class LeRobotEpisode implements Episode {
  constructor(
    private readonly dataset: LeRobotDataset,
    readonly index: number,
    readonly length: number,
    readonly stateDim: number,
    readonly actionDim: number,
    readonly qpos: Float32Array,
    readonly action: Float32Array,
    readonly timestamps: Float64Array,
    readonly tasks: readonly string[],
    readonly videos: ReadonlyMap<string, VideoRef>,
    /** Further float features by key (taxels, ...): [T * size] row-major. */
    readonly vectors: ReadonlyMap<string, Float32Array> = new Map(),
  ) {}

  get cameras(): readonly string[] {
    return [...this.videos.keys()].filter((k) => !k.startsWith(TACTILE_PREFIX));
  }

  get features(): readonly FeatureSpec[] {
    return this.dataset.featureSpecs;
  }

  async readFeature(key: string, frameIndex: number): Promise<ImageFrame | Float32Array> {
    if (this.videos.has(key)) return this.dataset.readFrame(this, key, frameIndex);
    const v = this.vectors.get(key);
    const spec = this.dataset.featureSpecs.find((f) => f.key === key);
    if (!v || !spec) throw new DatasetFormatError(join(this.dataset.root, 'meta/info.json'), `features.${key}`, `no such feature (have ${this.features.map((f) => f.key).join(', ') || 'none'})`);
    if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= this.length) throw new RangeError(`episode ${this.index}: frame ${frameIndex} outside [0, ${this.length})`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    return v.subarray(frameIndex * size, (frameIndex + 1) * size);
  }

  get instruction(): string | undefined {
    return this.tasks[0];
  }

  readImage(camera: string, frameIndex: number): Promise<ImageFrame> {
    return this.dataset.readFrame(this, camera, frameIndex);
  }
}

