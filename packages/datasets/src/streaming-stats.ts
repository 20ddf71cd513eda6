import type { FeatureStats } from '@actfusion/contracts';

/** Quantiles LeRobot writes to stats.json (DEFAULT_QUANTILES). */
export const STAT_QUANTILES = [0.01, 0.1, 0.5, 0.9, 0.99] as const;

export interface FullFeatureStats extends FeatureStats {
  readonly q01: Float32Array;
  readonly q10: Float32Array;
  readonly q50: Float32Array;
  readonly q90: Float32Array;
  readonly q99: Float32Array;
  readonly count: number;
}

/**
 * A streaming quantile sketch for one variable: exact for the first `bins` values, then a
 * fixed number of equal-width bins whose range doubles (merging neighbour bins) whenever a value
 * falls outside. Memory is O(bins) whatever the stream length; the error of a quantile is at most
 * one bin width (range / bins).
 */
export class QuantileSketch {
  private buffer: number[] | null = [];
  private counts: Float64Array;
  private lo = 0;
  private width = 1;
  private n = 0;

  constructor(private readonly bins = 2048) {
    if (bins < 2 || bins % 2 !== 0) throw new RangeError(`QuantileSketch: bins must be even and >= 2, got ${bins}`);
    this.counts = new Float64Array(0);
  }

  get count(): number {
    return this.n;
  }

  add(v: number): void {
    if (!Number.isFinite(v)) return;
    this.n++;
    if (this.buffer) {
      this.buffer.push(v);
      if (this.buffer.length >= this.bins) this.toHistogram();
      return;
    }
    this.place(v, 1);
  }

  private toHistogram(): void {
    const buf = this.buffer!;
    this.buffer = null;
    let min = Infinity;
    let max = -Infinity;
    for (const v of buf) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const span = max - min;
    this.lo = min;
    this.width = span > 0 ? (span / this.bins) * 1.0001 : Math.max(Math.abs(min) * 1e-6, 1e-9);
    this.counts = new Float64Array(this.bins);
    for (const v of buf) this.place(v, 1);
  }

  private place(v: number, weight: number): void {
    const B = this.bins;
    while (v >= this.lo + B * this.width) {
      const c = this.counts;
      const next = new Float64Array(B);
      for (let i = 0; i < B / 2; i++) next[i] = c[2 * i]! + c[2 * i + 1]!;
      this.counts = next;
      this.width *= 2;
    }
    while (v < this.lo) {
      const c = this.counts;
      const next = new Float64Array(B);
      for (let i = 0; i < B / 2; i++) next[B / 2 + i] = c[2 * i]! + c[2 * i + 1]!;
      this.counts = next;
      this.lo -= B * this.width;
      this.width *= 2;
    }
    const k = Math.min(B - 1, Math.floor((v - this.lo) / this.width));
    this.counts[k]! += weight;
  }

  /** Fold another sketch into this one (its bins enter at their centres). */
  mergeFrom(other: QuantileSketch): this {
    if (other.buffer) {
      for (const v of other.buffer) this.add(v);
      return this;
    }
    if (this.buffer) {
      const mine = this.buffer;
      this.buffer = null;
      this.lo = other.lo;
      this.width = other.width;
      this.counts = new Float64Array(this.bins);
      for (const v of mine) this.place(v, 1);
    }
    for (let k = 0; k < other.bins; k++) {
      const c = other.counts[k]!;
      if (c > 0) this.place(other.lo + (k + 0.5) * other.width, c);
    }
    this.n += other.n;
    return this;
  }

  quantile(q: number): number {
    if (this.n === 0) return NaN;
    if (this.buffer) {
      const s = [...this.buffer].sort((a, b) => a - b);
      const pos = q * (s.length - 1);
      const i = Math.floor(pos);
      const f = pos - i;
      return s[i]! + f * ((s[Math.min(i + 1, s.length - 1)] ?? s[i]!) - s[i]!);
    }
    const target = q * this.n;
    let acc = 0;
    for (let k = 0; k < this.bins; k++) {
      const c = this.counts[k]!;
      if (acc + c >= target && c > 0) return this.lo + (k + (target - acc) / c) * this.width;
      acc += c;
    }
    return this.lo + this.bins * this.width;
  }
}

/**
 * Per-dimension streaming statistics of a vector feature: mean and (population) std by Welford's
 * method in float64, min, max, and quantiles q01..q99 from a `QuantileSketch` per dimension.
 */
export class StreamingStats {
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly sketches: QuantileSketch[];
  private n = 0;

  constructor(readonly dim: number, bins = 2048) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
    this.min = new Float64Array(dim).fill(Infinity);
    this.max = new Float64Array(dim).fill(-Infinity);
    this.sketches = Array.from({ length: dim }, () => new QuantileSketch(bins));
  }

  get count(): number {
    return this.n;
  }

  /** Add one row of `dim` values. */
  add(row: ArrayLike<number>, offset = 0): void {
    this.n++;
    const n = this.n;
    for (let j = 0; j < this.dim; j++) {
      const v = row[offset + j]!;
      const d = v - this.mean[j]!;
      this.mean[j]! += d / n;
      this.m2[j]! += d * (v - this.mean[j]!);
      if (v < this.min[j]!) this.min[j] = v;
      if (v > this.max[j]!) this.max[j] = v;
      this.sketches[j]!.add(v);
    }
  }

  /** Add `rows` consecutive rows of a row-major [rows * dim] array. */
  addRows(values: ArrayLike<number>, rows = values.length / this.dim): void {
    for (let r = 0; r < rows; r++) this.add(values, r * this.dim);
  }

  /** Fold another accumulator of the same dimension into this one (Chan et al.'s parallel update). */
  mergeFrom(other: StreamingStats): this {
    if (other.dim !== this.dim) throw new RangeError(`StreamingStats.mergeFrom: dim ${other.dim} != ${this.dim}`);
    const n = this.n + other.n;
    if (other.n === 0) return this;
    for (let j = 0; j < this.dim; j++) {
      const d = other.mean[j]! - this.mean[j]!;
      this.m2[j] = this.m2[j]! + other.m2[j]! + (d * d * this.n * other.n) / n;
      this.mean[j] = this.mean[j]! + (d * other.n) / n;
      this.min[j] = Math.min(this.min[j]!, other.min[j]!);
      this.max[j] = Math.max(this.max[j]!, other.max[j]!);
      this.sketches[j]!.mergeFrom(other.sketches[j]!);
    }
    this.n = n;
    return this;
  }

  result(): FullFeatureStats {
    const f = (a: ArrayLike<number>) => Float32Array.from(a);
    const q = (p: number) => Float32Array.from(this.sketches, (s) => s.quantile(p));
    return {
      mean: f(this.mean),
      std: Float32Array.from(this.m2, (m) => Math.sqrt(this.n > 0 ? m / this.n : 0)),
      min: f(this.min),
      max: f(this.max),
      q01: q(0.01),
      q10: q(0.1),
      q50: q(0.5),
      q90: q(0.9),
      q99: q(0.99),
      count: this.n,
    };
  }
}
