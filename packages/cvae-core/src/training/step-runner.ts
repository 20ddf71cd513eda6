import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSample } from '@actfusion/contracts';
import type { ObservationSpec } from '@actfusion/contracts';
import { clipGradNorm } from '../optim/clip-grad-norm.js';
import type { RngState } from '../random/rng.js';
import { batchGradients, wholeBatchOf, type ReconstructionReduction } from './batch-gradients.js';
import { chooseMicroBatch, WASM_STEP_BUDGET_BYTES } from './micro-batch.js';
import type { Normalizer } from './normalizer.js';
import type { TrainablePolicy } from './trainable-policy.js';
import type { TrainerOptimizer } from './trainer-optimizer.js';
import { threadMemory, type TrainingMemory } from './parallel/thread-memory.js';

/** What one optimiser step reports. */
export interface StepOutcome {
  readonly loss: number;
  readonly l1: number;
  readonly kl: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** The model stream's state after the step. */
  readonly rngEnd: RngState;
}

/** Runs optimiser steps on batches: in this thread (`LocalStepRunner`) or across worker threads. */
export interface StepRunner {
  step(samples: readonly TrainingSample[], rngState: RngState, stepNumber: number): Promise<StepOutcome>;
  /** Bring the trainer's own policy and optimiser up to date (before a checkpoint or at the end). */
  pull(): Promise<void>;
  /** Every thread's memory (wasm heap, tensors, V8 heap) and the shared buffers. */
  memory(): Promise<TrainingMemory>;
  dispose(): Promise<void>;
}

/** Micro-batch size: a number, or `auto` (the whole batch, or what fits the wasm heap). */
export type MicroBatchSetting = number | 'auto';

export interface LocalStepConfig {
  readonly spec: ObservationSpec;
  readonly normalizer: Normalizer;
  readonly reduction: ReconstructionReduction;
  /** Max global gradient norm; null or 0 = measure only. */
  readonly clip: number | null;
  readonly microBatch: MicroBatchSetting;
  /** Tensor bytes a step may use when `microBatch` is `auto` on the wasm backend. */
  readonly budgetBytes?: number;
  readonly log: (line: string) => void;
  /** Who runs the step, for the log line (`worker 1/2`). */
  readonly label?: string;
}

/**
 * Resolves `auto` on first use: on the wasm backend (fixed 4 GiB heap) a one-sample step is profiled
 * and the batch is cut into passes that fit; elsewhere the whole batch (or shard) is one pass.
 */
export class MicroBatchResolver {
  private chosen: number | null;

  constructor(private readonly cfg: LocalStepConfig) {
    this.chosen = cfg.microBatch === 'auto' ? null : cfg.microBatch;
    if (this.chosen !== null && !(Number.isInteger(this.chosen) && this.chosen >= 1)) {
      throw new Error(`Trainer: option 'microBatch' must be a positive integer or 'auto', got ${String(cfg.microBatch)}`);
    }
  }

  /** The micro-batch size once chosen (null while `auto` is unresolved). */
  known(): number | null {
    return this.chosen;
  }

  async resolve(policy: TrainablePolicy, params: readonly [string, tf.Variable][], samples: readonly TrainingSample[], rngState: RngState): Promise<number> {
    if (this.chosen !== null) return this.chosen;
    if (tf.getBackend() !== 'wasm') return (this.chosen = Number.MAX_SAFE_INTEGER);
    const budget = this.cfg.budgetBytes ?? WASM_STEP_BUDGET_BYTES;
    const c = await chooseMicroBatch(policy, params, samples, { ...this.cfg, rngState, whole: wholeBatchOf(samples) }, budget);
    const mb = (n: number): string => `${Math.round(n / 1048576)} MiB`;
    const about = `about ${mb(c.baselineBytes)} + ${mb(c.perSampleBytes)} per sample against a ${mb(c.budgetBytes)} budget`;
    if (c.microBatch < samples.length) {
      this.cfg.log(`${this.cfg.label ?? 'trainer'}: a step of ${samples.length} samples would not fit the wasm heap (${about}): accumulating gradients over micro-batches of ${c.microBatch}`);
    } else {
      this.cfg.log(`${this.cfg.label ?? 'trainer'}: a step of ${samples.length} samples fits the wasm heap (${about}): one pass`);
    }
    this.chosen = c.microBatch;
    return this.chosen;
  }
}

/**
 * One step in this thread: gradients of the whole batch (in micro-batches when set or needed),
 * a finite-loss check, global-norm clipping, the optimiser update.
 */
export class LocalStepRunner implements StepRunner {
  private readonly microBatch: MicroBatchResolver;

  constructor(
    private readonly policy: TrainablePolicy,
    private readonly params: readonly [string, tf.Variable][],
    private readonly optimizer: TrainerOptimizer,
    private readonly cfg: LocalStepConfig,
  ) {
    this.microBatch = new MicroBatchResolver(cfg);
  }

  async step(samples: readonly TrainingSample[], rngState: RngState, stepNumber: number): Promise<StepOutcome> {
    const microBatch = await this.microBatch.resolve(this.policy, this.params, samples, rngState);
    const r = batchGradients(this.policy, this.params, samples, {
      ...this.cfg,
      rngState,
      offset: 0,
      whole: wholeBatchOf(samples),
      microBatch,
    });
    return finishStep(r.grads, { loss: r.loss, l1: r.l1, kl: r.kl, rngEnd: r.rngEnd }, this.optimizer, this.cfg.clip, stepNumber);
  }

  async pull(): Promise<void> {}
  async memory(): Promise<TrainingMemory> {
    return { threads: [threadMemory('main')], sharedBytes: 0 };
  }
  async dispose(): Promise<void> {}
}

/** Finite-loss check, clipping and the optimiser update on the batch gradients (which it disposes). */
export function finishStep(
  grads: Map<string, tf.Tensor>,
  r: Omit<StepOutcome, 'gradNorm'>,
  optimizer: TrainerOptimizer,
  clip: number | null,
  stepNumber: number,
): StepOutcome {
  try {
    if (!Number.isFinite(r.loss)) throw new Error(`Trainer: loss is ${r.loss} at step ${stepNumber}`);
    // Total norm before clipping (LeRobot's grad_norm); with clipping off, clip at +inf just to measure.
    const gradNorm = clipGradNorm(grads, clip ? clip : Infinity);
    optimizer.applyGradients(grads);
    return { ...r, gradNorm };
  } finally {
    tf.dispose([...grads.values()]);
  }
}
