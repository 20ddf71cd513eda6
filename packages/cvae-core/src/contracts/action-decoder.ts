import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { Rng } from '../random/rng.js';
import type { TokenSet } from './token-set.js';

/**
 * Turns the fused encoder memory into `chunkSize` action embeddings, [B, k, D].
 * `options.rng` seeds dropout in training mode (the Trainer's generator, for resumable runs).
 */
export interface ActionDecoder extends Module {
  decode(memory: TokenSet, chunkSize: number, options?: { rng?: Rng }): tf.Tensor3D;
}
