import type * as tf from '@tensorflow/tfjs-core';

/**
 * Tokens one encoder contributes to the fusion transformer, each already `dimModel` wide,
 * with the positional embedding that travels with them.
 */
export interface TokenSet {
  /** [B, N, D]. */
  readonly tokens: tf.Tensor3D;
  /** [N, D] (shared over the batch) or [B, N, D]. */
  readonly positions: tf.Tensor2D | tf.Tensor3D;
}
