import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { isPlainObject } from './deep-merge.js';
import { experimentSchema } from './experiment-schema.js';

/** One `--set key.path=value` override. */
export interface Override {
  path: string[];
  value: unknown;
  /** The text as given, for error messages. */
  text: string;
}

/** Unwraps optional/default/nullable wrappers to the schema that describes the value. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else break;
  }
  return s;
}

/**
 * The schema at a dotted path, or a description of why the path is not a config key. For
 * `encoders.N.<option>` and `decoder.<option>` any option name is allowed (the kind checks it).
 */
export function schemaAt(path: readonly string[]): { schema?: z.ZodType; error?: string } {
  let s: z.ZodType = experimentSchema;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string;
    s = unwrap(s);
    if (s instanceof z.ZodObject) {
      const shape = s.shape as Record<string, z.ZodType>;
      const next = shape[key];
      if (next === undefined) {
        if (s.def.catchall !== undefined && !(s.def.catchall instanceof z.ZodNever)) return {};
        const where = i === 0 ? 'the config' : path.slice(0, i).join('.');
        return { error: `unknown key "${key}" in ${where}; known keys: ${Object.keys(shape).join(', ')}` };
      }
      s = next;
    } else if (s instanceof z.ZodArray) {
      if (!/^\d+$/.test(key)) return { error: `expected an array index at "${path.slice(0, i + 1).join('.')}"` };
      s = s.element as z.ZodType;
    } else if (s instanceof z.ZodRecord) {
      s = s.valueType as z.ZodType;
    } else if (s instanceof z.ZodDiscriminatedUnion) {
      // robot: any option of any variant
      const options = s.options as z.ZodType[];
      const found = options.map((o) => unwrap(o)).find((o) => o instanceof z.ZodObject && key in (o.shape as object));
      if (found === undefined) return { error: `unknown key "${key}" in ${path.slice(0, i).join('.')}` };
      s = (found as z.ZodObject).shape[key] as z.ZodType;
    } else {
      return { error: `"${path.slice(0, i).join('.')}" has no sub-keys` };
    }
  }
  return { schema: s };
}

/**
 * Parses `key.path=value`. The value is read as YAML (`2000` a number, `true` a boolean,
 * `[1, 2]` a list), except where the schema expects a string, where the text is kept as is.
 */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError('--set', [{ path: '', message: `expected key.path=value, got "${text}"` }]);
  const path = text.slice(0, eq).trim().split('.');
  const rawValue = text.slice(eq + 1);
  const { schema, error } = schemaAt(path);
  if (error !== undefined) throw new ConfigError('--set', [{ path: path.join('.'), message: error }]);
  const target = schema === undefined ? undefined : unwrap(schema);
  let value: unknown;
  if (target instanceof z.ZodString || (target instanceof z.ZodEnum && !/^[[{]/.test(rawValue))) value = rawValue;
  else {
    try {
      value = parseYaml(rawValue);
    } catch {
      value = rawValue;
    }
  }
  return { path, value, text };
}

/** Writes an override into a config document (creating objects along the path). */
export function applyOverride(doc: Record<string, unknown>, override: Override): Record<string, unknown> {
  const out = structuredClone(doc);
  let node: Record<string, unknown> | unknown[] = out;
  override.path.forEach((key, i) => {
    const last = i === override.path.length - 1;
    const container = node as Record<string, unknown>;
    if (last) {
      container[key] = override.value;
      return;
    }
    const next = container[key];
    if (!isPlainObject(next) && !Array.isArray(next)) container[key] = {};
    node = container[key] as Record<string, unknown>;
  });
  return out;
}
