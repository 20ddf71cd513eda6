import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Linear } from '../src/nn/linear.js';
import { Rng } from '../src/random/rng.js';
import { expectClose, pseudoRandom, useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

describe('Linear', () => {
  it('computes x·Wᵀ + b over the last axis of a 3-D input', () => {
    const lin = new Linear(3, 2, { rng: new Rng(1) });
    lin.weight.assign(tf.tensor2d([[1, 2, 3], [-1, 0, 0.5]]));
    lin.bias!.assign(tf.tensor1d([0.5, -1]));
    const x = tf.tensor3d([[[1, 1, 1], [0, 2, -2]]]);
    const y = lin.forward(x);
    expect(y.shape).toEqual([1, 2, 2]);
    expectClose(y.dataSync(), [6.5, -1.5, -1.5, -2]);
  });

  it('has PyTorch names, shapes and default init bounds', () => {
    const lin = new Linear(16, 8, { rng: new Rng(2) });
    expect([...lin.stateDict().entries()].map(([k, v]) => [k, v.shape])).toEqual([
      ['weight', [8, 16]],
      ['bias', [8]],
    ]);
    for (const v of [lin.weight, lin.bias!]) {
      const d = v.dataSync();
      expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(0.25);
    }
    expect(new Linear(16, 8, { bias: false }).bias).toBeNull();
    expect(lin.parameterCount()).toBe(16 * 8 + 8);
  });

  it('rejects a wrong input width', () => {
    const lin = new Linear(4, 2);
    expect(() => lin.forward(tf.tensor2d(pseudoRandom(6), [2, 3]))).toThrow(/last dimension is 3, expected 4/);
  });
});

describe('linear op gradient (explicit transposes instead of matMul flags)', () => {
  it('equals the gradient of the plain tfjs expression', async () => {
    const { linear } = await import('../src/nn/linear-op.js');
    const x = tf.tensor3d(pseudoRandom(2 * 3 * 4, 1), [2, 3, 4]);
    const w = tf.tensor2d(pseudoRandom(5 * 4, 2), [5, 4]);
    const b = tf.tensor1d(pseudoRandom(5, 3));
    const r = tf.tensor3d(pseudoRandom(2 * 3 * 5, 4), [2, 3, 5]);
    const ours = tf.grads((xx, ww, bb) => tf.sum(tf.mul(linear(xx!, ww!, bb!), r)))([x, w, b]);
    const plain = tf.grads((xx, ww, bb) =>
      tf.sum(tf.mul(tf.add(tf.reshape(tf.matMul(tf.reshape(xx!, [6, 4]) as tf.Tensor2D, ww as tf.Tensor2D, false, true), [2, 3, 5]), bb!), r)),
    )([x, w, b]);
    ours.forEach((g, i) => expectClose(g.dataSync(), plain[i]!.dataSync(), 1e-5));
    const noBias = tf.grads((xx, ww) => tf.sum(tf.mul(linear(xx!, ww!, null), r)))([x, w]);
    expectClose(noBias[1]!.dataSync(), plain[1]!.dataSync(), 1e-5);
  });
});
