import { join } from 'node:path';
import { OBSERVATION_STATE, TACTILE_PREFIX, type FeatureSpec, type ImageFrame } from '@actfusion/contracts';
import { DatasetFormatError } from './dataset-error.js';
import type { Episode } from './episode.js';
import { cameraName } from './lerobot-paths.js';

export interface VideoRef {
  readonly key: string;
  readonly file: string;
  readonly fromTimestamp: number;
  readonly height: number;
  readonly width: number;
}

/** What an episode needs from its dataset (LeRobotDataset): where it is, its features, its frame decoder. */
export interface LeRobotFrameSource {
  readonly root: string;
  readonly features: readonly FeatureSpec[];
  readFrame(episode: LeRobotEpisode, camera: string, t: number): Promise<ImageFrame>;
}

/** One episode of a LeRobot dataset; frames come from the camera videos, decoded lazily. */
export class LeRobotEpisode implements Episode {
  constructor(
    private readonly dataset: LeRobotFrameSource,
    readonly index: number,
    readonly length: number,
    readonly stateDim: number,
    readonly actionDim: number,
    readonly qpos: Float32Array,
    readonly action: Float32Array,
    readonly timestamps: Float64Array,
    readonly tasks: readonly string[],
    readonly videos: ReadonlyMap<string, VideoRef>,
    /** Further float features by key (velocity, taxels, ...): [T * size] row-major. */
    readonly extraVectors: ReadonlyMap<string, Float32Array> = new Map(),
  ) {}

  get cameras(): readonly string[] {
    return [...this.videos.keys()].filter((k) => !k.startsWith(TACTILE_PREFIX));
  }

  get features(): readonly FeatureSpec[] {
    return this.dataset.features;
  }

  get vectors(): Readonly<Record<string, Float32Array>> {
    return { [OBSERVATION_STATE]: this.qpos, ...Object.fromEntries(this.extraVectors) };
  }

  get task(): string | undefined {
    return this.tasks[0];
  }

  /** Frame of a video feature by key (`observation.images.top`, `observation.tactile.left_finger_a`). */
  readFrame(key: string, frameIndex: number): Promise<ImageFrame> {
    const name = cameraName(key);
    if (!this.videos.has(name)) {
      throw new DatasetFormatError(join(this.dataset.root, 'meta/info.json'), `features.${key}`, `no such video feature (have ${[...this.videos.values()].map((v) => v.key).join(', ') || 'none'})`);
    }
    return this.dataset.readFrame(this, name, frameIndex);
  }

  get instruction(): string | undefined {
    return this.tasks[0];
  }

  readImage(camera: string, frameIndex: number): Promise<ImageFrame> {
    return this.dataset.readFrame(this, camera, frameIndex);
  }
}

