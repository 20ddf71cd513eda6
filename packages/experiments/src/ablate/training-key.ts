import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ExperimentConfig } from '../config/experiment-schema.js';

/**
 * The parts of a config that do not change what training produces: where outputs go, how the
 * trained policy is executed and evaluated, the run's name and its ablation section.
 */
export const NOT_TRAINING = ['name', 'outputDir', 'execution', 'eval', 'ablation'] as const;

/** Stable JSON: object keys sorted, so the key does not depend on the order keys were written in. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, stable((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * A hash of everything in `config` that training depends on. Two trials with the same key
 * train the same policy (same data, model, optimiser, steps and seed), so an ablation trains it
 * once and evaluates the checkpoint under each trial's `execution` / `eval` settings.
 */
export function trainingKey(config: ExperimentConfig): string {
  const training: Record<string, unknown> = { ...config };
  for (const k of NOT_TRAINING) delete training[k];
  return createHash('sha256').update(JSON.stringify(stable(training))).digest('hex').slice(0, 16);
}

/**
 * The config a shared training folder (`<ablation.trainingDir>/<training key>`) is trained with and
 * described by: the trial's config under the folder's own name (`training-<key>`, also the plot
 * title), so whichever trial trains it or reuses it writes the same `config.resolved.yaml` and
 * curves. `omit` lists the sections that describe a trial, not the training, for the written config.
 */
export function sharedTrainingConfig(config: ExperimentConfig, dir: string): { config: ExperimentConfig; omit: (keyof ExperimentConfig)[]; note: string } {
  const key = basename(dir);
  return {
    config: { ...config, name: `training-${key}`, outputDir: dir },
    omit: ['execution', 'eval', 'ablation'],
    note: `the training shared by ablation trials whose configs differ only in ${NOT_TRAINING.join('/')}; each trial's own config is in its trial folder`,
  };
}
