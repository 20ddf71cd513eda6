import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { ObservationBatch } from './observation-batch.js';
import type { ObservationKey, ObservationSpec } from '@actfusion/contracts';
import type { TokenSet } from './token-set.js';

/** Per-forward context handed to every encoder. */
export interface EncodeContext {
  /** Conditioning vector from a `Conditioner` (e.g. the projected language embedding), [B, C]. */
  readonly conditioning?: tf.Tensor2D;
  readonly training: boolean;
}

/**
 * Turns part of an observation into tokens for the fusion encoder. Implementations are
 * `Module`s, so their parameters are named under the prefix the policy gives them.
 */
export interface ModalityEncoder extends Module {
  /** Unique name; also the parameter prefix inside the policy unless `parameterPrefix` says otherwise. */
  readonly name: string;
  readonly inputs: readonly ObservationKey[];
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
