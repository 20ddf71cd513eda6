// The public surface most users need: the tensor-side encoder/decoder interfaces, the tensor
// runtime, the seeded random source, the policy config and the ACT policy, and the normaliser.
// Network blocks: `@actfusion/cvae-core/nn`; training: `/training`; chunk execution: `/inference`;
// checkpoints, safetensors, LeRobot and ONNX files: `/io`; test fixtures: `/testing`.
export { CVAE_CORE_VERSION } from './version.js';
export { assembleBatch, batchInput, type FeatureBatch, type ObservationBatch } from './contracts/observation-batch.js';
export type { TokenSet } from './contracts/token-set.js';
export type { Conditioner, EncodeContext, Featuriser, ModalityEncoder } from './contracts/modality-encoder.js';
export { isConditioner } from './contracts/modality-encoder.js';
export type { ActionDecoder } from './contracts/action-decoder.js';
export { stackFloatFeature, stackImageFeature } from './training/feature-tensors.js';
export { Rng, sampleStream, type RngState } from './random/rng.js';
export {
  PolicyConfigSchema,
  parsePolicyConfig,
  type PolicyConfig,
  type PolicyConfigInput,
} from './policy/policy-config.js';
export type { ChunkLoss, ChunkPolicy } from './policy/chunk-policy.js';
export { ActPolicy } from './policy/act-policy.js';
export {
  createRuntime,
  type RuntimeOptions,
  type TensorRuntime,
} from './runtime/create-runtime.js';
export { registerRuntime } from './runtime/register-runtime.js';
export { BACKEND_NAMES, type BackendName, type BackendRequest } from './runtime/backend-name.js';
export { BackendNotInstalledError } from './runtime/optional-backend.js';
export type { KernelPathRequest } from './kernels/native/kernel-path.js';
export {
  Normalizer,
  type NormalizationMode,
  type NormalizerJson,
  type NormalizerOptions,
} from './training/normalizer.js';
