import { describe, expect, it } from 'vitest';
import {
  ACTSinusoidalPositionEmbedding2d,
  sinusoidalPositionEmbedding1d,
  sinusoidalPositionEmbedding2d,
} from '../src/nn/sinusoidal-position-embedding.js';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

describe('1-D sinusoid table (create_sinusoidal_pos_embedding)', () => {
  it('has sin on even and cos on odd channels with 10000^(2⌊j/2⌋/D)', () => {
    const t = sinusoidalPositionEmbedding1d(3, 4);
    expect(t.shape).toEqual([3, 4]);
    expectClose(t.dataSync(), [
      0, 1, 0, 1,
      Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01),
      Math.sin(2), Math.cos(2), Math.sin(0.02), Math.cos(0.02),
    ], 1e-7);
  });
});

describe('2-D sine embedding (ACTSinusoidalPositionEmbedding2d)', () => {
  it('gives y channels first, then x, normalised to (0, 2π]', () => {
    // H=2, W=3, F=4: dim_t = [1, 1, 100, 100].
    const t = sinusoidalPositionEmbedding2d(2, 3, 4);
    expect(t.shape).toEqual([2, 3, 8]);
    const v = t.arraySync();
    const y0 = (1 / (2 + 1e-6)) * 2 * Math.PI; // ≈ π
    const x0 = (1 / (3 + 1e-6)) * 2 * Math.PI; // ≈ 2π/3
    expectClose(v[0]![0]!, [
      Math.sin(y0), Math.cos(y0), Math.sin(y0 / 100), Math.cos(y0 / 100),
      Math.sin(x0), Math.cos(x0), Math.sin(x0 / 100), Math.cos(x0 / 100),
    ], 1e-6);
    // Last row/column: y = x = 2π·H/(H+1e-6) ≈ 2π.
    const y1 = (2 / (2 + 1e-6)) * 2 * Math.PI;
    const x2 = (3 / (3 + 1e-6)) * 2 * Math.PI;
    expectClose(v[1]![2]!, [
      Math.sin(y1), Math.cos(y1), Math.sin(y1 / 100), Math.cos(y1 / 100),
      Math.sin(x2), Math.cos(x2), Math.sin(x2 / 100), Math.cos(x2 / 100),
    ], 1e-5);
    // Same row → same y channels; same column → same x channels.
    expect(v[0]![1]!.slice(0, 4)).toEqual(v[0]![0]!.slice(0, 4));
    expect(v[1]![0]!.slice(4)).toEqual(v[0]![0]!.slice(4));
  });

  it('the module maps an NHWC feature map to a cached [1, H, W, 2F] table', () => {
    const pe = new ACTSinusoidalPositionEmbedding2d(4);
    const a = pe.forward(tf.zeros([2, 2, 3, 16]) as tf.Tensor4D);
    expect(a.shape).toEqual([1, 2, 3, 8]);
    expect(pe.forward(tf.zeros([1, 2, 3, 5]) as tf.Tensor4D)).toBe(a);
    expectClose(a.dataSync(), sinusoidalPositionEmbedding2d(2, 3, 4).dataSync(), 0);
    pe.dispose();
  });
});
