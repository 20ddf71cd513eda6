import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectWasmMatchesCpu, randomTensor, runOn, useCpuAndWasmRuntimes } from '../src/testing/index.js';

useCpuAndWasmRuntimes();

describe('Tile on wasm (block copies)', () => {
  it.each([
    { label: 'broadcast a position table to the batch [1,30,8] -> [4,30,8]', shape: [1, 30, 8], reps: [4, 1, 1] },
    { label: 'every dimension tiled [2,3,5] x [3,2,2]', shape: [2, 3, 5], reps: [3, 2, 2] },
    { label: 'short rows repeated along the last axis [4,5,1] x [1,1,70]', shape: [4, 5, 1], reps: [1, 1, 70] },
    { label: 'rank 1 and rank 4', shape: [7], reps: [3] },
    { label: 'rank 4 middle axes', shape: [2, 1, 3, 4], reps: [1, 5, 1, 2] },
  ])('$label: equals the cpu backend, values and gradient', ({ shape, reps, label }) => {
    expectWasmMatchesCpu(() => {
      const x = randomTensor(shape, 3);
      const y = tf.tile(x, reps);
      const r = randomTensor(y.shape, 4);
      return [y, tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.tile(p, reps), r)))(x)];
    }, 0, label);
  });

  it('tiles int32 and bool tensors, and empty ones', () => {
    expectWasmMatchesCpu(() => tf.tile(tf.tensor2d([[1, 2], [3, 4]], undefined, 'int32'), [2, 3]), 0);
    const [b] = runOn('wasm', () => tf.tile(tf.tensor1d([true, false], 'bool'), [3]));
    expect(Array.from(b!.values)).toEqual([1, 0, 1, 0, 1, 0]);
    const [e] = runOn('wasm', () => tf.tile(tf.zeros([0, 3]), [2, 2]));
    expect(e!.shape).toEqual([0, 6]);
  });
});
