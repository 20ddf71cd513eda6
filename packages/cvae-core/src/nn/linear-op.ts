import * as tf from '@tensorflow/tfjs-core';
import { nativeKernelsRegistered } from '../kernels/native/register-native-kernels.js';

/**
 * `y = x·Wᵀ + b` for x [N, in], W [out, in] (PyTorch layout), b [out], with a gradient written
 * with plain matrix products and explicit transposes:
 * `dx = dy·W`, `dW = dyᵀ·x`, `db = Σ dy`.
 *
 * Why: tfjs 4.22's wasm BatchMatMul is ~10x slower with `transposeA`/`transposeB` than on plain
 * operands (measured: [302, 512]×[3200, 512]ᵀ takes 260 ms, while transposing W, 5 ms, and a plain
 * product, 23 ms, take 28 ms), and tfjs's own MatMul gradient uses those flags. Same values on every
 * backend (the products are the same; only the memory layout differs). When the native kernels run
 * the wasm backend's BatchMatMul (OpenBLAS, transposes by flag at full speed), the transposes are
 * passed as flags instead: no transposed copy of W in every forward pass and of dy in every
 * gradient (about 200 ms of CPU per act-paper step of 4 samples).
 */
type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** True when BatchMatMul's transpose flags cost nothing (the native kernels run the wasm backend's BatchMatMul). */
function transposeByFlag(): boolean {
  return nativeKernelsRegistered() && tf.getBackend() === 'wasm';
}

/** x·Wᵀ. */
function timesTransposed(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return transposeByFlag() ? tf.matMul(x, w, false, true) : tf.matMul(x, tf.transpose(w));
}

/** dyᵀ·x. */
function transposedTimes(dy: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  return transposeByFlag() ? tf.matMul(dy, x, true, false) : tf.matMul(tf.transpose(dy), x);
}

const linearWithGrad = tf.customGrad((...args: Args) => {
  const [x, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const x2 = x as tf.Tensor2D;
  const w2 = w as tf.Tensor2D;
  save([x2, w2]);
  const value = tf.add(timesTransposed(x2, w2), b);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, ws), transposedTimes(dy2, xs), tf.sum(dy2, 0)];
    },
  };
});

const linearNoBias = tf.customGrad((...args: Args) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const x2 = x as tf.Tensor2D;
  const w2 = w as tf.Tensor2D;
  save([x2, w2]);
  return {
    value: timesTransposed(x2, w2),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, ws), transposedTimes(dy as tf.Tensor2D, xs)];
    },
  };
});

/** `x·Wᵀ (+ b)` over the last axis of x (any leading shape); W [out, in]. */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const inFeatures = weight.shape[1]!;
    const lead = x.shape.slice(0, -1);
    const x2 = tf.reshape(x, [-1, inFeatures]);
    const y = bias ? linearWithGrad(x2, weight, bias) : linearNoBias(x2, weight);
    return tf.reshape(y, [...lead, weight.shape[0]!]);
  });
}

/** Swap the last two axes. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = x.rank;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return tf.transpose(x, perm);
}

/**
 * Batched `a·b` (same batch dims) whose gradient uses explicit transposes instead of the
 * transpose flags (see `linear`): `da = dy·bᵀ`, `db = aᵀ·dy`.
 */
export const matMulPlain = tf.customGrad((...args: Args) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved as [tf.Tensor, tf.Tensor];
      return [
        tf.matMul(dy as tf.Tensor3D, transposeLast2(bs) as tf.Tensor3D),
        tf.matMul(transposeLast2(as) as tf.Tensor3D, dy as tf.Tensor3D),
      ];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
