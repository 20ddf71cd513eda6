import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { KindRegistry } from '../composition/kind-registry.js';
import { ConfigError } from './config-error.js';
import { deepMerge, isPlainObject, type Origins } from './deep-merge.js';
import type { ExperimentConfig } from './experiment-schema.js';
import { applyOverride, parseOverride } from './overrides.js';
import { loadPluginKinds } from './load-plugin-kinds.js';
import { resolveOptionPaths } from './resolve-option-paths.js';
import { validateExperiment } from './validate-experiment.js';

/** The folder of the presets shipped with this package (`presets/` beside `src/` and `dist/`). */
export const PRESETS_DIR = fileURLToPath(new URL('../../presets/', import.meta.url));

/** `extends: act-small` names a preset; `./x.yaml`, `../x.json` or an absolute path names a file. */
export function resolveExtends(ref: string, fromFile: string, presetsDir = PRESETS_DIR): string {
  const looksLikePath = ref.startsWith('.') || isAbsolute(ref) || ['.yaml', '.yml', '.json'].includes(extname(ref));
  if (looksLikePath) return resolve(dirname(fromFile), ref);
  for (const ext of ['.yaml', '.yml', '.json']) {
    const candidate = resolve(presetsDir, `${ref}${ext}`);
    if (existsSync(candidate)) return candidate;
  }
  throw new ConfigError(fromFile, [{ path: 'extends', message: `unknown preset "${ref}"; presets live in ${presetsDir}` }]);
}

async function readDocument(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }]);
  }
  let doc: unknown;
  try {
    doc = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}` }]);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) throw new ConfigError(file, [{ path: '', message: `expected a mapping of config keys, got ${Array.isArray(doc) ? 'a list' : typeof doc}` }]);
  return doc;
}

/**
 * Reads a config file and everything it `extends` (depth first, left to right, each later
 * source overriding the earlier), returning the merged document and where each value came from.
 */
export async function composeDocument(
  file: string,
  options: { presetsDir?: string; origins?: Origins; chain?: string[] } = {},
): Promise<Record<string, unknown>> {
  const origins = options.origins ?? new Map<string, string>();
  const chain = options.chain ?? [];
  const abs = resolve(file);
  if (chain.includes(abs)) {
    throw new ConfigError(abs, [{ path: 'extends', message: `extends cycle: ${[...chain, abs].join(' -> ')}` }]);
  }
  const doc = await readDocument(abs);
  const { extends: ext, ...own } = doc;
  const parents = ext === undefined ? [] : Array.isArray(ext) ? ext : [ext];
  let merged: Record<string, unknown> = {};
  for (const [i, parent] of parents.entries()) {
    if (typeof parent !== 'string') {
      throw new ConfigError(abs, [{ path: parents.length > 1 || Array.isArray(ext) ? `extends.${i}` : 'extends', message: `expected a preset name or a file path, got ${JSON.stringify(parent)}` }]);
    }
    const parentFile = resolveExtends(parent, abs, options.presetsDir);
    const parentDoc = await composeDocument(parentFile, { ...options, origins, chain: [...chain, abs] });
    merged = deepMerge(merged, parentDoc);
  }
  return deepMerge(merged, own, origins, abs);
}

export interface LoadConfigOptions {
  registry: KindRegistry;
  /** `key.path=value` overrides, applied after the file. */
  set?: readonly string[];
  presetsDir?: string;
}

/** Loads, composes, overrides and validates a config; throws `ConfigError` listing every problem. */
export async function loadConfig(file: string, options: LoadConfigOptions): Promise<ExperimentConfig> {
  const { document, origins } = await loadDocument(file, options);
  await loadPluginKinds(document, options.registry, origins, resolve(file));
  resolveOptionPaths(document, options.registry, origins, resolve(file));
  return validateExperiment(document, { file: resolve(file), registry: options.registry, origins });
}

/** The composed document with overrides, before validation. */
export async function loadDocument(
  file: string,
  options: Omit<LoadConfigOptions, 'registry'>,
): Promise<{ document: Record<string, unknown>; origins: Origins }> {
  const origins: Origins = new Map();
  const presetFile = existsSync(file) ? file : resolveExtends(file, resolve('config'), options.presetsDir);
  let document = await composeDocument(presetFile, { ...(options.presetsDir === undefined ? {} : { presetsDir: options.presetsDir }), origins });
  for (const text of options.set ?? []) {
    const override = parseOverride(text);
    document = applyOverride(document, override);
    origins.set(override.path.join('.'), `--set ${text}`);
  }
  return { document, origins };
}
