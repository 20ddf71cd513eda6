import { builtinKinds } from '../composition/builtin-kinds.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { loadConfig } from '../config/load-config.js';

/** `--set` is repeatable. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const CONFIG_HELP = 'experiment config file (YAML/JSON) or preset name (act, act-small, mt-act, visuo-tactile-act, demo, ...)';
export const SET_HELP = 'override a config value, typed by the schema (repeatable), e.g. --set train.steps=2000';

/** Loads and validates the config named on the command line, with the built-in kinds. */
export async function configFromOptions(opts: { config: string; set: string[] }): Promise<ExperimentConfig> {
  return loadConfig(opts.config, { registry: builtinKinds(), set: opts.set });
}

/** A positive integer command-line value, or an error naming the option. */
export function positiveIntOption(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer, got '${value}'`);
  return n;
}
