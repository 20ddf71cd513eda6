import * as tf from '@tensorflow/tfjs-core';

/**
 * `torch.nn.utils.clip_grad_norm_(grads, maxNorm, normType)`: the total norm over all gradients
 * together (2-norm of the per-tensor norms; max for `normType = Infinity`), and, when it exceeds
 * `maxNorm`, every gradient scaled by `maxNorm / (total + 1e-6)`. tfjs tensors are immutable, so
 * the map is updated in place: scaled tensors replace the entries and the replaced ones are
 * disposed (pass `disposeReplaced: false` to keep them). Returns the total norm before clipping.
 */
export function clipGradNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
  options: { normType?: 2 | number; disposeReplaced?: boolean } = {},
): number {
  const normType = options.normType ?? 2;
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (grads.size === 0) return 0;
  const total = tf.tidy(() => {
    const gs = [...grads.values()];
    if (normType === Infinity) return tf.max(tf.stack(gs.map((g) => tf.max(tf.abs(g)))));
    const p = normType;
    const sums = gs.map((g) => tf.sum(p === 2 ? tf.square(g) : tf.pow(tf.abs(g), p)));
    return tf.pow(tf.addN(sums), 1 / p);
  });
  const totalNorm = total.dataSync()[0]!;
  total.dispose();
  const coef = maxNorm / (totalNorm + 1e-6);
  if (!(coef >= 1)) {
    for (const [name, g] of [...grads]) {
      grads.set(name, tf.mul(g, coef));
      if (options.disposeReplaced !== false) g.dispose();
    }
  }
  return totalNorm;
}
