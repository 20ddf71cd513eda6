import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { TokenSet } from './token-set.js';

/** Turns the fused encoder memory into `chunkSize` action embeddings, [B, k, D]. */
export interface ActionDecoder extends Module {
  decode(memory: TokenSet, chunkSize: number): tf.Tensor3D;
}
