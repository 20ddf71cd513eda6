import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng.js';

/**
 * Seeded weight initialisers with PyTorch's formulas (`torch.nn.init`). Values are drawn in
 * JavaScript from an `Rng`, so the same seed gives the same weights on every backend.
 * (The numbers differ from PyTorch's, whose generator is different; the distributions match.)
 */

/** `(fan_in, fan_out)` as `torch.nn.init._calculate_fan_in_and_fan_out`, for PyTorch layouts. */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new Error(`computeFans: needs a tensor with at least 2 dimensions, got shape [${shape}]`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function fill(shape: readonly number[], draw: () => number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = draw();
  return tf.tensor(values, [...shape], 'float32');
}

/** U(lo, hi), as `nn.init.uniform_`. */
export function uniform(shape: readonly number[], lo: number, hi: number, rng: Rng): tf.Tensor {
  return fill(shape, () => rng.uniform(lo, hi));
}

/** N(mean, std²), as `nn.init.normal_` (the default init of `nn.Embedding`). */
export function normal(shape: readonly number[], rng: Rng, mean = 0, std = 1): tf.Tensor {
  return fill(shape, () => rng.normal(mean, std));
}

/** Gain of `nn.init.calculate_gain` for 'linear' / 'relu' / 'leaky_relu'. */
export function calculateGain(nonlinearity: 'linear' | 'relu' | 'leaky_relu', a = 0.01): number {
  if (nonlinearity === 'relu') return Math.SQRT2;
  if (nonlinearity === 'leaky_relu') return Math.sqrt(2 / (1 + a * a));
  return 1;
}

/**
 * `nn.init.kaiming_uniform_(w, a)` with mode fan_in, leaky_relu gain. With the default
 * `a = √5` (PyTorch's Linear/Conv2d default) the bound is exactly `1/√fan_in`.
 */
export function kaimingUniform(shape: readonly number[], rng: Rng, a = Math.sqrt(5)): tf.Tensor {
  const { fanIn } = computeFans(shape);
  const gain = calculateGain('leaky_relu', a);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fanIn));
  return uniform(shape, -bound, bound, rng);
}

/** `nn.init.kaiming_normal_(w, mode, nonlinearity='relu')` (torchvision ResNet conv init uses fan_out). */
export function kaimingNormal(shape: readonly number[], rng: Rng, mode: 'fan_in' | 'fan_out' = 'fan_in'): tf.Tensor {
  const fans = computeFans(shape);
  const fan = mode === 'fan_in' ? fans.fanIn : fans.fanOut;
  return normal(shape, rng, 0, calculateGain('relu') / Math.sqrt(fan));
}

/** `nn.init.xavier_uniform_(w, gain)`: U(±gain·√(6/(fan_in+fan_out))). */
export function xavierUniform(shape: readonly number[], rng: Rng, gain = 1): tf.Tensor {
  const { fanIn, fanOut } = computeFans(shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -bound, bound, rng);
}

/** PyTorch's default bias init for Linear/Conv2d: U(±1/√fan_in), fan_in of the weight shape. */
export function defaultBias(size: number, weightShape: readonly number[], rng: Rng): tf.Tensor {
  const { fanIn } = computeFans(weightShape);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform([size], -bound, bound, rng);
}

/**
 * Re-initialise, in place, every parameter with more than one dimension with
 * `xavier_uniform_`, as ACT's `_reset_parameters` does for the main transformer.
 * Parameters are visited in the given order, so the result depends on the seed only.
 */
export function xavierUniformInPlace(params: Iterable<[string, tf.Variable]>, rng: Rng, gain = 1): void {
  for (const [, p] of params) {
    if (p.rank > 1) {
      const t = xavierUniform(p.shape, rng, gain);
      p.assign(t);
      t.dispose();
    }
  }
}
