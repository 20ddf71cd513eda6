import type * as tf from '@tensorflow/tfjs-core';
import type { ObservationBatch } from '../contracts/observation-batch.js';
import type { ObservationSpec } from '@actfusion/contracts';
import type { Module } from '../nn/module.js';
import type { Rng } from '../random/rng.js';
import type { PolicyConfig } from './policy-config.js';

/** The three scalars of one training forward pass. */
export interface ChunkLoss {
  /** `recon + klWeight * kl`: what the optimiser minimises. */
  readonly loss: tf.Scalar;
  /** The masked reconstruction term (L1, or L2 when `lossType: 'l2'`), averaged as `lossReduction` says. */
  readonly l1: tf.Scalar;
  /** KL(q(z | qpos, actions) || N(0, I)), summed over latent dims, mean over the batch; 0 without the CVAE. */
  readonly kl: tf.Scalar;
}

/**
 * What the Trainer and the ChunkExecutor call on a policy (`ActPolicy` implements it).
 *
 * - `computeLoss(batch, action, isPad, rng)`: training forward pass. `batch` is the normalised
 *   observation batch, `action` the normalised target chunk [B, k, A], `isPad` [B, k] with 1 for
 *   steps past the episode end (float32 or bool/int32). `rng` draws the reparameterisation noise and
 *   the dropout seeds, so a resumed run with a restored Rng reproduces the losses. Dropout and the
 *   style encoder are active iff the module is in training mode (`policy.train()`); in eval mode
 *   z = 0 and kl = 0 (LeRobot). Returns scalars built from the policy's variables, so it can run
 *   inside `tf.variableGrads(() => policy.computeLoss(...).loss)`. The caller disposes them.
 * - `predictChunk(batch)`: inference, z = 0, no dropout whatever the mode; returns the normalised
 *   action chunk [B, k, A] (the caller unnormalises and disposes it).
 *
 * Parameters are named as in a LeRobot ACT `model.safetensors` without the `model.` prefix
 * (`encoder.layers.0.self_attn.in_proj_weight`, `backbone.layer1.0.conv1.weight`, ...);
 * `trainableParameters()` lists what the optimiser updates; names starting with `backbone.` are
 * the backbone group (its own learning rate).
 */
export interface ChunkPolicy extends Module {
  readonly config: PolicyConfig;
  readonly spec: ObservationSpec;
  computeLoss(batch: ObservationBatch, action: tf.Tensor3D, isPad: tf.Tensor2D, rng: Rng): ChunkLoss;
  predictChunk(batch: ObservationBatch): tf.Tensor3D;
}
