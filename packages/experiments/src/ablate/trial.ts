import type { MetricPoint } from '../charts/training-curves.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';

/** One trial of an ablation: a grid cell with one training seed. */
export interface TrialSpec {
  /** Stable id, e.g. `policy.chunkSize=10|seed=2`; the same in local and distributed runs. */
  id: string;
  /** Position in the grid (row of the table). */
  cell: number;
  /** Grid key -> value for this cell. */
  params: Record<string, unknown>;
  seed: number;
  /** The fully resolved, validated config this trial runs. */
  config: ExperimentConfig;
  /**
   * Where the trial trains (`<trainingDir>/<training key>`): trials whose configs differ only in
   * `execution`, `eval`, `name` or `outputDir` share it, so the policy is trained once and each
   * trial evaluates the same checkpoint. Unset: the trial trains in its own `config.outputDir`.
   */
  trainingDir?: string;
}

/** What a trial reports: evaluation counts (overall and per reward stage) and training curve. */
export interface TrialResult {
  /** Episodes that reached the task's final stage. */
  successes: number;
  episodes: number;
  /** Episodes that reached at least stage i+1 (ACT's reward stages), when the task has stages. */
  stageSuccesses?: number[];
  /** Names of the stages counted in `stageSuccesses` (the task's reward stages). */
  stageNames?: string[];
  /** Last training loss, when the trial trained. */
  finalLoss?: number;
  curve?: MetricPoint[];
}

export interface TrialContext {
  trialId: string;
  /** Progress and log lines (a worker forwards them to the queue). */
  log(line: string): void;
  /** Stop request (Ctrl-C): a runner that can stop early throws `TrialInterruptedError`. */
  signal?: AbortSignal;
  /** The trial's shared training folder (`TrialSpec.trainingDir`); unset: train in `config.outputDir`. */
  trainingDir?: string;
}

/** A trial stopped by its context's signal; `checkpoint` (if any) is where a rerun continues. */
export class TrialInterruptedError extends Error {
  constructor(
    readonly trialId: string,
    readonly checkpoint?: string,
  ) {
    super(`trial ${trialId} interrupted${checkpoint ? `; its training continues from ${checkpoint} on the next run` : ''}`);
    this.name = 'TrialInterruptedError';
  }
}

/**
 * Runs one trial (train + eval with a config). Injectable: the CLI uses the ACT trial, tests
 * and cluster smoke checks use `synthetic`.
 */
export interface TrialRunner {
  readonly name: string;
  run(config: ExperimentConfig, ctx: TrialContext): Promise<TrialResult>;
}

/** Checks a result before it is aggregated, naming the bad field. */
export function checkTrialResult(result: unknown, trialId: string): TrialResult {
  const r = result as Partial<TrialResult> | null;
  const bad = (field: string, expected: string): never => {
    throw new Error(`trial ${trialId}: result field "${field}" expected ${expected}, got ${JSON.stringify((r as Record<string, unknown> | null)?.[field])}`);
  };
  if (r === null || typeof r !== 'object') throw new Error(`trial ${trialId}: expected a result object, got ${JSON.stringify(result)}`);
  if (!Number.isInteger(r.episodes) || (r.episodes as number) <= 0) bad('episodes', 'a positive integer');
  if (!Number.isInteger(r.successes) || (r.successes as number) < 0 || (r.successes as number) > (r.episodes as number)) bad('successes', `an integer in [0, episodes=${r.episodes}]`);
  return r as TrialResult;
}
