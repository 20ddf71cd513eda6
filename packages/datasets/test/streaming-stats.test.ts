import { Rng } from '@actfusion/cvae-core';
import { describe, expect, it } from 'vitest';
import { QuantileSketch, StreamingStats } from '../src/index.js';

describe('StreamingStats', () => {
  it('matches two-pass mean/std/min/max and sorted quantiles on a long stream', () => {
    const rng = new Rng(5);
    const n = 50_000;
    const st = new StreamingStats(2, 1024);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < n; i++) {
      // a drifting stream, so the sketch has to grow its range both ways
      const x = rng.normal(i / 5000, 1);
      const y = rng.uniform(-3, 7) - i / 10000;
      xs.push(x);
      ys.push(y);
      st.add([x, y]);
    }
    const r = st.result();
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(r.mean[0]).toBeCloseTo(mean, 4);
    expect(r.std[0]).toBeCloseTo(std, 4);
    expect(r.min[1]).toBeCloseTo(Math.min(...ys), 5);
    expect(r.max[0]).toBeCloseTo(Math.max(...xs), 5);
    const sorted = [...xs].sort((a, b) => a - b);
    const range = sorted[n - 1]! - sorted[0]!;
    for (const [q, v] of [[0.01, r.q01[0]!], [0.5, r.q50[0]!], [0.99, r.q99[0]!]] as const) {
      expect(Math.abs(v - sorted[Math.floor(q * (n - 1))]!)).toBeLessThan((range / 1024) * 2.5);
    }
    expect(r.count).toBe(n);
  });

  it('is exact for short streams', () => {
    const s = new QuantileSketch(64);
    for (const v of [5, 1, 3, 2, 4]) s.add(v);
    expect(s.quantile(0.5)).toBe(3);
    expect(s.quantile(0)).toBe(1);
    expect(s.quantile(0.25)).toBe(2);
  });
});
