import type * as tf from '@tensorflow/tfjs-core';
import type { Featuriser } from '../contracts/modality-encoder.js';
import type { ObservationBatch } from '../contracts/observation-batch.js';
import type { ObservationSpec } from '@actfusion/contracts';
import type { Module } from '../nn/module.js';
import type { ChunkLoss } from '../policy/chunk-policy.js';
import type { Rng } from '../random/rng.js';

/**
 * What the Trainer needs from a policy: a Module (named parameters, state dict, train/eval)
 * with ACT's training forward pass. `ChunkPolicy` / `ActPolicy` satisfy it; tests use tiny ones.
 */
export interface TrainablePolicy extends Module {
  computeLoss(batch: ObservationBatch, action: tf.Tensor3D, isPad: tf.Tensor2D, rng: Rng): ChunkLoss;
  /**
   * With `spec`, a `PolicyConfig` is written to `pretrained_model/config.json` as LeRobot's
   * `ACTConfig` (`toLeRobotConfig`); any other value is written as it is.
   */
  readonly config?: unknown;
  /** The encoders whose `featurise` fills `batch.inputs` (ActPolicy: its modality encoders); none for tiny test policies. */
  readonly encoders?: readonly Featuriser[];
  readonly spec?: ObservationSpec;
}
