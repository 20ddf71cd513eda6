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
  readonly eval: Pick<EvalSummary, 'task' | 'episodes' | 'successes' | 'stageReached' | 'stageNames'>;
}

/** A variant's runs pooled: per reward stage, episodes reaching it over all seeds, Wilson 95 %. */
export interface VariantRow {
  readonly variant: string;
  readonly seeds: number[];
  readonly episodes: number;
  /** Per stage: episodes that reached it (pooled over seeds). */
  readonly reached: number[];
  /** Final-stage successes per seed, in seed order. */
  readonly perSeed: { seed: number; successes: number; episodes: number }[];
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}`;

/** Pools runs by variant (first-seen order); every run must be on the same task and stages. */
export function poolVariants(runs: readonly VariantRun[]): { rows: VariantRow[]; stageNames: string[]; task: string } {
  if (runs.length === 0) throw new Error('variant report: no runs');
  const { stageNames, task } = runs[0]!.eval;
  const rows = new Map<string, { seeds: number[]; episodes: number; reached: number[]; perSeed: VariantRow['perSeed'] }>();
  for (const r of runs) {
    if (r.eval.task !== task || r.eval.stageNames.join('|') !== stageNames.join('|')) {
      throw new Error(`variant report: run ${r.variant} seed ${r.seed} is on ${r.eval.task} (${r.eval.stageNames.join(', ')}), expected ${task}`);
    }
    const row = rows.get(r.variant) ?? { seeds: [], episodes: 0, reached: stageNames.map(() => 0), perSeed: [] };
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
  const header = ['variant', 'training seeds', 'episodes', ...stageNames.map((s, i) => `stage ${i + 1}: ${s}`), 'success per seed'];
  const lines = rows.map((r) => {
    const stages = r.reached.map((k) => {
      const w = wilsonInterval(k, r.episodes);
      return `${k}/${r.episodes} = ${pct(w.estimate)} % [${pct(w.lower)}, ${pct(w.upper)}]`;
    });
    const perSeed = r.perSeed.map((p) => `${p.successes}/${p.episodes}`).join(', ');
    return `| ${r.variant} | ${r.seeds.join(', ')} | ${r.episodes} | ${stages.join(' | ')} | ${perSeed} |`;
  });
  return [`### ${title} (\`${task}\`)`, '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines, ''].join('\n');
}

/** Bars per stage (x) and variant (group), pooled over seeds, with Wilson 95 % whiskers. */
export function variantBars(runs: readonly VariantRun[]): SuccessBar[] {
  const { rows, stageNames } = poolVariants(runs);
  return stageNames.flatMap((stage, i) =>
    rows.map((r) => {
      const w = wilsonInterval(r.reached[i]!, r.episodes);
      return { label: stage, group: r.variant, rate: w.estimate, lower: w.lower, upper: w.upper };
    }),
  );
}

/** Writes `<name>.md` and `<name>.{svg,png}` into `dir`; returns the Markdown. */
export async function writeVariantReport(dir: string, name: string, title: string, runs: readonly VariantRun[]): Promise<string> {
  const markdown = variantMarkdown(title, runs);
  await writeFileAtomic(join(dir, `${name}.md`), markdown);
  await writeChart(successBarsSpec(variantBars(runs), { title: `${title}: ${runs.length} runs`, intervalName: 'Wilson 95%' }), join(dir, name));
  return markdown;
}
