export { CVAE_CORE_VERSION } from './version.js';
export { assembleBatch, batchInput, type FeatureBatch, type ObservationBatch } from './contracts/observation-batch.js';
export type { TokenSet } from './contracts/token-set.js';
export type { Conditioner, EncodeContext, Featuriser, ModalityEncoder } from './contracts/modality-encoder.js';
export { isConditioner } from './contracts/modality-encoder.js';
export type { ActionDecoder } from './contracts/action-decoder.js';
export { Module, ModuleList } from './nn/module.js';
export { Rng, sampleStream, type RngState } from './random/rng.js';
export {
  PolicyConfigSchema,
  parsePolicyConfig,
  type PolicyConfig,
  type PolicyConfigInput,
} from './policy/policy-config.js';
export type { ChunkLoss, ChunkPolicy } from './policy/chunk-policy.js';
export {
  createRuntime,
  type RuntimeOptions,
  type TensorRuntime,
} from './runtime/create-runtime.js';
export { registerRuntime } from './runtime/register-runtime.js';
export { BACKEND_NAMES, type BackendName, type BackendRequest } from './runtime/backend-name.js';
export { BackendNotInstalledError } from './runtime/optional-backend.js';
export { ensureGradientsRegistered } from './runtime/register-gradients.js';
export {
  registerWasmGradientKernels,
  unregisterWasmGradientKernels,
  WASM_GRADIENT_KERNELS,
} from './kernels/register-wasm-gradient-kernels.js';
export {
  Normalizer,
  type NormalizationMode,
  type NormalizerJson,
  type NormalizerOptions,
} from './training/normalizer.js';
export { collate, collateObservations, disposeCollated, type CollatedBatch } from './training/collate.js';
export { stackFloatFeature, stackImageFeature } from './training/feature-tensors.js';
export {
  SyntheticChunkDataset,
  featureStats,
  type ChunkPadding,
  type ChunkSampling,
  type SyntheticChunkDatasetOptions,
} from './training/synthetic-chunk-dataset.js';
export type { TrainablePolicy } from './training/trainable-policy.js';
export { adamWTrainerOptimizer, type TrainerOptimizer } from './training/trainer-optimizer.js';
export {
  lastCheckpoint,
  readTrainingCheckpoint,
  stepIdentifier,
  writeTrainingCheckpoint,
  type TrainingCheckpoint,
} from './training/training-checkpoint.js';
export { Trainer, type TrainerOptions, type TrainingProgress, type TrainingResult } from './training/trainer.js';
export {
  ChunkExecutor,
  type ActionChunk,
  type ChunkExecutionMode,
  type ChunkExecutorStats,
  type ChunkSource,
} from './inference/chunk-executor.js';
export { TemporalEnsembler } from './inference/temporal-ensembler.js';
export { prefixWeights, type PrefixSchedule } from './inference/rtc-prefix-weights.js';
export { policyChunkSource, type ChunkPredictor } from './inference/policy-chunk-source.js';
export {
  calculateGain,
  computeFans,
  defaultBias,
  kaimingNormal,
  kaimingUniform,
  normal,
  uniform,
  xavierUniform,
  xavierUniformInPlace,
} from './nn/init.js';
export { activation, gelu, geluTanh, glu, relu, type ActivationName } from './nn/activations.js';
export { Linear } from './nn/linear.js';
export { LayerNorm } from './nn/layer-norm.js';
export { Dropout, type ForwardOptions } from './nn/dropout.js';
export { Embedding } from './nn/embedding.js';
export { MultiheadAttention, type AttentionOptions } from './nn/multihead-attention.js';
export { TransformerEncoderLayer, withPos, type TransformerLayerOptions } from './nn/transformer-encoder-layer.js';
export { TransformerDecoderLayer, type DecoderLayerForwardOptions } from './nn/transformer-decoder-layer.js';
export {
  ACTSinusoidalPositionEmbedding2d,
  createSinusoidalPosEmbedding,
  sinusoidalPositionEmbedding1d,
  sinusoidalPositionEmbedding2d,
} from './nn/sinusoidal-position-embedding.js';
export { IMAGENET_MEAN, IMAGENET_STD, featureMapTokens, imagenetNormalize } from './nn/image-feature-tokens.js';
export { Conv2d, type Conv2dOptions, type Pair } from './nn/conv2d.js';
export { FrozenBatchNorm2d } from './nn/frozen-batch-norm2d.js';
export { GroupNorm2d } from './nn/group-norm2d.js';
export { MaxPool2d } from './nn/max-pool2d.js';
export {
  BasicBlock,
  Downsample,
  RESNET_BLOCKS,
  ResNet,
  makeNorm2d,
  resnetFeatureSize,
  type FilmTerms,
  type Norm2d,
  type ResNetDepth,
  type ResNetFilm,
  type ResNetNorm,
  type ResNetNormOptions,
} from './nn/resnet.js';
export { ResNetFilmGenerator } from './nn/resnet-film.js';
export { loadTorchvisionResNet } from './io/load-torchvision-resnet.js';
export { AdamW, type AdamWConfig, type AdamWParamGroup, type AdamWStateKeys } from './optim/adamw.js';
export { clipGradNorm } from './optim/clip-grad-norm.js';
export { actParamGroups } from './optim/param-groups.js';
export {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './io/safetensors.js';
export { SAFETENSORS_DTYPE_BYTES, decodeF16, type SafetensorsDtype } from './io/safetensors-dtype.js';
export { ActPolicy } from './policy/act-policy.js';
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
} from './policy/lerobot-normalization.js';
export { normalizationMappingOf, writeLeRobotProcessors, type ProcessorWriteOptions } from './policy/lerobot-processor-writer.js';
export { ActEncoder, type ActEncoderOptions } from './policy/act-encoder.js';
export { chunkReconstructionLoss, type ReconstructionLossOptions } from './policy/chunk-reconstruction-loss.js';
export {
  LeRobotActConfigSchema,
  describeLeRobotConfig,
  parseVisionBackbone,
  toLeRobotConfig,
  type LeRobotActConfig,
  type LeRobotPolicyDescription,
} from './policy/lerobot-config.js';
export { StyleEncoder, reparameterize, type StylePosterior } from './cvae/style-encoder.js';
export { klDivergence } from './cvae/kl-divergence.js';
export {
  backboneOf,
  LEROBOT_MODEL_PREFIX,
  readLeRobotCheckpoint,
  writeLeRobotCheckpoint,
  type LeRobotCheckpoint,
} from './policy/lerobot-checkpoint.js';
export * from './io/onnx/index.js';
export { batchGradients, reductionOf, sliceWeights, wholeBatchOf, type SliceGradients, type WholeBatch } from './training/batch-gradients.js';
export { chooseMicroBatch, WASM_STEP_BUDGET_BYTES, type MicroBatchChoice } from './training/micro-batch.js';
export type { MicroBatchSetting, StepOutcome } from './training/step-runner.js';
export { loadPolicyFactory, type PolicyFactory, type PolicyFactoryRef, type WorkerPolicy } from './training/parallel/policy-factory.js';
