/**
 * What a robot observes at one control tick, before any tensor exists: features by key, as
 * LeRobot names them. Produced by `@actfusion/robot-io` (`Robot.observe()`) and by the dataset
 * readers (one per frame). A new modality adds its own keys; nothing here has to change.
 *
 * ```ts
 * {
 *   'observation.state': Float32Array,                  // joint positions (qpos)
 *   'observation.velocity': Float32Array,               // optional (qvel)
 *   'observation.images.top': ImageFrame,               // HWC RGB uint8
 *   'observation.tactile.left_finger_a': ImageFrame,    // the sensor's tactile image
 *   'observation.taxels.left_finger_a': Float32Array,   // its raw forces, shape in its FeatureSpec
 *   task: 'lift the red cube',                          // the instruction
 *   timestamp: 0.42,                                    // seconds since the episode started
 * }
 * ```
 */
export interface Observation {
  /** Joint positions (ALOHA: 6 joints + normalised gripper, per arm). */
  readonly 'observation.state': Float32Array;
  /** Joint velocities, same layout, when the robot reports them. */
  readonly 'observation.velocity'?: Float32Array;
  /** The natural-language task instruction (MT-ACT), when there is one. */
  readonly task?: string;
  /** Seconds since the episode started. */
  readonly timestamp?: number;
  /**
   * Every other feature: `observation.images.*` and `observation.tactile.*` are `ImageFrame`s,
   * `observation.taxels.*` Float32Arrays, a new modality's whatever its `FeatureSpec` says. Read
   * them with `imageFeature` / `floatFeature` / `textFeature`, which check the value.
   */
  readonly [key: string]: unknown;
}

/** One action: target joint positions, same layout as `observation.state`. */
export type Action = Float32Array;
