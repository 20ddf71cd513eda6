import type { TrialRunner } from './trial.js';
import { SyntheticTrialRunner } from './synthetic-trial.js';

/** A trial runner named so that it can travel in a queued job: `{ name, options }`. */
export interface TrialRunnerRef {
  name: string;
  options?: Record<string, unknown>;
}

export type TrialRunnerFactory = (options: Record<string, unknown>) => TrialRunner;

/** Trial runners by name; a worker builds the runner a job names. */
export class TrialRunnerRegistry {
  private readonly factories = new Map<string, TrialRunnerFactory>();

  add(name: string, factory: TrialRunnerFactory): this {
    this.factories.set(name, factory);
    return this;
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  create(ref: TrialRunnerRef): TrialRunner {
    const factory = this.factories.get(ref.name);
    if (factory === undefined) throw new Error(`unknown trial runner "${ref.name}"; known runners: ${this.names().join(', ')}`);
    return factory(ref.options ?? {});
  }
}

/** The registry with `synthetic` (cheap, deterministic; for tests and cluster checks). */
export function baseTrialRunners(): TrialRunnerRegistry {
  return new TrialRunnerRegistry().add('synthetic', (o) => {
    const delayMs = o.delayMs;
    if (delayMs !== undefined && (typeof delayMs !== 'number' || !(delayMs >= 0))) {
      throw new Error(`synthetic trial runner: option "delayMs" expected a number >= 0, got ${JSON.stringify(delayMs)}`);
    }
    return new SyntheticTrialRunner(delayMs === undefined ? {} : { delayMs });
  });
}
