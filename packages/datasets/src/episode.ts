import type { FeatureSpec, ImageFrame } from '@actfusion/contracts';

/**
 * One recorded episode as the readers expose it: the low-dimensional arrays are held in memory
 * (400 x 14 float32 is 22 KB), camera frames are read lazily, one frame at a time.
 */
export interface Episode {
  /** Position of the episode in its dataset (ALOHA: i of episode_<i>.hdf5). */
  readonly index: number;
  /** Number of frames T. */
  readonly length: number;
  readonly stateDim: number;
  readonly actionDim: number;
  /** [T * stateDim], row-major. */
  readonly qpos: Float32Array;
  /** [T * stateDim], when recorded. */
  readonly qvel?: Float32Array;
  /** [T * actionDim], row-major; action[t] is the command issued after observing frame t. */
  readonly action: Float32Array;
  /** Camera names in dataset order. */
  readonly cameras: readonly string[];
  /** The task or instruction text, when known. */
  readonly instruction?: string;
  /** ALOHA's root attribute `sim`, when the format has it (ACT aligns actions differently on real data). */
  readonly sim?: boolean;
  /** Decode the frame `frameIndex` of `camera` (HWC RGB uint8). */
  readImage(camera: string, frameIndex: number): Promise<ImageFrame>;
  /**
   * Every per-frame observation feature, by LeRobot key, `observation.state` first:
   * `observation.velocity` (when recorded), `observation.images.<camera>` (kind `image`),
   * `observation.tactile.<sensor>` (`tactile-image`, [H, W, 3]), `observation.taxels.<sensor>`
   * (`taxels`, [rows, cols]) and `task` (`text`) when the episode has an instruction.
   */
  readonly features: readonly FeatureSpec[];
  /** Values of the in-memory vector features, [T * size] row-major, by key: `observation.state`, `observation.velocity`, `observation.taxels.<sensor>`, ... */
  readonly vectors: Readonly<Record<string, Float32Array>>;
  /** The episode's instruction (`task`), when known (same as `instruction`). */
  readonly task?: string;
  /** Frame `frameIndex` of an image feature by key (`observation.images.<camera>`, `observation.tactile.<sensor>`), HWC RGB uint8. */
  readFrame(key: string, frameIndex: number): Promise<ImageFrame>;
}

/** A set of episodes that share a layout (what the chunk sampler draws from). */
export interface EpisodeCollection {
  /** Where it lives (a folder). */
  readonly root: string;
  /** Frames per second (the robot's control rate). */
  readonly fps: number;
  readonly stateDim: number;
  readonly actionDim: number;
  /** Camera name -> [height, width], in dataset order. */
  readonly cameras: Readonly<Record<string, readonly [number, number]>>;
  /** The features its episodes carry, by key (see `Episode.features`). */
  readonly features: readonly FeatureSpec[];
  readonly episodes: readonly Episode[];
  /** Release file handles and decoders. */
  close(): Promise<void>;
}

/** An episode as a recorder or converter holds it before writing. */
export interface EpisodeData {
  readonly qpos: Float32Array;
  readonly qvel?: Float32Array;
  readonly effort?: Float32Array;
  readonly action: Float32Array;
  readonly stateDim: number;
  readonly actionDim: number;
  readonly length: number;
  /** Camera name -> T frames. */
  readonly images: Readonly<Record<string, readonly ImageFrame[]>>;
  /** The task instruction (LeRobot's `task`; ALOHA HDF5: root attribute `instruction`). */
  readonly instruction?: string;
  /** Further features by key (see `Episode.features`): their spec and T values each. */
  readonly features?: Readonly<Record<string, { readonly spec: FeatureSpec; readonly frames: readonly (ImageFrame | Float32Array)[] }>>;
}
