import { tInterval } from '../stats/t-interval.js';
import { wilsonInterval } from '../stats/wilson-interval.js';
import type { TrialResult, TrialSpec } from './trial.js';

/** One row of the ablation table. */
export interface AblationCell {
  cell: number;
  params: Record<string, unknown>;
  seeds: number[];
  /** Success rate per seed, in seed order. */
  rates: number[];
  /** Successes and episodes per seed, in seed order. */
  seedSuccesses: number[];
  seedEpisodes: number[];
  /** Mean over seeds with its t-interval (spread between training seeds), clipped to [0, 1]. */
  mean: number;
  tLower: number;
  tUpper: number;
  /** All episodes pooled, with the Wilson interval (spread between episodes). */
  successes: number;
  episodes: number;
  wilsonLower: number;
  wilsonUpper: number;
  /** Mean of the final training losses, when reported. */
  finalLoss?: number;
  /** Episodes that reached each reward stage, pooled over seeds, with Wilson intervals (when every trial reported stages). */
  stages?: { name: string; successes: number; lower: number; upper: number }[];
}

/** Stage counts pooled over a cell's trials; undefined unless every trial reported the same number of stages. */
function poolStages(rs: readonly TrialResult[], episodes: number, confidence: number): AblationCell['stages'] {
  const n = rs[0]?.stageSuccesses?.length ?? 0;
  if (n === 0 || rs.some((r) => r.stageSuccesses?.length !== n)) return undefined;
  return Array.from({ length: n }, (_, i) => {
    const successes = rs.reduce((sum, r) => sum + r.stageSuccesses![i]!, 0);
    const w = wilsonInterval(successes, episodes, confidence);
    return { name: rs[0]!.stageNames?.[i] ?? `stage ${i + 1}`, successes, lower: w.lower, upper: w.upper };
  });
}

/**
 * Groups trial results by grid cell. The output depends only on the trials and the results
 * keyed by trial id, never on completion order, so local and queued runs give the same table.
 */
export function aggregateTrials(trials: readonly TrialSpec[], results: ReadonlyMap<string, TrialResult>, confidence = 0.95): AblationCell[] {
  const byCell = new Map<number, TrialSpec[]>();
  for (const t of trials) byCell.set(t.cell, [...(byCell.get(t.cell) ?? []), t]);
  return [...byCell.entries()]
    .sort(([a], [b]) => a - b)
    .map(([cell, cellTrials]) => {
      const sorted = [...cellTrials].sort((a, b) => a.seed - b.seed);
      const rs = sorted.map((t) => {
        const r = results.get(t.id);
        if (r === undefined) throw new Error(`no result for trial ${t.id}`);
        return r;
      });
      const rates = rs.map((r) => r.successes / r.episodes);
      const t = tInterval(rates, confidence);
      const successes = rs.reduce((s, r) => s + r.successes, 0);
      const episodes = rs.reduce((s, r) => s + r.episodes, 0);
      const w = wilsonInterval(successes, episodes, confidence);
      const stages = poolStages(rs, episodes, confidence);
      const losses = rs.map((r) => r.finalLoss).filter((l): l is number => typeof l === 'number');
      return {
        cell,
        params: sorted[0]!.params,
        seeds: sorted.map((s) => s.seed),
        rates,
        seedSuccesses: rs.map((r) => r.successes),
        seedEpisodes: rs.map((r) => r.episodes),
        mean: t.estimate,
        tLower: Math.max(0, t.lower),
        tUpper: Math.min(1, t.upper),
        successes,
        episodes,
        wilsonLower: w.lower,
        wilsonUpper: w.upper,
        ...(losses.length > 0 ? { finalLoss: losses.reduce((a, b) => a + b, 0) / losses.length } : {}),
        ...(stages ? { stages } : {}),
      };
    });
}
