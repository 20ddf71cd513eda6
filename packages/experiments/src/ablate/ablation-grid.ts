import type { KindRegistry } from '../composition/kind-registry.js';
import { ConfigError, type ConfigIssue } from '../config/config-error.js';
import type { Origins } from '../config/deep-merge.js';
import { applyOverride, parseOverride } from '../config/overrides.js';
import { validateExperiment } from '../config/validate-experiment.js';
import type { TrialSpec } from './trial.js';
import { trainingKey } from './training-key.js';

/** Cartesian product of the grid, in key order (the first key varies slowest). */
export function gridCells(grid: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  let cells: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    cells = cells.flatMap((cell) => values.map((v) => ({ ...cell, [key]: v })));
  }
  return cells;
}

export function cellLabel(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length === 0 ? 'base' : parts.join(',');
}

/**
 * Expands an ablation into trials: every grid cell x every seed (written to `train.seed`),
 * each config validated up front. A bad grid value fails here, naming every bad cell, before
 * any trial runs.
 */
export function expandTrials(
  document: Record<string, unknown>,
  ablation: { grid: Record<string, readonly unknown[]>; seeds: readonly number[] },
  options: {
    file: string;
    registry: KindRegistry;
    origins?: Origins;
    outputDir: string;
    /** Train in `<trainingDir>/<training key>`, shared by trials with equal training configs; unset: each in its own outputDir. */
    trainingDir?: string;
  },
): TrialSpec[] {
  const trials: TrialSpec[] = [];
  const issues: ConfigIssue[] = [];
  const base = { ...document };
  delete base.ablation;
  gridCells(ablation.grid).forEach((params, cell) => {
    for (const seed of ablation.seeds) {
      const id = `${cellLabel(params)}|seed=${seed}`;
      let doc = base;
      try {
        for (const [key, value] of Object.entries(params)) {
          const parsed = parseOverride(`${key}=x`);
          doc = applyOverride(doc, { ...parsed, value });
        }
        doc = applyOverride(doc, { path: ['train', 'seed'], value: seed, text: `train.seed=${seed}` });
        doc = applyOverride(doc, { path: ['outputDir'], value: `${options.outputDir}/trials/${safeName(id)}`, text: '' });
        const config = validateExperiment(doc, { file: options.file, registry: options.registry, ...(options.origins ? { origins: options.origins } : {}) });
        const trainingDir = options.trainingDir === undefined ? {} : { trainingDir: `${options.trainingDir}/${trainingKey(config)}` };
        trials.push({ id, cell, params, seed, config, ...trainingDir });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const i of err.issues) issues.push({ ...i, message: `${i.message} [ablation cell ${cellLabel(params)}]` });
        break;
      }
    }
  });
  if (issues.length > 0) throw new ConfigError(options.file, issues);
  return trials;
}

/** A file-system-safe folder name for a trial id. */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.=-]+/g, '_');
}
