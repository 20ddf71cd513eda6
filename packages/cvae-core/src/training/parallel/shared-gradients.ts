/**
 * Shared memory of a worker pool besides the weights and AdamW state: each worker's loss shares,
 * presence flags (which parameters got a gradient), partial norms and a barrier. There are no
 * per-worker gradient slots: the workers sum their gradients straight into the shared weights
 * buffer, range by range in worker order (`reduceSchedule`), after every worker has finished its
 * backward pass and read the weights it needs, and each worker then writes its range's new weights
 * over the sum (`shardedAdamWStep`).
 */
export interface SharedGradientBuffers {
  /** Float64 [workers x 3]: loss, l1, kl shares. */
  readonly losses: SharedArrayBuffer;
  /** Float64 [workers]: each worker's sum of squares of its range of the summed gradient. */
  readonly norms: SharedArrayBuffer;
  /** Uint8 [workers x params]: 1 where the worker's slice reached the parameter. */
  readonly present: SharedArrayBuffer;
  /** Int32 [count, generation, aborted]. */
  readonly control: SharedArrayBuffer;
}

export function allocateSharedGradients(workers: number, params: number): SharedGradientBuffers {
  return {
    losses: new SharedArrayBuffer(workers * 3 * 8),
    norms: new SharedArrayBuffer(workers * 8),
    present: new SharedArrayBuffer(workers * params),
    control: new SharedArrayBuffer(3 * 4),
  };
}

/** Thrown in a worker waiting at the barrier when the pool was aborted (another worker failed). */
export class PoolAbortedError extends Error {
  constructor() {
    super('worker pool aborted: another worker failed');
  }
}

const COUNT = 0;
const GENERATION = 1;
const ABORTED = 2;

/** Wait until all `n` workers arrive (a reusable generation barrier); throws when the pool is aborted. */
export function barrier(control: Int32Array, n: number): void {
  const gen = Atomics.load(control, GENERATION);
  if (Atomics.add(control, COUNT, 1) === n - 1) {
    Atomics.store(control, COUNT, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    return;
  }
  while (Atomics.load(control, GENERATION) === gen) {
    if (Atomics.load(control, ABORTED) !== 0) throw new PoolAbortedError();
    Atomics.wait(control, GENERATION, gen, 250);
  }
}

/** Wake every waiting worker with an error (called by the pool when a worker fails or exits). */
export function abortBarrier(control: Int32Array): void {
  Atomics.store(control, ABORTED, 1);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
}

/** The contiguous float range worker `index` of `n` sums. */
export function reduceRange(floats: number, index: number, n: number): [number, number] {
  const per = Math.ceil(floats / n);
  return [Math.min(floats, index * per), Math.min(floats, (index + 1) * per)];
}

/**
 * Which float range worker `index` of `n` adds into the shared sum in each phase of the reduce
 * (`null`: none that phase). There are 2n − 1 phases with a barrier after each; range r gets worker
 * 0's gradient in phase r (stored) and worker w's in phase r + w (added), so every range is summed
 * in worker order, `((g0 + g1) + g2) + ...` in float32, and no two workers touch one range at once.
 */
export function reduceSchedule(index: number, n: number): (number | null)[] {
  return Array.from({ length: 2 * n - 1 }, (_, phase) => {
    const range = phase - index;
    return range >= 0 && range < n ? range : null;
  });
}

/**
 * `sum[lo, hi) (+)= grad` over the parameters that overlap the range: stored when `first`, else
 * added (in float32). `gradOf(i)` is parameter i's whole gradient, or null when the slice did not
 * reach it (zeros, as an absent gradient counts in the sum).
 */
export function addIntoSum(
  sum: Float32Array,
  lo: number,
  hi: number,
  offsets: readonly number[],
  sizes: readonly number[],
  gradOf: (i: number) => Float32Array | null,
  first: boolean,
): void {
  offsets.forEach((offset, i) => {
    const a = Math.max(lo, offset);
    const b = Math.min(hi, offset + sizes[i]!);
    if (a >= b) return;
    const g = gradOf(i);
    if (first) {
      if (g) sum.set(g.subarray(a - offset, b - offset), a);
      else sum.fill(0, a, b);
    } else if (g) {
      for (let k = a; k < b; k++) sum[k] = sum[k]! + g[k - offset]!;
    } else {
      for (let k = a; k < b; k++) sum[k] = sum[k]! + 0;
    }
  });
}
