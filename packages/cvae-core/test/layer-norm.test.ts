import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerNorm } from '../src/nn/layer-norm.js';
import { expectClose, useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

describe('LayerNorm', () => {
  it('normalises the last axis with biased variance, eps 1e-5, then scales and shifts', () => {
    const ln = new LayerNorm(4);
    ln.weight.assign(tf.tensor1d([1, 2, 1, 0.5]));
    ln.bias.assign(tf.tensor1d([0, 0, 1, 0]));
    const rows = [[1, 2, 3, 4], [-2, 0, 0, 2]];
    const y = ln.forward(tf.tensor2d(rows)).dataSync();
    const expected: number[] = [];
    for (const r of rows) {
      const m = r.reduce((a, b) => a + b) / 4;
      const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
      r.forEach((x, i) => expected.push(((x - m) / Math.sqrt(v + 1e-5)) * [1, 2, 1, 0.5][i]! + [0, 0, 1, 0][i]!));
    }
    expectClose(y, expected, 1e-5);
    expect([...ln.stateDict().keys()]).toEqual(['weight', 'bias']);
  });
});
