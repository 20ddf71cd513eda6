import { builtinKinds } from '../composition/builtin-kinds.js';
import { ActTrialRunner } from '../pipeline/act-trial.js';
import { baseTrialRunners, type TrialRunnerRegistry } from './trial-runners.js';

/** The trial runners the `actfusion` command offers (`--trial NAME`): act (train + eval) and synthetic. */
export function cliTrialRunners(): TrialRunnerRegistry {
  return baseTrialRunners().add('act', () => new ActTrialRunner(builtinKinds()));
}
