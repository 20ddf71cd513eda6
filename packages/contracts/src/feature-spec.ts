/**
 * What kind of value an observation feature holds (LeRobot's `FeatureType`, finer):
 *
 * - `state`: joint positions, Float32Array of `shape[0]` values (`observation.state`);
 * - `velocity`: joint velocities, same layout (`observation.velocity`);
 * - `image`: a camera frame, `ImageFrame` HWC RGB uint8, shape `[height, width, 3]`;
 * - `tactile-image`: a tactile sensor rendered as an image (GelSight-style), like `image`;
 * - `taxels`: a taxel array of forces, Float32Array, shape `[rows, cols]` (or `[rows, cols, channels]`);
 * - `text`: a string (the task instruction), shape `[]`.
 *
 * Other kinds are allowed: a new modality names its own and carries its own values.
 */
export type FeatureKind = 'state' | 'velocity' | 'image' | 'tactile-image' | 'taxels' | 'text' | (string & {});

/** One observation feature: its key (as LeRobot names it), its kind and its shape. */
export interface FeatureSpec {
  /** `observation.state`, `observation.images.top`, `observation.tactile.left_finger_a`, `task`, ... */
  readonly key: string;
  readonly kind: FeatureKind;
  /** Per-sample shape: `[S]` for state, `[H, W, 3]` for images, `[rows, cols]` for taxels, `[]` for text. */
  readonly shape: readonly number[];
  /** Names of the vector's entries (joint names), when known (LeRobot's `names`). */
  readonly names?: readonly string[];
}
