import { join } from 'node:path';
import { writeChart } from '../charts/render-chart.js';
import { successBarsSpec, type SuccessBar } from '../charts/success-bars.js';
import { writeFileAtomic } from '@actfusion/atomic-file';
import type { EvalSummary } from '../pipeline/evaluate-policy.js';
import { wilsonInterval } from '../stats/wilson-interval.js';

/** One trained-and-evaluated run of a variant (one training seed). */
export interface VariantRun {
  readonly variant: string;
  readonly seed: number;
  readonly eval: Pick<EvalSummary, 'task' | 'episodes' | 'successes' | 'stageReached' | 'stageNames' | 'failures'>;
}

/** Label of the failure column and bar: the task's failure condition (both tasks: the wrong object picked up). */
export const FAILURE_LABEL = 'failed: the wrong object picked up';

/** A variant's runs pooled: per reward stage, episodes reaching it over all seeds, Wilson 95 %. */
export interface VariantRow {
  readonly variant: string;
  readonly seeds: number[];
  readonly episodes: number;
  /** Per stage: episodes that reached it (pooled over seeds). */
  readonly reached: number[];
  /** Final-stage successes per seed, in seed order. */
  readonly perSeed: { seed: number; successes: number; episodes: number }[];
  /** Episodes that ended on the task's failure condition (pooled); undefined when a run did not count them. */
  readonly failures: number | undefined;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}`;

/** Pools runs by variant (first-seen order); every run must be on the same task and stages. */
export function poolVariants(runs: readonly VariantRun[]): { rows: VariantRow[]; stageNames: string[]; task: string } {
  if (runs.length === 0) throw new Error('variant report: no runs');
  const { stageNames, task } = runs[0]!.eval;
  const rows = new Map<string, { seeds: number[]; episodes: number; reached: number[]; perSeed: VariantRow['perSeed']; failures: number | undefined }>();
  for (const r of runs) {
    if (r.eval.task !== task || r.eval.stageNames.join('|') !== stageNames.join('|')) {
      throw new Error(`variant report: run ${r.variant} seed ${r.seed} is on ${r.eval.task} (${r.eval.stageNames.join(', ')}), expected ${task}`);
    }
    const row = rows.get(r.variant) ?? { seeds: [], episodes: 0, reached: stageNames.map(() => 0), perSeed: [], failures: 0 };
    row.failures = row.failures === undefined || r.eval.failures === undefined ? undefined : row.failures + r.eval.failures;
    row.seeds.push(r.seed);
    row.episodes += r.eval.episodes;
    r.eval.stageReached.forEach((n, i) => (row.reached[i]! += n));
    row.perSeed.push({ seed: r.seed, successes: r.eval.successes, episodes: r.eval.episodes });
    rows.set(r.variant, row);
  }
  return { rows: [...rows].map(([variant, row]) => ({ variant, ...row })), stageNames: [...stageNames], task };
}

/** The comparison as Markdown: one row per variant, every stage as k/n, percent and Wilson 95 % interval. */
export function variantMarkdown(title: string, runs: readonly VariantRun[]): string {
  const { rows, stageNames, task } = poolVariants(runs);
  const withFailures = rows.every((r) => r.failures !== undefined);
  const header = ['variant', 'training seeds', 'episodes', ...stageNames.map((s, i) => `stage ${i + 1}: ${s}`), ...(withFailures ? [FAILURE_LABEL] : []), 'success per seed'];
  const cell = (k: number, n: number): string => {
    const w = wilsonInterval(k, n);
    return `${k}/${n} = ${pct(w.estimate)} % [${pct(w.lower)}, ${pct(w.upper)}]`;
  };
  const lines = rows.map((r) => {
    const stages = r.reached.map((k) => cell(k, r.episodes));
    if (withFailures) stages.push(cell(r.failures!, r.episodes));
    const perSeed = r.perSeed.map((p) => `${p.successes}/${p.episodes}`).join(', ');
    return `| ${r.variant} | ${r.seeds.join(', ')} | ${r.episodes} | ${stages.join(' | ')} | ${perSeed} |`;
  });
  return [`### ${title} (\`${task}\`)`, '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines, ''].join('\n');
}

/** Bars per stage (x) and variant (group), pooled over seeds, with Wilson 95 % whiskers. */
export function variantBars(runs: readonly VariantRun[]): SuccessBar[] {
  const { rows, stageNames } = poolVariants(runs);
  const bar = (label: string, group: string, k: number, n: number): SuccessBar => {
    const w = wilsonInterval(k, n);
    return { label, group, rate: w.estimate, lower: w.lower, upper: w.upper };
  };
  const stages = stageNames.flatMap((stage, i) => rows.map((r) => bar(stage, r.variant, r.reached[i]!, r.episodes)));
  const failures = rows.every((r) => r.failures !== undefined) ? rows.map((r) => bar(FAILURE_LABEL, r.variant, r.failures!, r.episodes)) : [];
  return [...stages, ...failures];
}

/** Writes `<name>.md` and `<name>.{svg,png}` into `dir`; returns the Markdown. */
export async function writeVariantReport(dir: string, name: string, title: string, runs: readonly VariantRun[]): Promise<string> {
  const markdown = variantMarkdown(title, runs);
  await writeFileAtomic(join(dir, `${name}.md`), markdown);
  await writeChart(successBarsSpec(variantBars(runs), { title: `${title}: ${runs.length} runs`, intervalName: 'Wilson 95%' }), join(dir, name));
  return markdown;
}
