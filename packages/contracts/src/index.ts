export type { ImageFrame } from './image-frame.js';
export type { Action, Observation } from './observation.js';
export type { FeatureKind, FeatureSpec } from './feature-spec.js';
export {
  ACTION,
  IMAGES_PREFIX,
  OBSERVATION_STATE,
  OBSERVATION_VELOCITY,
  TACTILE_PREFIX,
  TASK,
  TAXELS_PREFIX,
  TIMESTAMP,
  imageKey,
  keySuffix,
  tactileKey,
  taxelsKey,
  type ImageKey,
  type TactileKey,
  type TaxelsKey,
} from './feature-keys.js';
export {
  featureOf,
  featuresOfKind,
  observationSpec,
  requireFeature,
  withFeatures,
  type ObservationSpec,
  type ObservationSpecInput,
} from './observation-spec.js';
export { featureSize, floatFeature, imageFeature, textFeature } from './observation-values.js';
export type { CameraSpec, JointSpec, Robot, RobotSpec, TactileSpec } from './robot.js';
export { robotFeatures } from './robot-features.js';
export type { RandomSource } from './random-source.js';
export type { ChunkDataset, DatasetStats, FeatureStats, TrainingSample } from './chunk-dataset.js';
export { TOKENS } from './tokens.js';
