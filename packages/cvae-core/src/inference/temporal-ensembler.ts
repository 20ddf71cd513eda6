/**
 * ACT's temporal ensembling as LeRobot's `ACTTemporalEnsembler` computes it online.
 *
 * The policy is queried every control step; every chunk predicts the next `chunkSize` actions.
 * The action executed at step t is the weighted mean of every prediction made for t,
 * `a_t = sum_i w_i A_t[i] / sum_i w_i` with `w_i = exp(-coeff * i)` and **i = 0 the oldest
 * prediction** (ACT's Algorithm 2; coeff m = 0.01 in the original). Instead of keeping every
 * chunk, it keeps one running average per future step and its count:
 *
 *   ens = (ens * W[count - 1] + new * w[count]) / W[count],  W = cumsum(w),  count = min(count + 1, k)
 *
 * which equals the offline weighted mean while at most k predictions exist for a step.
 */
export class TemporalEnsembler {
  private readonly weights: Float64Array;
  private readonly cumsum: Float64Array;
  /** Running averages for steps t, t+1, ... (each one action). */
  private ensembled: Float64Array[] = [];
  private counts: number[] = [];

  constructor(
    readonly coeff: number,
    readonly chunkSize: number,
  ) {
    if (!Number.isFinite(coeff)) throw new Error(`TemporalEnsembler: coeff must be finite, got ${coeff}`);
    if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) {
      throw new Error(`TemporalEnsembler: chunkSize must be a positive integer, got ${chunkSize}`);
    }
    this.weights = Float64Array.from({ length: chunkSize }, (_, i) => Math.exp(-coeff * i));
    this.cumsum = new Float64Array(chunkSize);
    let s = 0;
    this.weights.forEach((w, i) => (this.cumsum[i] = s += w));
  }

  /** Forget every pending prediction (call at the start of an episode). */
  reset(): void {
    this.ensembled = [];
    this.counts = [];
  }

  /** Number of predictions that went into each pending step (index 0 = the next step to execute). */
  pendingCounts(): readonly number[] {
    return [...this.counts];
  }

  /** Take the chunk predicted at this step ([chunkSize] actions) and return the action to execute now. */
  update(chunk: readonly Float32Array[]): Float32Array {
    if (chunk.length !== this.chunkSize) {
      throw new Error(`TemporalEnsembler: chunk has ${chunk.length} actions, expected chunkSize ${this.chunkSize}`);
    }
    const dim = chunk[0]!.length;
    chunk.forEach((a, i) => {
      if (a.length !== dim) throw new Error(`TemporalEnsembler: chunk action ${i} has ${a.length} values, expected ${dim}`);
    });
    if (this.ensembled.length === 0) {
      this.ensembled = chunk.map((a) => Float64Array.from(a));
      this.counts = chunk.map(() => 1);
    } else {
      if (this.ensembled[0]!.length !== dim) {
        throw new Error(`TemporalEnsembler: action width changed from ${this.ensembled[0]!.length} to ${dim}`);
      }
      for (let j = 0; j < this.ensembled.length; j++) {
        const c = this.counts[j]!;
        const e = this.ensembled[j]!;
        const a = chunk[j]!;
        for (let d = 0; d < dim; d++) {
          e[d] = (e[d]! * this.cumsum[c - 1]! + a[d]! * this.weights[c]!) / this.cumsum[c]!;
        }
        this.counts[j] = Math.min(c + 1, this.chunkSize);
      }
      this.ensembled.push(Float64Array.from(chunk[this.chunkSize - 1]!));
      this.counts.push(1);
    }
    const out = Float32Array.from(this.ensembled.shift()!);
    this.counts.shift();
    return out;
  }
}
