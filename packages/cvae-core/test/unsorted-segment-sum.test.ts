import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectWasmMatchesCpu, randomTensor, runOn, useCpuAndWasmRuntimes } from '../src/testing/index.js';

useCpuAndWasmRuntimes();

describe('UnsortedSegmentSum on wasm', () => {
  it('sums rows with duplicate ids like the cpu backend', () => {
    const [out] = runOn('wasm', () =>
      tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([2, 0, 2, 2], 'int32'), 4),
    );
    expect(out!.shape).toEqual([4, 2]);
    expect(Array.from(out!.values)).toEqual([3, 4, 0, 0, 13, 16, 0, 0]);
  });

  it('drops negative and too-large ids, as the cpu backend does', () => {
    const fn = (): tf.Tensor => tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([1, -1, 1, 7], 'int32'), 3);
    const [out] = runOn('wasm', fn);
    expect(Array.from(out!.values)).toEqual([0, 0, 6, 8, 0, 0]);
    expectWasmMatchesCpu(fn, 0);
  });

  it('matches cpu on random float data, rank-3 x, and int32 x', () => {
    const ids = Int32Array.from({ length: 50 }, (_, i) => (i * 7919) % 13);
    expectWasmMatchesCpu(() => tf.unsortedSegmentSum(randomTensor([50, 3, 5], 5), tf.tensor1d(ids, 'int32'), 13), 1e-5);
    expectWasmMatchesCpu(() => tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], undefined, 'int32'), tf.tensor1d([0, 0, 1], 'int32'), 2), 0);
  });

  it('gives the gradient of tf.gather (an Embedding lookup) equal to cpu', () => {
    expectWasmMatchesCpu(() => {
      const table = randomTensor([10, 6], 1);
      const ids = tf.tensor2d([[0, 3, 3], [9, 0, 3]], [2, 3], 'int32');
      const upstream = randomTensor([2, 3, 6], 2);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), upstream)))(table);
    }, 1e-5);
  });

  it('returns zeros when there is nothing to sum and rejects a bad numSegments', () => {
    const [empty] = runOn('wasm', () => tf.unsortedSegmentSum(tf.zeros([0, 3]), tf.tensor1d([], 'int32'), 2));
    expect(empty!.shape).toEqual([2, 3]);
    expect(Array.from(empty!.values)).toEqual([0, 0, 0, 0, 0, 0]);
    tf.setBackend('wasm');
    expect(() =>
      tf.engine().runKernel('UnsortedSegmentSum', { x: tf.ones([2, 2]), segmentIds: tf.tensor1d([0, 1], 'int32') }, { numSegments: -2 }),
    ).toThrow(/UnsortedSegmentSum .*numSegments must be a non-negative integer, got -2/);
  });

  it('leaves no wasm buffer behind', () => {
    tf.setBackend('wasm');
    const x = randomTensor([20, 4], 3);
    const ids = tf.tensor1d(Int32Array.from({ length: 20 }, (_, i) => (i % 7) - 1), 'int32');
    const once = (): void => tf.dispose(tf.unsortedSegmentSum(x, ids, 5));
    once();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) once();
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    tf.dispose([x, ids]);
  });
});
