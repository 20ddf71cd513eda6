import * as tf from '@tensorflow/tfjs-core';

export interface ReconstructionLossOptions {
  /** `l1` (ACT) or `l2` (squared error, the ablation). */
  readonly lossType: 'l1' | 'l2';
  /**
   * `valid`: sum over non-padded entries / (number of valid steps x A) (LeRobot since PR #3442).
   * `all`: original ACT's `(l1 * ~is_pad).mean()`, dividing by every B x k x A entry.
   */
  readonly reduction: 'valid' | 'all';
}

/**
 * Masked reconstruction loss between predicted and target action chunks [B, k, A], with
 * `isPad` [B, k] (1 = step past the episode end, excluded from the loss). Returns a scalar.
 * With every step padded the `valid` reduction returns 0 rather than dividing by zero.
 */
export function chunkReconstructionLoss(
  predicted: tf.Tensor3D,
  target: tf.Tensor3D,
  isPad: tf.Tensor2D,
  options: ReconstructionLossOptions,
): tf.Scalar {
  if (!tf.util.arraysEqual(predicted.shape, target.shape)) {
    throw new Error(`chunkReconstructionLoss: predicted [${predicted.shape}] vs target [${target.shape}]`);
  }
  const [b, k, a] = target.shape;
  if (isPad.shape[0] !== b || isPad.shape[1] !== k) {
    throw new Error(`chunkReconstructionLoss: isPad has shape [${isPad.shape}], expected [${b},${k}]`);
  }
  return tf.tidy(() => {
    const diff = tf.sub(predicted, target);
    const err = options.lossType === 'l1' ? tf.abs(diff) : tf.square(diff);
    const valid = tf.sub(1, tf.cast(isPad, 'float32')) as tf.Tensor2D; // [B, k]
    const masked = tf.mul(err, tf.expandDims(valid, 2));
    const total = tf.sum(masked);
    if (options.reduction === 'all') return tf.div(total, b * k * a);
    const denom = tf.maximum(tf.mul(tf.sum(valid), a), 1);
    return tf.div(total, denom);
  });
}
