import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Embedding } from '../src/nn/embedding.js';
import { Rng } from '../src/random/rng.js';
import { useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

describe('Embedding', () => {
  it('gathers rows of weight [num, dim]', () => {
    const e = new Embedding(5, 3, { rng: new Rng(1) });
    expect(e.weight.shape).toEqual([5, 3]);
    const w = e.weight.arraySync() as number[][];
    expect(e.forward([4, 0, 4]).arraySync()).toEqual([w[4], w[0], w[4]]);
    expect(e.forward(tf.tensor2d([[1], [2]], [2, 1], 'int32')).shape).toEqual([2, 1, 3]);
    expect([...e.stateDict().keys()]).toEqual(['weight']);
  });
});
