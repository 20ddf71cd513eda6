import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KindRegistry } from '../composition/kind-registry.js';
import { ConfigError } from '../config/config-error.js';
import { loadDocument } from '../config/load-config.js';
import { resolveOptionPaths } from '../config/resolve-option-paths.js';
import { validateExperiment } from '../config/validate-experiment.js';
import { writeResolvedConfig } from '../config/write-resolved-config.js';
import { writeFileAtomic } from '@actfusion/atomic-file';
import { expandTrials } from './ablation-grid.js';
import { writeAblationReport } from './ablation-report.js';
import { aggregateTrials, type AblationCell } from './aggregate-trials.js';
import { runTrialsLocally } from './run-trials-locally.js';
import { checkRedisReachable, runTrialsOnQueue } from './trial-queue.js';
import type { TrialResult, TrialSpec } from './trial.js';
import { TrialResultsStore } from './trial-results-store.js';
import type { TrialRunnerRef, TrialRunnerRegistry } from './trial-runners.js';
import { join } from 'node:path';

export interface AblationOptions {
  config: string;
  set?: readonly string[];
  /** `key=v1,v2,...` (values read as YAML); replaces or adds grid keys of the config's `ablation`. */
  grid?: readonly string[];
  seeds?: readonly number[];
  registry: KindRegistry;
  runner: TrialRunnerRef;
  runners: TrialRunnerRegistry;
  /** `redis://HOST:PORT`: run trials on BullMQ workers instead of in this process. */
  queue?: string;
  queueName?: string;
  out?: string;
  dryRun?: boolean;
  log?: (line: string) => void;
  /** Stop request (Ctrl-C): finished trials stay stored; the run throws `TrialInterruptedError`. */
  signal?: AbortSignal;
}

/** Parses `--grid key=v1,v2`. */
export function parseGridOption(text: string): [string, unknown[]] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError('--grid', [{ path: '', message: `expected key.path=v1,v2,..., got "${text}"` }]);
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => parseYaml(v) as unknown);
  if (values.length === 0) throw new ConfigError('--grid', [{ path: text.slice(0, eq), message: 'expected at least one value' }]);
  return [text.slice(0, eq), values];
}

/**
 * `actfusion ablate`: grid x seeds, every trial config validated before the first trial runs,
 * trials run here or on a queue, then the table (Markdown, CSV, JSON) and plots in `out`.
 */
export async function runAblation(options: AblationOptions): Promise<{ cells: AblationCell[]; markdown: string; dir: string; trials: number }> {
  const log = options.log ?? (() => {});
  const { document, origins } = await loadDocument(options.config, { ...(options.set ? { set: options.set } : {}) });
  const file = resolve(options.config);
  resolveOptionPaths(document, options.registry, origins, file);
  const base = validateExperiment(document, { file, registry: options.registry, origins });
  const grid: Record<string, unknown[]> = { ...(base.ablation?.grid ?? {}) };
  for (const g of options.grid ?? []) {
    const [key, values] = parseGridOption(g);
    grid[key] = values;
  }
  if (Object.keys(grid).length === 0) {
    throw new ConfigError(file, [{ path: 'ablation.grid', message: 'expected at least one key to vary (in the config or with --grid key=v1,v2)' }]);
  }
  const seeds = options.seeds ?? base.ablation?.seeds ?? [0, 1, 2];
  const dir = options.out ?? base.outputDir;
  // Local trials with equal training configs share one training (queued trials each train: two
  // workers must not write one training folder at the same time).
  const trainingDir = options.queue === undefined ? (base.ablation?.trainingDir ?? join(dir, 'training')) : undefined;
  const trials = expandTrials(document, { grid, seeds }, { file, registry: options.registry, origins, outputDir: dir, ...(trainingDir ? { trainingDir } : {}) });
  const trainings = new Set(trials.map((t) => t.trainingDir ?? t.id)).size;
  // the runner must exist before anything runs
  options.runners.create(options.runner);
  log(
    `${trials.length} trials: ${Object.keys(grid).join(' x ')} x ${seeds.length} seeds, runner ${options.runner.name}${options.queue ? `, queue ${options.queue}` : ', local'}` +
      (trainings < trials.length ? `; ${trainings} trainings (trials differing only in execution/eval share one, in ${trainingDir})` : ''),
  );
  // An unreachable queue fails before the output folder is made.
  if (options.queue !== undefined && !(options.dryRun ?? false)) await checkRedisReachable(options.queue);
  await writeResolvedConfig({ ...base, ablation: { grid, seeds: [...seeds], ...(base.ablation?.trainingDir ? { trainingDir: base.ablation.trainingDir } : {}) }, outputDir: dir }, dir);
  await writeFileAtomic(
    join(dir, 'trials.json'),
    `${JSON.stringify(trials.map((t) => ({ id: t.id, params: t.params, seed: t.seed, ...(t.trainingDir ? { trainingDir: t.trainingDir } : {}) })), null, 2)}\n`,
  );
  if (options.dryRun ?? false) return { cells: [], markdown: '', dir, trials: trials.length };
  const store = new TrialResultsStore(dir);
  const results = new Map<string, TrialResult>();
  for (const t of trials) {
    const done = store.get(t);
    if (done) results.set(t.id, done);
  }
  const todo = trials.filter((t) => !results.has(t.id));
  if (results.size > 0) log(`${results.size} of ${trials.length} trials already finished in ${join(dir, 'trials')}; running the other ${todo.length}`);
  const save = (trial: TrialSpec, result: TrialResult): Promise<void> => store.put(trial, result);
  const fresh =
    todo.length === 0
      ? new Map<string, TrialResult>()
      : options.queue === undefined
        ? await runTrialsLocally(todo, options.runners.create(options.runner), log, save, options.signal)
        : await runTrialsOnQueue(todo, { url: options.queue, runner: options.runner, log, onResult: save, ...(options.queueName ? { queueName: options.queueName } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  for (const [id, r] of fresh) results.set(id, r);
  const cells = aggregateTrials(trials, results);
  // The runner is part of the result: a synthetic run says so in every title.
  const title = options.runner.name === 'act' ? base.name : `${base.name} (${options.runner.name} trials${options.runner.name === 'synthetic' ? ': not a learning result' : ''})`;
  const { markdown } = await writeAblationReport(cells, dir, title, { runner: options.runner.name, trials: trials.length, reused: trials.length - todo.length });
  return { cells, markdown, dir, trials: trials.length };
}
