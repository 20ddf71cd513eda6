import type * as tf from '@tensorflow/tfjs-core';
import type { FeatureSpec, Observation, ObservationSpec } from '@actfusion/contracts';
import type { Module } from '../nn/module.js';
import type { FeatureBatch, ObservationBatch } from './observation-batch.js';
import type { TokenSet } from './token-set.js';

/** Per-forward context handed to every encoder. */
export interface EncodeContext {
  /** Conditioning vector from a `Conditioner` (e.g. the projected language embedding), [B, C]. */
  readonly conditioning?: tf.Tensor2D;
  readonly training: boolean;
}

/** Whatever turns raw observations into its own tensors: every `ModalityEncoder`. */
export interface Featuriser {
  readonly name: string;
  /** The observation features it reads, by key. */
  readonly features: readonly FeatureSpec[];
  /**
   * Stack the features it reads from `observations` into batch-first tensors (e.g. images as
   * [B, H, W, 3] float32 in [0, 1], instructions as [B, E] embeddings). `collate` stores the result
   * under `batch.inputs[name]` and disposes it with the batch.
   */
  featurise(observations: readonly Observation[]): FeatureBatch;
}

/**
 * Turns part of an observation into tokens for the fusion encoder. It owns its inputs: it
 * declares the features it reads (`features`, from its options and the observation spec) and
 * featurises raw observations itself, so a new modality is a new encoder, not an edit of
 * cvae-core, datasets or robot-io. Implementations are `Module`s, so their parameters are named
 * under the prefix the policy gives them.
 */
export interface ModalityEncoder extends Module, Featuriser {
  /** Unique name; also the parameter prefix inside the policy unless `parameterPrefix` says otherwise. */
  readonly name: string;
  /**
   * Where this encoder's parameters live in a LeRobot-layout checkpoint, relative to `model.`
   * (e.g. `backbone` for ResNet weights). Defaults to `name`.
   */
  readonly parameterPrefix?: string;
  /**
   * When true, the policy gives this encoder's tokens learned 1-D positions: rows of its
   * `encoder_1d_feature_pos_embed` after the latent's (LeRobot keeps the joint token's position
   * there), added to the `positions` the encoder returns (zeros, typically).
   */
  readonly learnedPositions?: boolean;
  /** Tokens this encoder contributes for a given observation spec. */
  tokenCount(spec: ObservationSpec): number;
  encode(batch: ObservationBatch, ctx: EncodeContext): TokenSet;
}

/** An encoder that also hands a conditioning vector to the others (MT-ACT's FiLM). Runs first. */
export interface Conditioner extends ModalityEncoder {
  condition(batch: ObservationBatch): tf.Tensor2D;
}

export function isConditioner(e: ModalityEncoder): e is Conditioner {
  return typeof (e as unknown as { condition?: unknown }).condition === 'function';
}
