import { describe, expect, it } from 'vitest';
import { addIntoSum, reduceRange, reduceSchedule } from '../src/training/parallel/shared-gradients.js';
import { pseudoRandom } from '../src/testing/index.js';

describe('the in-place gradient reduce of a worker pool', () => {
  it.each([1, 2, 3, 4])('with %i workers, the phases sum every range in worker order, bit for bit, never two workers on one range', (n) => {
    const sizes = [7, 1, 12, 5];
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const floats = sizes.reduce((a, b) => a + b, 0);
    // Worker w's gradients; worker 1 did not reach parameter 2 (null: zeros).
    const grads = Array.from({ length: n }, (_, w) => sizes.map((size, i) => (w === 1 && i === 2 ? null : Float32Array.from(pseudoRandom(size, 10 * w + i)))));
    const sum = new Float32Array(floats).fill(NaN);
    const schedules = Array.from({ length: n }, (_, w) => reduceSchedule(w, n));
    for (let phase = 0; phase < 2 * n - 1; phase++) {
      const ranges = schedules.map((s) => s[phase]).filter((r) => r !== null);
      expect(new Set(ranges).size, `phase ${phase}`).toBe(ranges.length);
      schedules.forEach((s, w) => {
        const range = s[phase];
        if (range === null || range === undefined) return;
        const [lo, hi] = reduceRange(floats, range, n);
        addIntoSum(sum, lo, hi, offsets, sizes, (i) => grads[w]![i]!, w === 0);
      });
    }
    // The reference: slot 0 then + slot 1 + slot 2 ... in float32, absent gradients as zeros.
    const ref = new Float32Array(floats);
    grads[0]!.forEach((g, i) => ref.set(g ?? new Float32Array(sizes[i]!), offsets[i]!));
    for (let w = 1; w < n; w++) {
      const slot = new Float32Array(floats);
      grads[w]!.forEach((g, i) => g && slot.set(g, offsets[i]!));
      for (let k = 0; k < floats; k++) ref[k] = ref[k]! + slot[k]!;
    }
    expect(sum).toEqual(ref);
  });
});
