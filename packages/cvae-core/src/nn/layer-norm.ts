import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';

/**
 * `torch.nn.LayerNorm(D)` over the last axis: `(x − mean)/√(var + eps)·weight + bias`,
 * biased variance, parameters `weight` (ones) and `bias` (zeros), eps 1e-5.
 */
export class LayerNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly normalizedShape: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.registerParameter('weight', tf.ones([normalizedShape]));
    this.bias = this.registerParameter('bias', tf.zeros([normalizedShape]));
  }

  forward<T extends tf.Tensor>(x: T): T {
    if (x.shape[x.rank - 1] !== this.normalizedShape) {
      throw new Error(`LayerNorm: input last dimension is ${x.shape[x.rank - 1]}, expected ${this.normalizedShape}`);
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(xhat, this.weight), this.bias);
    }) as T;
  }
}
