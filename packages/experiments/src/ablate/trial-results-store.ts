import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@actfusion/atomic-file';
import { safeName } from './ablation-grid.js';
import { checkTrialResult, type TrialResult, type TrialSpec } from './trial.js';

/**
 * Finished trials of an ablation, one file each (`<dir>/trials/<id>.result.json`, written
 * atomically as each trial ends). Rerunning an interrupted ablation skips the trials already
 * done; a trial whose config changed since (a hash of it is kept) runs again.
 */
export class TrialResultsStore {
  constructor(readonly dir: string) {}

  private file(trial: TrialSpec): string {
    return join(this.dir, 'trials', `${safeName(trial.id)}.result.json`);
  }

  static configHash(trial: TrialSpec): string {
    return createHash('sha256').update(JSON.stringify(trial.config)).digest('hex').slice(0, 16);
  }

  /** The stored result of a trial with the same config, or undefined. */
  get(trial: TrialSpec): TrialResult | undefined {
    const file = this.file(trial);
    if (!existsSync(file)) return undefined;
    let stored: { configHash?: unknown; result?: unknown };
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
    } catch {
      return undefined; // unreadable: run the trial again
    }
    if (stored.configHash !== TrialResultsStore.configHash(trial)) return undefined;
    return checkTrialResult(stored.result, trial.id);
  }

  async put(trial: TrialSpec, result: TrialResult): Promise<void> {
    const record = { trialId: trial.id, configHash: TrialResultsStore.configHash(trial), finishedAt: new Date().toISOString(), result };
    await writeFileAtomic(this.file(trial), `${JSON.stringify(record, null, 2)}\n`);
  }
}
