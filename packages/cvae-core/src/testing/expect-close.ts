import { expect } from 'vitest';

/** Element-wise closeness (relative to max(1, |expected|)) with a readable failure (first differing index). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      expect.fail(`index ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
    }
  }
}
