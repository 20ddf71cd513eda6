import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Dropout } from '../src/nn/dropout.js';
import { Rng, sampleStream } from '../src/random/rng.js';
import { useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

describe('Dropout', () => {
  const x = tf.ones([50, 40]);

  it('zeroes about p of the elements and scales the rest by 1/(1-p) in training', () => {
    const d = new Dropout(0.25);
    const y = d.forward(x, new Rng(1)).dataSync();
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / y.length).toBeGreaterThan(0.2);
    expect(zeros / y.length).toBeLessThan(0.3);
    expect(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
  });

  it('is seeded: same Rng state or seed gives the same mask', () => {
    const d = new Dropout(0.5);
    expect(d.forward(x, new Rng(7)).dataSync()).toEqual(d.forward(x, new Rng(7)).dataSync());
    expect(d.forward(x, 123).dataSync()).toEqual(d.forward(x, 123).dataSync());
    expect(d.forward(x, new Rng(7)).dataSync()).not.toEqual(d.forward(x, new Rng(8)).dataSync());
    const own = new Dropout(0.5, new Rng(9));
    expect(own.forward(x).dataSync()).not.toEqual(own.forward(x).dataSync());
  });

  it('is the identity in eval mode and for p = 0', () => {
    expect(new Dropout(0.5).eval().forward(x)).toBe(x);
    expect(new Dropout(0).forward(x)).toBe(x);
  });

  it('needs a seed in training', () => {
    expect(() => new Dropout(0.1).forward(x)).toThrow(/seed is needed/);
    expect(() => new Dropout(1)).toThrow(/\[0, 1\)/);
  });
});

describe('dropoutMask', () => {
  it('row i is the stream of Rng(sampleStream(seed, i)).nextUint32 thresholded at p·2³²', async () => {
    const { dropoutMask } = await import('../src/nn/dropout.js');
    const m = dropoutMask([3, 7], 0.4, 99).dataSync();
    const expected = [0, 1, 2].flatMap((row) => {
      const r = new Rng(sampleStream(99, row));
      return Array.from({ length: 7 }, () => (r.nextUint32() >= Math.floor(0.4 * 2 ** 32) ? 1 / 0.6 : 0));
    });
    expect(Array.from(m)).toEqual(expected.map((v) => Math.fround(v)));
    expect(expected.some((v) => v === 0) && expected.some((v) => v !== 0)).toBe(true);
  });

  it('a slice of the batch at its sample offset gets the rows the whole batch gets', async () => {
    const { dropoutMask } = await import('../src/nn/dropout.js');
    const whole = Array.from(dropoutMask([5, 4, 3], 0.3, 7).dataSync());
    const tail = Array.from(dropoutMask([2, 4, 3], 0.3, 7, 3).dataSync());
    expect(tail).toEqual(whole.slice(3 * 12));
    const x = tf.ones([2, 4, 3]);
    const viaModule = new Dropout(0.3).forward(x, new Rng(11).atSample(3));
    const seed = new Rng(11).opSeed();
    expect(Array.from(viaModule.dataSync())).toEqual(Array.from(dropoutMask([5, 4, 3], 0.3, seed).dataSync()).slice(36));
    tf.dispose([x, viaModule]);
  });
});
