import { adamWUpdateValues } from '../../optim/adamw-update-kernel.js';
import type { SharedTrainingState } from './shared-training-state.js';

/** What every worker knows about every parameter (its float offset, size and group's hyper-parameters). */
export interface ShardedParam {
  readonly offset: number;
  readonly size: number;
  readonly lr: number;
  readonly weightDecay: number;
}

export interface ShardedAdamWStep {
  /**
   * The moments and update counts; `state.weights` holds the batch gradient (float32, the weights'
   * layout) on entry and the new weights on exit, over [lo, hi).
   */
  readonly state: SharedTrainingState;
  /** Parameter i's current values, whole (this worker's own copy of the weights). */
  readonly current: (i: number) => Float32Array;
  readonly params: readonly ShardedParam[];
  /** Which parameters got a gradient this step (the others keep their weights, as AdamW skips them). */
  readonly present: readonly boolean[];
  /** This worker's update counts of every parameter (every worker keeps the same counts). */
  readonly steps: Int32Array;
  /** This worker's float range. */
  readonly lo: number;
  readonly hi: number;
  /** The clipping factor (`maxNorm / (norm + 1e-6)`), applied when below 1. */
  readonly coef: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
}

/** Sum of squares of `grads[lo, hi)` (a worker's part of the global gradient norm). */
export function sumOfSquares(grads: Float32Array, lo: number, hi: number): number {
  let s = 0;
  for (let k = lo; k < hi; k++) s += grads[k]! * grads[k]!;
  return s;
}

/**
 * One clipped AdamW step of the floats in [lo, hi), in place in the shared moments, reading the
 * gradient from the shared weights buffer and writing the new weights over it (each float's
 * gradient is read before its new weight is stored): the same arithmetic as `AdamW.step` with the
 * fused kernel (`adamWUpdateValues`) and clipping's `g·coef` in float32, so it equals AdamW on the
 * whole parameters. A parameter without a gradient gets its current weights back. Every worker
 * increments the counts of every present parameter (they must agree on the bias correction); the
 * worker owning a parameter's first float publishes its count.
 */
export function shardedAdamWStep(s: ShardedAdamWStep): void {
  const buffer = new Float32Array(s.state.weights);
  const expAvg = new Float32Array(s.state.expAvg);
  const expAvgSq = new Float32Array(s.state.expAvgSq);
  const sharedSteps = new Int32Array(s.state.steps);
  const [b1, b2] = s.betas;
  const scale = s.coef < 1 ? Math.fround(s.coef) : null;
  s.params.forEach((p, i) => {
    const lo = Math.max(s.lo, p.offset);
    const hi = Math.min(s.hi, p.offset + p.size);
    if (!s.present[i]) {
      if (lo < hi) buffer.set(s.current(i).subarray(lo - p.offset, hi - p.offset), lo);
      return;
    }
    const t = ++s.steps[i]!;
    if (p.offset >= s.lo && p.offset < s.hi) sharedSteps[i] = t;
    if (lo >= hi) return;
    const g = buffer.subarray(lo, hi);
    if (scale !== null) for (let k = 0; k < g.length; k++) g[k] = Math.fround(g[k]! * scale);
    const w = s.current(i).subarray(lo - p.offset, hi - p.offset);
    const m = expAvg.subarray(lo, hi);
    const v = expAvgSq.subarray(lo, hi);
    adamWUpdateValues(w, m, v, g, [g, m, v], {
      decay: 1 - p.lr * p.weightDecay,
      beta1: b1,
      beta2: b2,
      bc2Sqrt: Math.sqrt(1 - Math.pow(b2, t)),
      eps: s.eps,
      stepSize: p.lr / (1 - Math.pow(b1, t)),
    });
  });
}
