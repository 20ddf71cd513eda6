import type * as tf from '@tensorflow/tfjs-core';
import type { ObservationBatch } from '../contracts/observation-batch.js';
import type { Module } from '../nn/module.js';
import type { ChunkLoss } from '../policy/chunk-policy.js';
import type { Rng } from '../random/rng.js';

/**
 * What the Trainer needs from a policy: a Module (named parameters, state dict, train/eval)
 * with ACT's training forward pass. `ChunkPolicy` / `ActPolicy` satisfy it; tests use tiny ones.
 */
export interface TrainablePolicy extends Module {
  computeLoss(batch: ObservationBatch, action: tf.Tensor3D, isPad: tf.Tensor2D, rng: Rng): ChunkLoss;
  /** Written to `pretrained_model/config.json` when present (LeRobot `ACTConfig` fields). */
  readonly config?: unknown;
}
