import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@actfusion/cvae-core/nn';

/**
 * `torch.nn.GroupNorm(numGroups, numChannels, eps=1e-5)` on NHWC activations: channels are split
 * into `numGroups` groups, each normalised over (H, W, its channels) with its own sample
 * statistics (so it behaves the same in training and at inference, whatever the batch), then a
 * per-channel affine `weight` (ones) and `bias` (zeros), both trained. A normalisation that trains,
 * for backbones learned from scratch (ACT freezes batch norm only because it starts from ImageNet).
 */
export class GroupNorm2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    readonly eps = 1e-5,
  ) {
    super();
    if (!(Number.isInteger(numGroups) && numGroups > 0 && numChannels % numGroups === 0)) {
      throw new Error(`GroupNorm2d: ${numGroups} groups must divide ${numChannels} channels`);
    }
    this.weight = this.registerParameter('weight', tf.ones([numChannels]));
    this.bias = this.registerParameter('bias', tf.zeros([numChannels]));
  }

  /** x [B, H, W, C] -> same shape. */
  forward<T extends tf.Tensor>(x: T): T {
    if (x.rank !== 4 || x.shape[3] !== this.numChannels) {
      throw new Error(`GroupNorm2d: input has shape [${x.shape}], expected [B, H, W, ${this.numChannels}]`);
    }
    const [b, h, w, c] = x.shape as [number, number, number, number];
    return tf.tidy(() => {
      const grouped = tf.reshape(x, [b, h, w, this.numGroups, c / this.numGroups]);
      const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
      const xhat = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.eps))), [b, h, w, c]);
      return tf.add(tf.mul(xhat, this.weight), this.bias);
    }) as T;
  }
}
