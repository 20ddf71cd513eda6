/**
 * Shared memory of a worker pool besides the weights and AdamW state: each worker's loss shares,
 * presence flags (which parameters got a gradient), partial norms, per-parameter arrival counts
 * and a barrier. There are no per-worker gradient slots: during its backward pass each worker adds
 * every finished gradient straight into the shared weights buffer (`StreamedGradientSum`; every
 * worker has read the weights into its backend by then), and after the step's sum each worker
 * writes its range's new weights over it (`shardedAdamWStep`).
 */
export interface SharedGradientBuffers {
  /** Float64 [workers x 3]: loss, l1, kl shares. */
  readonly losses: SharedArrayBuffer;
  /** Float64 [workers]: each worker's sum of squares of its range of the summed gradient. */
  readonly norms: SharedArrayBuffer;
  /** Uint8 [workers x params]: 1 where the worker's slice reached the parameter. */
  readonly present: SharedArrayBuffer;
  /** Int32 [params]: how many workers have added their gradient of each parameter this step, and a lock bit. */
  readonly arrivals: SharedArrayBuffer;
  /** Int32 [count, generation, aborted]. */
  readonly control: SharedArrayBuffer;
}

export function allocateSharedGradients(workers: number, params: number): SharedGradientBuffers {
  return {
    losses: new SharedArrayBuffer(workers * 3 * 8),
    norms: new SharedArrayBuffer(workers * 8),
    present: new SharedArrayBuffer(workers * params),
    arrivals: new SharedArrayBuffer(params * 4),
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

/** Whether the pool was aborted (a worker failed). */
export function isAborted(control: Int32Array): boolean {
  return Atomics.load(control, ABORTED) !== 0;
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
