import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeFans, kaimingUniform, normal, xavierUniform, xavierUniformInPlace } from '../src/nn/init.js';
import { Rng } from '../src/random/rng.js';
import { useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

function stats(t: tf.Tensor): { min: number; max: number; mean: number; std: number } {
  const v = t.dataSync();
  let min = Infinity, max = -Infinity, s = 0, s2 = 0;
  for (const x of v) { min = Math.min(min, x); max = Math.max(max, x); s += x; s2 += x * x; }
  const mean = s / v.length;
  return { min, max, mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

describe('init', () => {
  it('computes fans like PyTorch for linear and conv layouts', () => {
    expect(computeFans([64, 32])).toEqual({ fanIn: 32, fanOut: 64 });
    expect(computeFans([8, 3, 7, 7])).toEqual({ fanIn: 147, fanOut: 392 });
    expect(() => computeFans([5])).toThrow(/at least 2 dimensions/);
  });

  it('kaiming_uniform(a=√5) is U(±1/√fan_in)', () => {
    const t = kaimingUniform([200, 100], new Rng(1));
    const s = stats(t);
    const bound = 1 / Math.sqrt(100);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(0.98 * bound);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 3);
  });

  it('xavier_uniform is U(±√(6/(in+out)))', () => {
    const s = stats(xavierUniform([300, 100], new Rng(2)));
    const bound = Math.sqrt(6 / 400);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 3);
  });

  it('normal is N(0,1) and reproducible by seed', () => {
    const a = normal([100, 100], new Rng(3));
    const s = stats(a);
    expect(Math.abs(s.mean)).toBeLessThan(0.03);
    expect(s.std).toBeCloseTo(1, 1);
    expect(normal([100, 100], new Rng(3)).dataSync()).toEqual(a.dataSync());
    expect(normal([100, 100], new Rng(4)).dataSync()).not.toEqual(a.dataSync());
  });

  it('xavierUniformInPlace touches only tensors with rank > 1', () => {
    const w = tf.variable(tf.zeros([4, 6]));
    const b = tf.variable(tf.zeros([4]));
    xavierUniformInPlace([['w', w], ['b', b]], new Rng(5));
    expect(stats(w).max).toBeGreaterThan(0);
    expect(b.dataSync().every((x) => x === 0)).toBe(true);
  });
});
