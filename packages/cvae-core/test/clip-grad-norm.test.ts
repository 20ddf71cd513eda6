import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { clipGradNorm } from '../src/optim/clip-grad-norm.js';
import { expectClose, useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

describe('clipGradNorm', () => {
  const make = () => new Map<string, tf.Tensor>([['a', tf.tensor1d([3, 4])], ['b', tf.tensor2d([[12]])]]);

  it('returns the global 2-norm and scales by maxNorm/(total+1e-6) when above', () => {
    const g = make();
    const old = g.get('a')!;
    expect(clipGradNorm(g, 6.5)).toBeCloseTo(13, 5);
    const c = 6.5 / (13 + 1e-6);
    expectClose(g.get('a')!.dataSync(), [3 * c, 4 * c], 1e-6);
    expectClose(g.get('b')!.dataSync(), [12 * c], 1e-6);
    expect(old.isDisposed).toBe(true);
  });

  it('leaves gradients alone below the limit', () => {
    const g = make();
    const a = g.get('a');
    expect(clipGradNorm(g, 100)).toBeCloseTo(13, 5);
    expect(g.get('a')).toBe(a);
  });

  it('supports the infinity norm and keeping the replaced tensors', () => {
    const g = make();
    const a = g.get('a')!;
    expect(clipGradNorm(g, 6, { normType: Infinity, disposeReplaced: false })).toBe(12);
    expect(a.isDisposed).toBe(false);
    expectClose(g.get('b')!.dataSync(), [12 * (6 / (12 + 1e-6))], 1e-6);
  });
});
