import * as tf from '@tensorflow/tfjs-core';

/**
 * ACT's KL term, KL(N(mu, exp(logvar)) || N(0, I)) = -0.5 * (1 + logvar - mu^2 - exp(logvar)),
 * summed over the latent dimensions and averaged over the batch (original `total_kld`,
 * LeRobot `mean_kld`). mu, logvar: [B, L]. Returns a scalar.
 */
export function klDivergence(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Scalar {
  if (!tf.util.arraysEqual(mu.shape, logvar.shape)) {
    throw new Error(`klDivergence: mu has shape [${mu.shape}] but logvar has [${logvar.shape}]`);
  }
  return tf.tidy(() => {
    const term = tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar));
    return tf.mean(tf.mul(-0.5, tf.sum(term, 1)));
  });
}
