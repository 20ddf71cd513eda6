#!/usr/bin/env node
// Reproduces docs/results/variants.md: on the multi-instruction task `mt-act` against `act`, on the
// contact task `visuo-tactile-act` against `act`; every variant trained with several seeds and
// evaluated on episode seeds that were never used while choosing settings (the presets in
// packages/experiments/presets/results/ set `eval.split: report`).
//
//   node tools/run-variant-results.mjs [--only multi-instruction|contact] [--variants act,mt-act] [--seeds 0,1,2] [--jobs 2]
//                                      [--runs runs/results] [--report-only] [--set key=value ...]
//
// Every step runs `actfusion` (packages/experiments/dist/cli.js; built first with tsc -b) in its own
// folder under --runs: the dataset is recorded once per task, each (variant, seed) trains into
// <runs>/<comparison>/<variant>/seed-<s> and is resumed (`train --resume`) when interrupted,
// evaluation is skipped when its eval.json exists. So the command can be stopped and started
// again; `--report-only` just rebuilds the table from whatever runs have finished, labelling
// missing runs. `--set` goes to every train/eval (e.g. `--set train.steps=100` for a smoke run).
// docs/results/variants.md is rewritten section by section: a comparison left out by `--only` keeps
// its section from the current file, and the hand-written `## Reading` section at the end is kept.
import 'reflect-metadata';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { actfusion, buildExperiments, experiments, log, root, writeDocument } from './lib/experiments-cli.mjs';

const presets = join(root, 'packages/experiments/presets/results');

const COMPARISONS = {
  'multi-instruction': {
    title: 'Multi-instruction task: mt-act vs act',
    variants: { act: 'lift-colored-cube-act.yaml', 'mt-act': 'lift-colored-cube-mt-act.yaml' },
    /** The variant whose config records the dataset (it needs every modality). */
    recordWith: 'mt-act',
  },
  contact: {
    title: 'Contact task: visuo-tactile-act vs act',
    variants: { act: 'occluded-pick-act.yaml', 'visuo-tactile-act': 'occluded-pick-visuo-tactile-act.yaml' },
    recordWith: 'visuo-tactile-act',
  },
};

function parseArgs(argv) {
  const o = { variants: undefined, only: Object.keys(COMPARISONS), seeds: [0, 1, 2], jobs: 2, runs: join(root, 'runs/results'), reportOnly: false, set: [], out: join(root, 'docs/results') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--only') o.only = next().split(',');
    else if (a === '--variants') o.variants = next().split(',');
    else if (a === '--seeds') o.seeds = next().split(',').map(Number);
    else if (a === '--jobs') o.jobs = Number(next());
    else if (a === '--runs') o.runs = next();
    else if (a === '--out') o.out = next();
    else if (a === '--set') o.set.push(next());
    else if (a === '--report-only') o.reportOnly = true;
    else throw new Error(`unknown argument ${a}`);
  }
  for (const c of o.only) if (!(c in COMPARISONS)) throw new Error(`--only: unknown comparison "${c}"; known: ${Object.keys(COMPARISONS).join(', ')}`);
  if (o.seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error('--seeds: expected non-negative integers');
  if (!(Number.isInteger(o.jobs) && o.jobs > 0)) throw new Error('--jobs: expected a positive integer');
  return o;
}

function trainedSteps(runDir) {
  const last = join(runDir, 'checkpoints', 'last');
  if (!existsSync(last)) return -1;
  const id = readlinkSync(last);
  const stepFile = join(runDir, 'checkpoints', id, 'training_state', 'training_step.json');
  return existsSync(stepFile) ? JSON.parse(readFileSync(stepFile, 'utf8')).step : -1;
}

async function runOne(comparison, variant, seed, o) {
  const c = COMPARISONS[comparison];
  const config = join(presets, c.variants[variant]);
  const runDir = join(o.runs, comparison, variant, `seed-${seed}`);
  await mkdir(dirname(runDir), { recursive: true });
  const sets = [`outputDir=${runDir}`, `train.seed=${seed}`, `dataset.path=${join(o.runs, comparison, 'data')}`, ...o.set].flatMap((s) => ['--set', s]);
  const logFile = `${runDir}.log`;
  if (!existsSync(join(runDir, 'eval', 'eval.json'))) {
    const resume = trainedSteps(runDir) >= 0 ? ['--resume'] : [];
    // killed before its first checkpoint: start that run again from scratch
    if (resume.length === 0) await rm(runDir, { recursive: true, force: true });
    log(`${comparison}/${variant}/seed-${seed}: train${resume.length ? ' (resume)' : ''}`);
    await actfusion(['train', '-c', config, ...sets, ...resume], { logFile });
    log(`${comparison}/${variant}/seed-${seed}: eval`);
    await actfusion(['eval', '-c', config, ...sets], { logFile });
  }
  log(`${comparison}/${variant}/seed-${seed}: done`);
}

async function pool(tasks, jobs) {
  const errors = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++];
      try {
        await t();
      } catch (e) {
        errors.push(e);
        log(`error: ${e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return errors;
}

async function settings(comparison) {
  const { loadConfig, builtinKinds } = await experiments();
  const c = COMPARISONS[comparison];
  const rows = [];
  for (const [variant, file] of Object.entries(c.variants)) {
    const k = await loadConfig(join(presets, file), { registry: builtinKinds() });
    const encoders = k.encoders.map((e) => Object.entries(e).map(([key, v]) => (key === 'kind' ? v : `${key}=${JSON.stringify(v)}`)).join(' ')).join('; ');
    rows.push(
      `| ${variant} | \`presets/results/${file}\` | ${encoders} | ${k.robot.imageHeight}x${k.robot.imageWidth} ${k.robot.cameras.join(',')} | ` +
        `D=${k.policy.dimModel}, ${k.policy.nEncoderLayers}+${k.policy.nDecoderLayers} layers, chunk ${k.policy.chunkSize} (${k.execution.mode}) | ` +
        `${k.dataset.episodes} demos, ${k.train.steps} steps x batch ${k.train.batchSize}, lr ${k.train.lr} | ${k.eval.episodes} x seeds [${k.eval.seeds.join(', ')}] |`,
    );
  }
  return ['| variant | preset | encoders | camera | model | training | evaluation episodes |', '|---|---|---|---|---|---|---|', ...rows, ''].join('\n');
}

/**
 * The current variants.md split into its comparison sections (by `### <title>` heading) and the
 * hand-written tail from `## Reading` on, so that a partial run rewrites only what it ran.
 */
function currentSections(file) {
  if (!existsSync(file)) return { sections: {}, reading: '' };
  const text = readFileSync(file, 'utf8');
  const at = text.search(/^## Reading/m);
  const body = at >= 0 ? text.slice(0, at) : text;
  const reading = at >= 0 ? text.slice(at) : '';
  const sections = {};
  for (const part of body.split(/^(?=### )/m).slice(1)) {
    const comparison = Object.keys(COMPARISONS).find((k) => part.startsWith(`### ${COMPARISONS[k].title}`));
    if (comparison) sections[comparison] = part.trimEnd() + '\n';
  }
  return { sections, reading };
}

async function report(o, kept) {
  const { writeVariantReport } = await experiments();
  const sections = [];
  for (const comparison of Object.keys(COMPARISONS)) {
    const c = COMPARISONS[comparison];
    if (!o.only.includes(comparison)) {
      sections.push(kept[comparison] ?? `### ${c.title}\n\nNot run.\n`);
      continue;
    }
    const runs = [];
    const missing = [];
    for (const variant of Object.keys(c.variants)) {
      for (const seed of o.seeds) {
        const file = join(o.runs, comparison, variant, `seed-${seed}`, 'eval', 'eval.json');
        if (existsSync(file)) runs.push({ variant, seed, eval: JSON.parse(readFileSync(file, 'utf8')) });
        else missing.push(`${variant} seed ${seed}`);
      }
    }
    if (runs.length === 0) {
      sections.push(`### ${c.title}\n\nNo finished runs yet (missing: ${missing.join(', ')}).\n`);
      continue;
    }
    const md = await writeVariantReport(o.out, `variants-${comparison}`, c.title, runs);
    sections.push(`${md}\n${missing.length ? `**Partial:** runs not finished: ${missing.join(', ')}.\n\n` : ''}![${comparison}](variants-${comparison}.png)\n\n${await settings(comparison)}`);
  }
  return sections.join('\n');
}

const o = parseArgs(process.argv.slice(2));
buildExperiments();
if (!o.reportOnly) {
  for (const comparison of o.only) {
    const c = COMPARISONS[comparison];
    const data = join(o.runs, comparison, 'data');
    if (!existsSync(data)) {
      await mkdir(join(o.runs, comparison), { recursive: true });
      log(`${comparison}: recording ${data}`);
      const sets = [`dataset.path=${data}`, `outputDir=${join(o.runs, comparison)}`, ...o.set].flatMap((s) => ['--set', s]);
      await actfusion(['record', '-c', join(presets, c.variants[c.recordWith]), ...sets], { logFile: join(o.runs, comparison, 'record-log.txt') });
    }
  }
  const tasks = o.only.flatMap((comparison) =>
    o.seeds.flatMap((seed) =>
      Object.keys(COMPARISONS[comparison].variants)
        .filter((variant) => o.variants === undefined || o.variants.includes(variant))
        .map((variant) => () => runOne(comparison, variant, seed, o)),
    ),
  );
  const errors = await pool(tasks, o.jobs);
  if (errors.length > 0) log(`${errors.length} run(s) failed; the report lists them as missing`);
}
const outFile = join(o.out, 'variants.md');
const current = currentSections(outFile);
const text = await report(o, current.sections);
const doc = [
  '# ACT variants: language and touch against plain ACT',
  '',
  'Generated by `node tools/run-variant-results.mjs` (see the header of that script). Each variant is trained',
  'with the listed training seeds on the same scripted demonstrations and evaluated in the MuJoCo simulator;',
  'rows pool all episodes of a variant (training seeds x evaluation episodes), every stage with its',
  'Wilson 95 % interval. Evaluation episodes use the `report` seed range (`eval.split: report`; with eval seed 0',
  'these are simulator seeds 2,000,000,000 + e, see `evalEpisodeSeed`), never used while choosing settings;',
  'demonstrations use seeds 0, 1, ....',
  '',
  text,
  current.reading,
].join('\n');
await mkdir(o.out, { recursive: true });
await writeDocument(outFile, doc);
console.log(doc);
