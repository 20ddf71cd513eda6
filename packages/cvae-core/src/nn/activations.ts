import * as tf from '@tensorflow/tfjs-core';

/** Feed-forward activations by LeRobot's `get_activation_fn` names. */
export type ActivationName = 'relu' | 'gelu' | 'gelu_tanh' | 'glu';

export function relu<T extends tf.Tensor>(x: T): T {
  return tf.relu(x);
}

/** Exact GELU, `0.5·x·(1 + erf(x/√2))`, PyTorch's `F.gelu` default. */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))) as T;
}

/** Tanh-approximated GELU, PyTorch's `F.gelu(x, approximate='tanh')`. */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  }) as T;
}

/** GLU over the last axis: first half · sigmoid(second half) (halves the width). */
export function glu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const [a, b] = tf.split(x, 2, -1);
    return tf.mul(a!, tf.sigmoid(b!));
  }) as T;
}

export function activation(name: ActivationName): <T extends tf.Tensor>(x: T) => T {
  switch (name) {
    case 'relu':
      return relu;
    case 'gelu':
      return gelu;
    case 'gelu_tanh':
      return geluTanh;
    case 'glu':
      return glu;
    default:
      throw new Error(`activation: unknown name '${String(name)}', expected relu, gelu, gelu_tanh or glu`);
  }
}
