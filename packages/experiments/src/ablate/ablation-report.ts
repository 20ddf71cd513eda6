import { join } from 'node:path';
import { ablationPlotSpec } from '../charts/ablation-plot.js';
import { writeChart } from '../charts/render-chart.js';
import { successBarsSpec } from '../charts/success-bars.js';
import { writeFileAtomic } from '@actfusion/atomic-file';
import type { AblationCell } from './aggregate-trials.js';

const pct = (x: number): string => (Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a');
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The ablation table as Markdown: one row per cell, success in percent with both intervals. */
export function ablationMarkdown(cells: readonly AblationCell[], title = 'Ablation'): string {
  const keys = Object.keys(cells[0]?.params ?? {});
  const head = [...keys, 'seeds', 'success % (mean)', '95% t-CI over seeds', 'episodes', 'pooled 95% Wilson CI', 'per seed'];
  const rows = cells.map((c) => [
    ...keys.map((k) => show(c.params[k])),
    String(c.seeds.length),
    pct(c.mean),
    `[${pct(c.tLower)}, ${pct(c.tUpper)}]`,
    `${c.successes}/${c.episodes}`,
    `[${pct(c.wilsonLower)}, ${pct(c.wilsonUpper)}]`,
    c.seedSuccesses.map((n, i) => `${n}/${c.seedEpisodes[i]}`).join(', '),
  ]);
  const table = (h: string[], rs: string[][]): string[] => [`| ${h.join(' | ')} |`, `|${h.map(() => '---').join('|')}|`, ...rs.map((r) => `| ${r.join(' | ')} |`)];
  const lines = [`## ${title}`, '', ...table(head, rows), ''];
  const stageNames = cells[0]?.stages?.map((s) => s.name);
  if (stageNames && cells.every((c) => c.stages?.length === stageNames.length)) {
    lines.push(
      'Episodes reaching each reward stage, pooled over seeds, with the Wilson 95% interval:',
      '',
      ...table(
        [...keys, ...stageNames],
        cells.map((c) => [...keys.map((k) => show(c.params[k])), ...c.stages!.map((s) => `${s.successes}/${c.episodes} [${pct(s.lower)}, ${pct(s.upper)}]`)]),
      ),
      '',
    );
  }
  return lines.join('\n');
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The ablation table as CSV (rates as fractions, full precision). */
export function ablationCsv(cells: readonly AblationCell[]): string {
  const keys = Object.keys(cells[0]?.params ?? {});
  const head = [...keys, 'seeds', 'mean', 't_lower', 't_upper', 'successes', 'episodes', 'wilson_lower', 'wilson_upper', 'rates'];
  const rows = cells.map((c) => [
    ...keys.map((k) => show(c.params[k])),
    String(c.seeds.length),
    String(c.mean),
    String(c.tLower),
    String(c.tUpper),
    String(c.successes),
    String(c.episodes),
    String(c.wilsonLower),
    String(c.wilsonUpper),
    c.rates.join(' '),
  ]);
  return `${[head, ...rows].map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

/** Writes `ablation.md`, `ablation.csv`, `ablation.json` and the plots into `dir`. */
export async function writeAblationReport(
  cells: readonly AblationCell[],
  dir: string,
  title: string,
  provenance: { runner: string; trials: number; reused?: number } = { runner: 'unknown', trials: cells.reduce((n, c) => n + c.seeds.length, 0) },
): Promise<{ markdown: string; files: string[] }> {
  const note =
    `Trial runner: \`${provenance.runner}\`; ${provenance.trials} trials` +
    (provenance.reused ? ` (${provenance.reused} reused from an earlier, interrupted run of the same configs)` : '') +
    '.\n';
  const markdown = `${ablationMarkdown(cells, title)}\n${note}`;
  const files = [join(dir, 'ablation.md'), join(dir, 'ablation.csv'), join(dir, 'ablation.json')];
  await writeFileAtomic(files[0]!, markdown);
  await writeFileAtomic(files[1]!, ablationCsv(cells));
  await writeFileAtomic(files[2]!, `${JSON.stringify({ runner: provenance.runner, trials: provenance.trials, reused: provenance.reused ?? 0, cells }, null, 2)}\n`);
  const plot = await writeChart(
    ablationPlotSpec(cells.map((c) => ({ params: c.params, mean: c.mean, lower: c.tLower, upper: c.tUpper })), { title }),
    join(dir, 'ablation-plot'),
  );
  const bars = await writeChart(
    successBarsSpec(
      cells.map((c) => ({ label: Object.values(c.params).map(show).join(', ') || 'base', rate: c.successes / c.episodes, lower: c.wilsonLower, upper: c.wilsonUpper })),
      { title: `${title}: pooled episodes`, intervalName: 'Wilson 95%' },
    ),
    join(dir, 'ablation-bars'),
  );
  files.push(plot.svg, plot.png, bars.svg, bars.png);
  return { markdown, files };
}
