import { isAborted, PoolAbortedError } from './shared-gradients.js';

/** Set in a parameter's arrival count while a worker of the first two writes it. */
const LOCK = 1 << 30;

/**
 * One worker's side of the step's gradient sum in shared memory: each parameter's gradient is
 * added into the shared buffer (the weights buffer, which every worker has read into its backend
 * before the step) as soon as the worker has it, so finished gradients do not pile up in its
 * backend until the end of the backward pass.
 *
 * The sum is the same, bit for bit, whatever order the workers finish in: `((g0 + g1) + g2) + ...`
 * in float32, absent gradients counting as zeros. Per parameter an arrival count (`arrivals`) says
 * how many workers have added theirs: workers 0 and 1 may come in either order (float addition is
 * commutative; the first stores, the second adds), under a lock bit so they never write at once;
 * worker w >= 2 adds only when the count is w. A worker whose turn has not come keeps the gradient
 * (`offer` returns false) and offers it again later; `add` waits for its turn.
 *
 * The counts return to zero once every worker has added every parameter (`reset`, by one worker
 * between two barriers).
 */
export class StreamedGradientSum {
  private readonly sum: Float32Array;
  private readonly arrivals: Int32Array;

  constructor(
    weights: SharedArrayBuffer,
    arrivals: SharedArrayBuffer,
    private readonly control: Int32Array,
    private readonly index: number,
    private readonly offsets: readonly number[],
    private readonly sizes: readonly number[],
  ) {
    this.sum = new Float32Array(weights);
    this.arrivals = new Int32Array(arrivals);
  }

  /** Add parameter `i`'s gradient (null: zeros) if it is this worker's turn; false if not yet (nothing written). */
  offer(i: number, grad: Float32Array | null): boolean {
    return this.contribute(i, grad, false);
  }

  /** Add parameter `i`'s gradient (null: zeros), waiting for this worker's turn. */
  add(i: number, grad: Float32Array | null): void {
    this.contribute(i, grad, true);
  }

  /** Zero every arrival count (when every worker has added every parameter, before any worker starts the next step). */
  reset(): void {
    this.arrivals.fill(0);
  }

  private contribute(i: number, grad: Float32Array | null, wait: boolean): boolean {
    const w = this.index;
    const size = this.sizes[i]!;
    if (grad && grad.length !== size) throw new Error(`StreamedGradientSum: parameter ${i} has ${size} floats, its gradient ${grad.length}`);
    for (;;) {
      if (isAborted(this.control)) throw new PoolAbortedError();
      const c = Atomics.load(this.arrivals, i);
      const turn = w <= 1 ? (c & LOCK) === 0 && c <= 1 : c === w;
      // The first two workers' turns only wait for a lock held during one copy: always wait for them.
      if (!turn && !wait && w > 1) return false;
      if (!turn) {
        Atomics.wait(this.arrivals, i, c, 250);
        continue;
      }
      if (w <= 1 && Atomics.compareExchange(this.arrivals, i, c, c | LOCK) !== c) continue;
      this.write(i, grad, c === 0);
      Atomics.store(this.arrivals, i, c + 1);
      Atomics.notify(this.arrivals, i);
      return true;
    }
  }

  private write(i: number, grad: Float32Array | null, first: boolean): void {
    const a = this.offsets[i]!;
    const b = a + this.sizes[i]!;
    const sum = this.sum;
    if (first) {
      if (grad) sum.set(grad, a);
      else sum.fill(0, a, b);
    } else if (grad) {
      for (let k = a; k < b; k++) sum[k] = sum[k]! + grad[k - a]!;
    } else {
      // x + 0, not nothing: -0 becomes +0 as it would in a sum with a zero gradient.
      for (let k = a; k < b; k++) sum[k] = sum[k]! + 0;
    }
  }
}
