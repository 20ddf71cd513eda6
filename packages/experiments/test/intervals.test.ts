import { describe, expect, it } from 'vitest';
import { studentTQuantile, tInterval } from '../src/stats/t-interval.js';
import { normalQuantile, wilsonInterval } from '../src/stats/wilson-interval.js';

describe('intervals', () => {
  it('normal and t quantiles match published tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829, 5);
    // t table: df=1 12.706, df=2 4.303, df=4 2.776, df=29 2.045
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.3027, 3);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764, 3);
    expect(studentTQuantile(0.975, 29)).toBeCloseTo(2.0452, 3);
  });

  it('Wilson interval matches the closed form and stays inside [0, 1]', () => {
    // 8/10 at 95 %: [0.4902, 0.9433] (Wilson 1927; e.g. statsmodels proportion_confint method="wilson")
    const w = wilsonInterval(8, 10);
    expect(w.estimate).toBe(0.8);
    expect(w.lower).toBeCloseTo(0.4902, 3);
    expect(w.upper).toBeCloseTo(0.9433, 3);
    const zero = wilsonInterval(0, 20);
    expect(zero.lower).toBe(0);
    expect(zero.upper).toBeCloseTo(0.1611, 3);
    expect(() => wilsonInterval(3, 2)).toThrow(/0 <= successes <= trials, got 3\/2/);
  });

  it('t-interval over seeds', () => {
    const t = tInterval([0.6, 0.7, 0.8]);
    expect(t.estimate).toBeCloseTo(0.7, 12);
    expect(t.std).toBeCloseTo(0.1, 12);
    expect(t.upper - t.estimate).toBeCloseTo(4.3027 * (0.1 / Math.sqrt(3)), 3);
    expect(Number.isNaN(tInterval([0.5]).lower)).toBe(true);
  });
});
