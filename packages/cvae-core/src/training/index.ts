// `@actfusion/cvae-core/training`: batching, the Trainer (single-thread, micro-batches,
// data-parallel workers), the optimiser, training checkpoints and the wasm gradient kernels.
export { collate, collateObservations, disposeCollated, type CollatedBatch } from './collate.js';
export type { TrainablePolicy } from './trainable-policy.js';
export { adamWTrainerOptimizer, type TrainerOptimizer } from './trainer-optimizer.js';
export {
  lastCheckpoint,
  readTrainingCheckpoint,
  stepIdentifier,
  writeTrainingCheckpoint,
  type LoadedTrainingCheckpoint,
  type TrainingCheckpoint,
} from './training-checkpoint.js';
export { Trainer, type TrainerOptions, type TrainingProgress, type TrainingResult } from './trainer.js';
export { AdamW, type AdamWConfig, type AdamWParamGroup, type AdamWStateKeys } from '../optim/adamw.js';
export { clipGradNorm } from '../optim/clip-grad-norm.js';
export { actParamGroups } from '../optim/param-groups.js';
export { batchGradients, reductionOf, sliceWeights, wholeBatchOf, type SliceGradients, type WholeBatch } from './batch-gradients.js';
export { chooseMicroBatch, WASM_STEP_BUDGET_BYTES, type MicroBatchChoice } from './micro-batch.js';
export type { MicroBatchSetting, StepOutcome } from './step-runner.js';
export { leanVariableGrads } from './lean-variable-grads.js';
export { threadMemory, type ThreadMemory, type TrainingMemory } from './parallel/thread-memory.js';
export { loadPolicyFactory, type PolicyFactory, type PolicyFactoryRef, type WorkerPolicy } from './parallel/policy-factory.js';
export { ensureGradientsRegistered } from '../runtime/register-gradients.js';
export {
  registerWasmGradientKernels,
  unregisterWasmGradientKernels,
  WASM_GRADIENT_KERNELS,
} from '../kernels/register-wasm-gradient-kernels.js';
export {
  defaultBlasThreads,
  isKernelPathRequest,
  KERNEL_PATHS,
  selectKernelPath,
  type KernelPathChoice,
  type KernelPathRequest,
} from '../kernels/native/kernel-path.js';
export { NATIVE_KERNELS, nativeKernelsRegistered, registerNativeKernels, unregisterNativeKernels } from '../kernels/native/register-native-kernels.js';
