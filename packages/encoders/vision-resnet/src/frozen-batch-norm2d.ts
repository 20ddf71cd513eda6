import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@actfusion/cvae-core/nn';

/**
 * torchvision's `FrozenBatchNorm2d(n, eps=1e-5)` on NHWC activations: batch statistics and
 * affine terms are fixed *buffers* `weight`, `bias`, `running_mean`, `running_var` (not
 * trained, not counted by `parameterCount()`), and
 * `y = x·scale + (bias − running_mean·scale)` with `scale = weight·rsqrt(running_var + eps)`.
 * torchvision's `num_batches_tracked` is not part of the state (drop it before a strict load, as
 * torchvision's `_load_from_state_dict` does).
 */
export class FrozenBatchNorm2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(
    readonly numFeatures: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.registerBuffer('weight', tf.ones([numFeatures]));
    this.bias = this.registerBuffer('bias', tf.zeros([numFeatures]));
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([numFeatures]));
  }

  /** x [..., C] (NHWC) → same shape. */
  forward<T extends tf.Tensor>(x: T): T {
    if (x.shape[x.rank - 1] !== this.numFeatures) {
      throw new Error(`FrozenBatchNorm2d: input has ${x.shape[x.rank - 1]} channels (last axis), expected ${this.numFeatures}`);
    }
    return tf.tidy(() => {
      const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps)));
      const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale));
      return tf.add(tf.mul(x, scale), shift);
    }) as T;
  }
}
