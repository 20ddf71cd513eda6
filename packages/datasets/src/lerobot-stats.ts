import type { ImageFrame } from '@actfusion/contracts';
import { StreamingStats, type FullFeatureStats } from './streaming-stats.js';

/**
 * LeRobot's statistics (`lerobot/datasets/compute_stats.py`): per-episode statistics of every
 * non-string feature, aggregated into meta/stats.json by count-weighted means.
 */

/** The statistics LeRobot stores per feature, in its order (`count` is `[n]`). */
export const LEROBOT_STAT_NAMES = ['min', 'max', 'mean', 'std', 'count', 'q01', 'q10', 'q50', 'q90', 'q99'] as const;
export type LeRobotStatName = (typeof LEROBOT_STAT_NAMES)[number];
type ValueStat = Exclude<LeRobotStatName, 'count'>;
export const VALUE_STAT_NAMES = LEROBOT_STAT_NAMES.filter((s): s is ValueStat => s !== 'count');

/** LeRobot's `estimate_num_samples`: all frames up to 100, then T^0.75 (at most 10,000). */
export function estimateNumSamples(length: number, minSamples = 100, maxSamples = 10_000, power = 0.75): number {
  const lo = length < minSamples ? length : minSamples;
  return Math.max(lo, Math.min(Math.floor(length ** power), maxSamples));
}

/** numpy's round (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** LeRobot's `sample_indices`: `round(linspace(0, T - 1, n))`, the frames whose images enter the statistics. */
export function sampleFrameIndices(length: number): number[] {
  const n = estimateNumSamples(length);
  if (n <= 1) return length > 0 ? [0] : [];
  return Array.from({ length: n }, (_, i) => roundHalfEven((i * (length - 1)) / (n - 1)));
}

/** Per-channel histogram (256 bins) of one RGB frame: every pixel, no spatial subsampling. */
export function frameHistogram(frame: ImageFrame): Uint32Array {
  const h = new Uint32Array(3 * 256);
  const d = frame.data;
  for (let i = 0; i + 2 < d.length; i += 3) {
    h[d[i]!]!++;
    h[256 + d[i + 1]!]!++;
    h[512 + d[i + 2]!]!++;
  }
  return h;
}

/**
 * Image statistics of one episode as LeRobot computes them: over the sampled frames
 * (`sampleFrameIndices`), per channel over their pixels, scaled to [0, 1]; `count` is the number of
 * frames. Computed from exact pixel histograms, so min/max/mean/std describe those frames exactly
 * (LeRobot additionally strides large frames by ~width/150 pixels; we use every pixel).
 */
export function imageStatsFromHistograms(histograms: readonly Uint32Array[], frames: number): FullFeatureStats {
  const total = new Float64Array(3 * 256);
  for (const h of histograms) for (let i = 0; i < total.length; i++) total[i]! += h[i]!;
  const out = { min: new Float32Array(3), max: new Float32Array(3), mean: new Float32Array(3), std: new Float32Array(3) } as Record<ValueStat, Float32Array>;
  const quantiles = { q01: 0.01, q10: 0.1, q50: 0.5, q90: 0.9, q99: 0.99 } as const;
  for (const q of Object.keys(quantiles) as (keyof typeof quantiles)[]) out[q] = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    const bins = total.subarray(c * 256, (c + 1) * 256);
    let n = 0;
    let s = 0;
    let s2 = 0;
    let lo = -1;
    let hi = -1;
    for (let v = 0; v < 256; v++) {
      const k = bins[v]!;
      if (k === 0) continue;
      if (lo < 0) lo = v;
      hi = v;
      n += k;
      s += k * v;
      s2 += k * v * v;
    }
    const mean = n > 0 ? s / n : 0;
    out.min[c] = lo / 255;
    out.max[c] = hi / 255;
    out.mean[c] = mean / 255;
    out.std[c] = Math.sqrt(Math.max(0, n > 0 ? s2 / n - mean * mean : 0)) / 255;
    for (const [key, q] of Object.entries(quantiles) as [keyof typeof quantiles, number][]) {
      // LeRobot: first histogram bin whose cumulative count reaches q * n.
      const target = q * n;
      let acc = 0;
      let v = lo;
      for (let x = lo; x <= hi; x++) {
        acc += bins[x]!;
        if (acc >= target) {
          v = x;
          break;
        }
      }
      out[key][c] = v / 255;
    }
  }
  return { ...(out as unknown as Omit<FullFeatureStats, 'count'>), count: frames };
}

/** Per-episode statistics of a row-major [T * dim] feature (vectors and the scalar index features). */
export function vectorStats(values: ArrayLike<number>, dim: number): FullFeatureStats {
  const s = new StreamingStats(dim);
  s.addRows(values);
  return s.result();
}

/** LeRobot's `aggregate_feature_stats`: count-weighted mean, pooled variance, min/max, count-weighted quantiles. */
export function aggregateStats(parts: readonly FullFeatureStats[]): FullFeatureStats {
  if (parts.length === 0) throw new RangeError('aggregateStats: nothing to aggregate');
  const dim = parts[0]!.mean.length;
  const total = parts.reduce((a, p) => a + p.count, 0);
  const f = (fn: (j: number) => number) => Float32Array.from({ length: dim }, (_, j) => fn(j));
  const mean = Float64Array.from({ length: dim }, (_, j) => parts.reduce((a, p) => a + p.mean[j]! * p.count, 0) / total);
  const weighted = (key: 'q01' | 'q10' | 'q50' | 'q90' | 'q99') => f((j) => parts.reduce((a, p) => a + p[key][j]! * p.count, 0) / total);
  return {
    min: f((j) => Math.min(...parts.map((p) => p.min[j]!))),
    max: f((j) => Math.max(...parts.map((p) => p.max[j]!))),
    mean: Float32Array.from(mean),
    std: f((j) => Math.sqrt(parts.reduce((a, p) => a + (p.std[j]! ** 2 + (p.mean[j]! - mean[j]!) ** 2) * p.count, 0) / total)),
    count: total,
    q01: weighted('q01'),
    q10: weighted('q10'),
    q50: weighted('q50'),
    q90: weighted('q90'),
    q99: weighted('q99'),
  };
}

/** One stat as stored: image features as (3, 1, 1) nested lists, others as flat lists. */
export function statValue(s: FullFeatureStats, stat: LeRobotStatName, image: boolean): number[] | number[][][] {
  if (stat === 'count') return [s.count];
  const v = Array.from(s[stat]);
  return image ? v.map((x) => [[x]]) : v;
}

/** meta/stats.json's entry of one feature. */
export function statsJsonEntry(s: FullFeatureStats, image: boolean): Record<string, unknown> {
  return Object.fromEntries(LEROBOT_STAT_NAMES.map((k) => [k, statValue(s, k, image)]));
}

/** Read back a `stats/<feature>/<stat>` cell (flat or (3, 1, 1) nested) as a flat array. */
export function flattenStatCell(v: unknown): number[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: number[] = [];
  const walk = (x: unknown): boolean => {
    if (Array.isArray(x)) return x.every(walk);
    if (typeof x === 'number' || typeof x === 'bigint') {
      out.push(Number(x));
      return true;
    }
    return false;
  };
  return walk(v) ? out : undefined;
}

/** Per-episode stats of one feature from a meta/episodes row, when every stat is there. */
export function statsFromEpisodeRow(row: Record<string, unknown>, feature: string): FullFeatureStats | undefined {
  const get = (stat: LeRobotStatName) => flattenStatCell(row[`stats/${feature}/${stat}`]);
  const values: Partial<Record<ValueStat, Float32Array>> = {};
  for (const stat of VALUE_STAT_NAMES) {
    const v = get(stat);
    if (!v) return undefined;
    values[stat] = Float32Array.from(v);
  }
  const count = get('count');
  if (!count || count.length !== 1) return undefined;
  return { ...(values as Record<ValueStat, Float32Array>), count: count[0]! };
}
