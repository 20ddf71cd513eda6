#!/usr/bin/env node
// Pools the final-stage success of several `actfusion eval` outputs (e.g. one per training seed) into
// one bar per group, with the Wilson 95 % interval, and prints the markdown rows; the picture goes
// to <out>.png/.svg/.vl.json. Used for docs/results/transfer-cube.md:
//
//   node tools/plot-pooled-success.mjs --out docs/results/bimanual-pooled --title "..." \
//     "transfer-cube, 10,000 steps=runs/transfer-cube/eval-010000/eval.json,runs/transfer-cube-s1001/eval-010000/eval.json" ...
//
// Each group is `label=file,file,...`; an optional `@group` after the label (`label@20,000 steps=...`)
// draws grouped bars. `label@group=reference:86` draws a published figure (86 %) without an interval.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { buildExperiments, experiments } from './lib/experiments-cli.mjs';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) return undefined;
  return args.splice(i, 2)[1];
};
const out = flag('--out');
const title = flag('--title') ?? 'Success rate, pooled over training seeds';
if (!out || args.length === 0) {
  console.error('usage: plot-pooled-success.mjs --out <base> [--title T] "label[@group]=eval.json,eval.json" ...');
  process.exit(2);
}
buildExperiments();
const { successBarsSpec, wilsonInterval, writeChart } = await experiments();
const bars = args.map((arg) => {
  const eq = arg.indexOf('=');
  if (eq < 1) throw new Error(`expected label=eval.json,..., got "${arg}"`);
  const [label, group] = arg.slice(0, eq).split('@');
  const value = arg.slice(eq + 1);
  if (value.startsWith('reference:')) {
    const pct = Number(value.slice('reference:'.length));
    if (!(pct >= 0 && pct <= 100)) throw new Error(`"${arg}": expected reference:<percent 0-100>`);
    console.log(`| ${label}${group ? ` (${group})` : ''} | published | ${pct} % | |`);
    return { label, ...(group ? { group } : {}), rate: pct / 100, lower: pct / 100, upper: pct / 100 };
  }
  const files = value.split(',');
  let successes = 0;
  let episodes = 0;
  const perFile = files.map((f) => {
    const e = JSON.parse(readFileSync(f, 'utf8'));
    if (typeof e.successes !== 'number' || typeof e.episodes !== 'number') throw new Error(`${f}: not an eval.json (no successes/episodes)`);
    successes += e.successes;
    episodes += e.episodes;
    return `${e.successes}/${e.episodes}`;
  });
  const w = wilsonInterval(successes, episodes);
  console.log(`| ${label}${group ? ` (${group})` : ''} | ${perFile.join(', ')} | ${successes}/${episodes} (${(100 * w.estimate).toFixed(1)} %) | [${(100 * w.lower).toFixed(1)}, ${(100 * w.upper).toFixed(1)}] |`);
  return { label, ...(group ? { group } : {}), rate: w.estimate, lower: w.lower, upper: w.upper };
});
const paths = await writeChart(successBarsSpec(bars, { title, intervalName: 'Wilson 95%' }), out);
console.error(`wrote ${paths.png}`);
