import { describe, expect, it } from 'vitest';
import { abortBarrier, allocateSharedGradients, PoolAbortedError } from '../src/training/parallel/shared-gradients.js';
import { StreamedGradientSum } from '../src/training/parallel/streamed-gradient-sum.js';
import { pseudoRandom } from '../src/testing/index.js';

/** Every order of 0..n-1. */
function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]));
}

describe('the streamed gradient sum of a worker pool', () => {
  const sizes = [7, 1, 12, 5];
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const floats = sizes.reduce((a, b) => a + b, 0);

  it.each([1, 2, 3, 4])('with %i workers, finishing in any order, sums every parameter in worker order, bit for bit', (n) => {
    // Worker w's gradients; worker 1 did not reach parameter 2 (null: zeros).
    const grads = Array.from({ length: n }, (_, w) => sizes.map((size, i) => (w === 1 && i === 2 ? null : Float32Array.from(pseudoRandom(size, 10 * w + i)))));
    // The reference: worker 0's gradients, then + worker 1's, + worker 2's ... in float32, absent ones as zeros.
    const ref = new Float32Array(floats);
    grads[0]!.forEach((g, i) => ref.set(g ?? new Float32Array(sizes[i]!), offsets[i]!));
    for (let w = 1; w < n; w++) {
      const slot = new Float32Array(floats);
      grads[w]!.forEach((g, i) => g && slot.set(g, offsets[i]!));
      for (let k = 0; k < floats; k++) ref[k] = ref[k]! + slot[k]!;
    }
    if (n >= 3) {
      // These values round differently in another order, so the order is what the test checks.
      const other = new Float32Array(floats);
      for (const w of [0, 2, 1, ...Array.from({ length: n - 3 }, (_, k) => k + 3)]) grads[w]!.forEach((g, i) => g && g.forEach((x, k) => (other[offsets[i]! + k] = other[offsets[i]! + k]! + x)));
      expect(other).not.toEqual(ref);
    }
    for (const order of permutations(n)) {
      const shared = allocateSharedGradients(n, sizes.length);
      const weights = new SharedArrayBuffer(floats * 4);
      new Float32Array(weights).fill(NaN);
      const control = new Int32Array(shared.control);
      const sums = Array.from({ length: n }, (_, w) => new StreamedGradientSum(weights, shared.arrivals, control, w, offsets, sizes));
      // Each worker offers every parameter when it "finishes" (in `order`), keeping what is refused, and offers the rest again after each arrival.
      const waiting = Array.from({ length: n }, () => [] as number[]);
      for (const w of order) {
        for (let i = sizes.length - 1; i >= 0; i--) if (!sums[w]!.offer(i, grads[w]![i]!)) waiting[w]!.push(i);
        for (let round = 0; round < n; round++) {
          for (let v = 0; v < n; v++) waiting[v] = waiting[v]!.filter((i) => !sums[v]!.offer(i, grads[v]![i]!));
        }
      }
      // Only workers 3 and up are ever refused, and every gradient got in.
      expect(waiting.flat(), `order ${order}`).toEqual([]);
      expect(new Float32Array(weights), `order ${order}`).toEqual(ref);
      expect([...new Int32Array(shared.arrivals)]).toEqual(sizes.map(() => n));
      sums[0]!.reset();
      expect([...new Int32Array(shared.arrivals)]).toEqual(sizes.map(() => 0));
    }
  });

  it('refuses a worker whose turn has not come, and an aborted pool wakes a waiting worker with an error', () => {
    const shared = allocateSharedGradients(3, sizes.length);
    const weights = new SharedArrayBuffer(floats * 4);
    const control = new Int32Array(shared.control);
    const third = new StreamedGradientSum(weights, shared.arrivals, control, 2, offsets, sizes);
    expect(third.offer(0, new Float32Array(7))).toBe(false);
    expect(() => third.offer(0, new Float32Array(3))).toThrow(/parameter 0 has 7 floats, its gradient 3/);
    abortBarrier(control);
    expect(() => third.add(0, new Float32Array(7))).toThrow(PoolAbortedError);
  });
});
