import { checkTrialResult, TrialInterruptedError, type TrialResult, type TrialRunner, type TrialSpec } from './trial.js';

/** Runs trials one after another in this process; results keyed by trial id. */
export async function runTrialsLocally(
  trials: readonly TrialSpec[],
  runner: TrialRunner,
  log: (line: string) => void = () => {},
  /** Called as each trial finishes (the ablation stores it, so a rerun skips it). */
  onResult: (trial: TrialSpec, result: TrialResult) => Promise<void> = async () => {},
  /** Stop request: no trial starts after it; the running one stops if its runner can. */
  signal?: AbortSignal,
): Promise<Map<string, TrialResult>> {
  const results = new Map<string, TrialResult>();
  for (const [i, trial] of trials.entries()) {
    if (signal?.aborted) throw new TrialInterruptedError(trial.id);
    log(`[${i + 1}/${trials.length}] ${trial.id}`);
    const result = await runner.run(trial.config, { trialId: trial.id, log, ...(signal ? { signal } : {}), ...(trial.trainingDir ? { trainingDir: trial.trainingDir } : {}) });
    results.set(trial.id, checkTrialResult(result, trial.id));
    await onResult(trial, results.get(trial.id)!);
  }
  return results;
}
