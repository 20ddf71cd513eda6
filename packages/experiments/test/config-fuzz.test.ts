import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { ConfigError, formatPath } from '../src/config/config-error.js';
import { loadConfig, PRESETS_DIR } from '../src/config/load-config.js';
import { mulberry32 } from './support/mulberry32.js';

// Config fuzzing: >= 1,000 generated and mutated configs (wrong types, missing fields, unknown
// kinds and plug-ins, out-of-range and huge numbers, broken YAML, cyclic `extends`, bad --set).
// Every one must end in a ConfigError that names the file (or the --set flag) and the field;
// a sample also goes through `actfusion train`, which must leave no output folder behind.

type Doc = Record<string, unknown>;
interface Case {
  /** What the mutation did, for the failure message. */
  what: string;
  /** The config file's text. */
  text: string;
  /** Extra files the case needs (name -> text), written beside the config. */
  extra?: Record<string, string>;
  set?: string[];
  /** The field the error must name (dotted), or '' for the whole document. */
  field: string;
  /** Where the error must say the bad value came from (a file name or `--set ...`). */
  blame: string;
}

const PRESETS = ['act', 'act-small', 'mt-act', 'visuo-tactile-act', 'demo'];

/** A preset's own document, resolved (its extends composed by hand is not needed: we keep `extends`). */
async function presetDocs(): Promise<Doc[]> {
  return Promise.all(PRESETS.map(async (p) => ({ extends: p, ...((parse(await readFile(join(PRESETS_DIR, `${p}.yaml`), 'utf8')) as Doc) ?? {}) })));
}

/** Leaf paths of a document with their values (arrays by index). */
function leaves(doc: unknown, prefix: string[] = []): Array<[string[], unknown]> {
  if (doc !== null && typeof doc === 'object') {
    return Object.entries(doc as Doc).flatMap(([k, v]) => leaves(v, [...prefix, k]));
  }
  return [[prefix, doc]];
}

function setAt(doc: Doc, path: readonly string[], value: unknown): Doc {
  const copy = structuredClone(doc);
  let o: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) {
    if (o[k] === null || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  if (value === undefined) delete o[path.at(-1)!];
  else o[path.at(-1)!] = value;
  return copy;
}

/** Numeric fields with their bounds, as the schema states them. */
const NUMERIC: Array<[string, 'int' | 'pos' | 'nonneg' | 'frac']> = [
  ['train.steps', 'int'],
  ['train.batchSize', 'int'],
  ['train.lr', 'pos'],
  ['train.weightDecay', 'nonneg'],
  ['train.seed', 'int'],
  ['policy.dimModel', 'int'],
  ['policy.chunkSize', 'int'],
  ['policy.dropout', 'frac'],
  ['cvae.latentDim', 'int'],
  ['cvae.klWeight', 'nonneg'],
  ['robot.imageHeight', 'int'],
  ['robot.imageWidth', 'int'],
  ['robot.episodeLength', 'int'],
  ['dataset.episodes', 'int'],
  ['dataset.valFraction', 'frac'],
  ['eval.episodes', 'int'],
];
const REQUIRED = ['robot', 'dataset', 'encoders', 'decoder', 'outputDir'];

/** Placeholder outputDir in every generated document; `writeCase` puts a watched folder there. */
const OUT = '__ACTFUSION_FUZZ_OUT__';

function generateCases(presets: Doc[], count: number, seed: number): Case[] {
  const bases: Doc[] = presets.map((b) => ({ ...b, outputDir: OUT }));
  const r = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const cases: Case[] = [];
  const file = 'config.yaml';
  for (let n = 0; cases.length < count; n++) {
    const base = pick(bases);
    const kind = n % 10;
    if (kind === 0) {
      // Wrong type at a random leaf of the preset's own document.
      const [path, value] = pick(leaves(base).filter(([p]) => p[0] !== 'extends' && p[0] !== 'name' && p.at(-1) !== 'kind'));
      const wrong = typeof value === 'number' ? pick(['fast', true, [1], { n: 1 }]) : typeof value === 'boolean' ? pick(['yes', 1, null]) : typeof value === 'string' ? pick([12, false, [value], { v: value }]) : 'x';
      cases.push({ what: `${path.join('.')} = ${JSON.stringify(wrong)}`, text: stringify(setAt(base, path, wrong)), field: path.join('.'), blame: file });
    } else if (kind === 1) {
      // A numeric field out of range: negative, zero, fractional, huge, NaN, infinite.
      const [path, type] = pick(NUMERIC);
      const bad = type === 'frac' ? pick([-0.5, 1, 1.5, 1e9]) : type === 'int' ? pick([-1, 0.5, 1e12, 1e300]) : pick([-1, -1e-9]);
      const value = path === 'train.seed' && bad === 0.5 ? -3 : path === 'train.seed' && bad === -1 ? 2 ** 40 : bad;
      cases.push({ what: `${path} = ${value}`, text: stringify(setAt(base, path.split('.'), value)), field: path, blame: file });
    } else if (kind === 2) {
      const [path] = pick(NUMERIC);
      const token = pick(['.nan', '.inf', '-.inf']);
      const text = `${stringify(setAt(base, path.split('.'), 123456789))}`.replace('123456789', token);
      cases.push({ what: `${path} = ${token}`, text, field: path, blame: file });
    } else if (kind === 3) {
      // A required field missing (the presets set them, so take extends away too).
      const key = pick(REQUIRED);
      const { extends: _e, ...own } = base;
      const full: Doc = { robot: { kind: 'sim', task: 'transfer-cube' }, dataset: { path: 'data/x' }, encoders: [{ kind: 'joints' }], decoder: { kind: 'transformer' }, ...own };
      delete full[key];
      cases.push({ what: `no ${key}`, text: stringify(full), field: key, blame: file });
    } else if (kind === 4) {
      // An unknown key, at the root or in a section.
      const section = pick(['', 'train', 'policy', 'cvae', 'eval', 'dataset', 'execution']);
      const key = pick(['stpes', 'batch_size', 'lR', 'chunk', 'foo']);
      const path = section ? [section, key] : [key];
      cases.push({ what: `unknown ${path.join('.')}`, text: stringify(setAt(base, path, 1)), field: path.join('.'), blame: file });
    } else if (kind === 5) {
      // Unknown kinds and plug-ins that do not exist.
      const kindName = pick(['resnet', 'vision', 'Joints', './missing-plugin.js', '../nowhere/plugin.mjs', '@actfusion/encoder-nope', 'not-a-package-xyz']);
      const encoders = structuredClone((base.encoders as Doc[] | undefined) ?? [{ kind: 'joints' }]);
      const i = Math.floor(r() * encoders.length);
      encoders[i] = { ...encoders[i], kind: kindName };
      cases.push({ what: `encoders.${i}.kind = ${kindName}`, text: stringify({ ...base, encoders }), field: `encoders.${i}.kind`, blame: file });
    } else if (kind === 6) {
      // Broken YAML: cut short inside a flow collection, a tab indent, an unclosed quote.
      const text = stringify(base);
      const broken = pick([`${text}\nencoders: [ {kind: joints}`, `${text}\ntrain:\n\tsteps: 3\n`, `${text}\nname: "unclosed\n`, `${text}\n: bad\n  - x`]);
      cases.push({ what: 'broken YAML', text: broken, field: '', blame: file });
    } else if (kind === 7) {
      // extends: a cycle through a second file, itself, an unknown preset, or not a string.
      const variant = pick(['cycle', 'self', 'unknown', 'number']);
      if (variant === 'cycle') {
        cases.push({ what: 'extends cycle', text: stringify({ ...base, extends: './other.yaml' }), extra: { 'other.yaml': stringify({ extends: `./${file}` }) }, field: 'extends', blame: file });
      } else if (variant === 'self') {
        cases.push({ what: 'extends itself', text: stringify({ ...base, extends: `./${file}` }), field: 'extends', blame: file });
      } else if (variant === 'unknown') {
        cases.push({ what: 'extends unknown preset', text: stringify({ ...base, extends: pick(['act-tiny', 'ACT', 'presets/act']) }), field: 'extends', blame: file });
      } else {
        cases.push({ what: 'extends a number', text: stringify({ ...base, extends: 42 }), field: 'extends', blame: file });
      }
    } else if (kind === 8) {
      // A bad value given on the command line: the error blames the flag, not the file.
      const [path] = pick(NUMERIC);
      const value = pick(['abc', '-5', '1e400', '[1,2]', '{}']);
      cases.push({ what: `--set ${path}=${value}`, text: stringify(base), set: [`${path}=${value}`], field: path, blame: `--set ${path}=${value}` });
    } else {
      // Cross-field rules: heads that do not divide the width, cameras the robot lacks, a batch too big for memory.
      const variant = pick(['heads', 'camera', 'memory']);
      if (variant === 'heads') {
        cases.push({ what: 'nHeads does not divide dimModel', text: stringify(setAt(setAt(base, ['policy', 'dimModel'], 100), ['policy', 'nHeads'], 3)), field: 'policy.nHeads', blame: file });
      } else if (variant === 'camera') {
        const encoders = [{ kind: 'joints' }, { kind: 'vision-resnet', cameras: ['nonexistent_cam'] }];
        cases.push({ what: 'encoder camera not on the robot', text: stringify({ ...base, encoders }), field: 'encoders.1.cameras.0', blame: file });
      } else {
        const doc = setAt(setAt(setAt(base, ['train', 'batchSize'], 4096), ['robot', 'imageHeight'], 480), ['robot', 'imageWidth'], 640);
        cases.push({ what: 'batch of images beyond memory', text: stringify(doc), field: 'train.batchSize', blame: file });
      }
    }
  }
  return cases;
}

/** Writes a case's files; the placeholder outputDir becomes a folder the test watches. */
async function writeCase(dir: string, c: Case, outputDir: string): Promise<string> {
  const file = join(dir, 'config.yaml');
  await writeFile(file, c.text.replaceAll(OUT, JSON.stringify(outputDir).slice(1, -1)));
  for (const [name, t] of Object.entries(c.extra ?? {})) await writeFile(join(dir, name), t);
  return file;
}

describe('config fuzzing', () => {
  it('1,200 generated and mutated configs all end in a ConfigError naming the field and the file or flag', async () => {
    const bases = await presetDocs();
    const cases = generateCases(bases, 1200, 20261127);
    const registry = builtinKinds();
    const root = await mkdtemp(join(tmpdir(), 'actfusion-fuzz-'));
    const tally = new Map<string, number>();
    for (const [n, c] of cases.entries()) {
      const dir = await mkdtemp(join(root, `case-${n}-`));
      const file = await writeCase(dir, c, join(dir, 'out'));
      let error: unknown;
      try {
        await loadConfig(file, { registry, set: c.set ?? [] });
      } catch (err) {
        error = err;
      }
      const label = `case ${n} (${c.what})`;
      expect(error, `${label}: accepted`).toBeInstanceOf(ConfigError);
      const e = error as ConfigError;
      expect(e.message, label).toContain(file);
      const issue = e.issues.find((i) => i.path === c.field || i.path.startsWith(`${c.field}.`) || (c.field === '' && i.path === ''));
      expect(issue, `${label}: no issue at ${c.field} in\n${e.message}`).toBeDefined();
      expect(e.message, label).toContain(formatPath(issue!.path));
      if (c.blame.startsWith('--set')) expect(e.message, label).toContain(`(set in ${c.blame})`);
      const key = c.what.split(/ = |=/)[0]!;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    console.log(`config fuzz: ${cases.length} cases, ${tally.size} distinct mutation kinds, every one a ConfigError naming its field`);
  }, 300_000);

  it('through `actfusion train`, bad configs fail before any work: a one-line error, no output folder', async () => {
    const bases = await presetDocs();
    const cases = generateCases(bases, 40, 7);
    const root = await mkdtemp(join(tmpdir(), 'actfusion-fuzz-cli-'));
    const errors: string[] = [];
    const spyErr = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    const spyLog = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      for (const [n, c] of cases.entries()) {
        const dir = await mkdtemp(join(root, `case-${n}-`));
        const out = join(dir, 'out');
        const file = await writeCase(dir, c, out);
        const args = ['node', 'actfusion', 'train', '-c', file, ...(c.set ?? []).flatMap((s) => ['--set', s])];
        await expect(buildProgram().exitOverride().parseAsync(args), `case ${n} (${c.what})`).rejects.toBeInstanceOf(ConfigError);
        expect(existsSync(out), `case ${n} (${c.what}) left ${out} behind`).toBe(false);
      }
    } finally {
      spyErr.mockRestore();
      spyLog.mockRestore();
    }
    expect(errors.filter((l) => /\n\s+at /.test(l))).toEqual([]);
  }, 300_000);
});
