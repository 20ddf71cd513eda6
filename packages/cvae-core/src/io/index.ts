// `@actfusion/cvae-core/io`: files in and out: safetensors, LeRobot checkpoints, configs and
// processor normalisation, and the ONNX exporter.
export {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type SafetensorsSource,
} from './safetensors.js';
export { SAFETENSORS_DTYPE_BYTES, decodeF16, type SafetensorsDtype } from './safetensors-dtype.js';
export {
  featureNormalization,
  isLegacyNormalizationBuffer,
  legacyNormalization,
  LEROBOT_NORM_EPS,
  normalizerJsonOf,
  POSTPROCESSOR_FILE,
  PREPROCESSOR_FILE,
  readProcessorNormalization,
  type CheckpointNormalization,
  type FeatureNormalization,
} from '../policy/lerobot-normalization.js';
export { normalizationMappingOf, writeLeRobotProcessors, type ProcessorWriteOptions } from '../policy/lerobot-processor-writer.js';
export {
  LeRobotActConfigSchema,
  describeLeRobotConfig,
  parseVisionBackbone,
  toLeRobotConfig,
  type LeRobotActConfig,
  type LeRobotPolicyDescription,
} from '../policy/lerobot-config.js';
export {
  backboneOf,
  LEROBOT_MODEL_PREFIX,
  readLeRobotCheckpoint,
  writeLeRobotCheckpoint,
  type LeRobotCheckpoint,
} from '../policy/lerobot-checkpoint.js';
export * from './onnx/index.js';
