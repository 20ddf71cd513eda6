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

/**
 * An integer command-line value within [min, max], or an error naming the option and the range
 * (`--first-seed abc`, `--height 100000` fail here, not deep inside a library).
 */
export function intOption(name: string, { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
      throw new Error(`${name}: expected an integer ${range}, got '${value}'`);
    }
    return n;
  };
}

/** A finite number command-line value within [min, max], or an error naming the option. */
export function numberOption(name: string, { min = -Infinity, max = Infinity }: { min?: number; max?: number } = {}): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new Error(`${name}: expected a number in [${min}, ${max}], got '${value}'`);
    return n;
  };
}

/** A positive integer command-line value, or an error naming the option. */
export function positiveIntOption(name: string, value: string): number {
  return intOption(name)(value);
}
