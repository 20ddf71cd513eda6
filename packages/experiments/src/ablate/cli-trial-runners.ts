import { baseTrialRunners, type TrialRunnerRegistry } from './trial-runners.js';

/** The trial runners the `actfusion` command offers (`--trial NAME`). */
export function cliTrialRunners(): TrialRunnerRegistry {
  return baseTrialRunners();
}
