import * as tf from '@tensorflow/tfjs-core';

/** A deterministic L2-normalised "sentence embedding" (a stand-in for all-MiniLM-L6-v2 output). */
export function unitVector(dim: number, seed: number): Float32Array {
  const v = Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453 % 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

export function languageBatch(dim: number, seeds: readonly number[]): tf.Tensor2D {
  const out = new Float32Array(seeds.length * dim);
  seeds.forEach((s, i) => out.set(unitVector(dim, s), i * dim));
  return tf.tensor2d(out, [seeds.length, dim]);
}
