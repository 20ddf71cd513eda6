/**
 * Shared memory of a worker pool: one gradient slot per worker (all trainable parameters, in the
 * policy's order, as float32), each worker's loss shares, presence flags (which parameters got a
 * gradient) and a barrier. After every worker has written its slot, worker i sums the slots over
 * its own contiguous range of floats into slot 0 (in worker order, so every run sums the same way),
 * and after a second barrier every worker reads the same batch gradient from slot 0.
 */
export interface SharedGradientBuffers {
  readonly grads: SharedArrayBuffer;
  /** Float64 [workers x 3]: loss, l1, kl shares. */
  readonly losses: SharedArrayBuffer;
  /** Float64 [workers]: each worker's sum of squares of its range of the summed gradient. */
  readonly norms: SharedArrayBuffer;
  /** Uint8 [workers x params]: 1 where the worker's slice reached the parameter. */
  readonly present: SharedArrayBuffer;
  /** Int32 [count, generation, aborted]. */
  readonly control: SharedArrayBuffer;
}

export function allocateSharedGradients(workers: number, floats: number, params: number): SharedGradientBuffers {
  return {
    grads: new SharedArrayBuffer(workers * floats * 4),
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

/** slot0[lo, hi) = slot0 + slot1 + ... (in float32, in slot order). */
export function reduceSlots(grads: SharedArrayBuffer, n: number, floats: number, lo: number, hi: number): void {
  const out = new Float32Array(grads, 0, floats);
  for (let w = 1; w < n; w++) {
    const slot = new Float32Array(grads, w * floats * 4, floats);
    for (let k = lo; k < hi; k++) out[k] = out[k]! + slot[k]!;
  }
}
