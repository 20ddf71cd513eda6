import type { ImageFrame } from './image-frame.js';

/** A tactile reading: a taxel grid (rows x cols) of forces, optionally rendered as an image. */
export interface TactileFrame {
  readonly rows: number;
  readonly cols: number;
  /** Row-major forces in newtons (or sensor units), `rows * cols` values. */
  readonly data: Float32Array;
  /** The same reading as an RGB tactile image (GelSight-style), if the sensor produces one. */
  readonly image?: ImageFrame;
}

/**
 * What a robot observes at one control tick, before any tensor exists. Produced by
 * `@actfusion/robot-io` (`Robot.observe()`) and by dataset readers.
 */
export interface Observation {
  /** Joint positions (ALOHA: 6 joints + normalised gripper, per arm). */
  readonly qpos: Float32Array;
  readonly qvel?: Float32Array;
  /** Camera frames by camera name (`top`, `left_wrist`, ...). */
  readonly images: Readonly<Record<string, ImageFrame>>;
  /** Tactile readings by sensor name. */
  readonly tactile?: Readonly<Record<string, TactileFrame>>;
  /** A natural-language task instruction (MT-ACT). */
  readonly instruction?: string;
  /** Seconds since the episode started. */
  readonly timestamp?: number;
}

/** One action: target joint positions, same layout as `qpos`. */
export type Action = Float32Array;

/** Keys an encoder may read from an observation batch. */
export type ObservationKey =
  | 'qpos'
  | 'qvel'
  | `images.${string}`
  | `tactile.${string}`
  | 'language';

/** Shapes of the observation features a policy is built for (LeRobot's `input_features`). */
export interface ObservationSpec {
  readonly stateDim: number;
  readonly actionDim: number;
  /** Camera name -> [height, width]. Order is the token order. */
  readonly cameras: Readonly<Record<string, readonly [number, number]>>;
  /** Tactile sensor name -> [height, width] of its tactile image. */
  readonly tactile?: Readonly<Record<string, readonly [number, number]>>;
  /** Width of the sentence embedding, when language conditioning is used. */
  readonly languageDim?: number;
}
