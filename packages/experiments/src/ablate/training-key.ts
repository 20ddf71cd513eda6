import { createHash } from 'node:crypto';
import type { ExperimentConfig } from '../config/experiment-schema.js';

/**
 * The parts of a config that do not change what training produces: where outputs go, how the
 * trained policy is executed and evaluated, the run's name and its ablation section.
 */
const NOT_TRAINING = ['name', 'outputDir', 'execution', 'eval', 'ablation'] as const;

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
