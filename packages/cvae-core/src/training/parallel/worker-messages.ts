import type { ObservationSpec } from '@actfusion/contracts';
import type { TrainingSample } from '@actfusion/contracts';
import type { RngState } from '../../random/rng.js';
import type { NormalizerJson } from '../normalizer.js';
import type { ReconstructionReduction, WholeBatch } from '../batch-gradients.js';
import type { MicroBatchSetting } from '../step-runner.js';
import type { PolicyFactoryRef } from './policy-factory.js';
import type { SharedGradientBuffers } from './shared-gradients.js';
import type { SharedTrainingState } from './shared-training-state.js';
import type { TensorPayload } from './tensor-payload.js';
import type { ThreadMemory } from './thread-memory.js';

/** The optimiser every worker builds (the Trainer's default AdamW with LeRobot's two groups). */
export interface WorkerOptimizerOptions {
  readonly lr: number;
  readonly backboneLr: number;
  readonly backbonePrefix: string;
  readonly weightDecay: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
}

export interface InitMessage {
  readonly type: 'init';
  readonly index: number;
  readonly workers: number;
  readonly factory: PolicyFactoryRef;
  readonly shared: SharedGradientBuffers;
  readonly spec: ObservationSpec;
  readonly normalizer: NormalizerJson;
  readonly reduction: ReconstructionReduction;
  readonly clip: number | null;
  readonly microBatch: MicroBatchSetting;
  readonly budgetBytes?: number;
  readonly optimizer: WorkerOptimizerOptions;
  /** The weights and AdamW state (one copy for all workers, updated in place). */
  readonly state: SharedTrainingState;
  /** The trainer's policy state that is not trainable (buffers). */
  readonly buffers: TensorPayload;
  /** Trainable parameter names and shapes in the trainer's order (checked against the worker's policy). */
  readonly paramNames: string[];
  readonly paramShapes: number[][];
}

export interface StepMessage {
  readonly type: 'step';
  readonly samples: TrainingSample[];
  readonly offset: number;
  readonly whole: WholeBatch;
  readonly rngState: RngState;
  readonly stepNumber: number;
}

export type ToWorker = InitMessage | StepMessage | { readonly type: 'pull' } | { readonly type: 'memory' } | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'stepped'; readonly gradNorm: number; readonly loss: number; readonly l1: number; readonly kl: number; readonly rngEnd: RngState }
  | { readonly type: 'pulled'; readonly buffers: TensorPayload }
  | { readonly type: 'memory'; readonly memory: ThreadMemory }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'error'; readonly message: string; readonly aborted: boolean }
  | { readonly type: 'closed' };
