import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DependencyContainer } from 'tsyringe';
import type { z } from 'zod';
import type { KindContext, KindEntry, KindRegistry, KindSection } from './kind-registry.js';

/**
 * What a plug-in module exports (named exports, or the same fields on its default export):
 *
 * - `register(container, options, ctx)`: adds the plug-in to the experiment's child container,
 *   like the built-in `register…` functions (an encoder registers a `TOKENS.ModalityEncoder`);
 *   `options` are the config entry's options (everything but `kind`) as parsed by `optionsSchema`;
 * - `optionsSchema`: a zod schema (anything with `safeParse`) of those options, checked with the
 *   rest of the config before any work starts;
 * - `section` (optional, default `encoder`): `encoder` or `decoder`;
 * - `description` (optional): one line for error messages and listings.
 */
export interface KindPlugin {
  readonly section?: KindSection;
  readonly description?: string;
  readonly optionsSchema: z.ZodType;
  register(container: DependencyContainer, options: Record<string, unknown>, ctx: KindContext): void | Promise<void>;
}

/** `./x.js`, `../x`, `/abs/x.mjs` or `file:` name a file or folder; anything else a package. */
export function isPathSpecifier(kind: string): boolean {
  return kind.startsWith('./') || kind.startsWith('../') || isAbsolute(kind) || kind.startsWith('file:');
}

/** Could `kind` name a package (npm name rules, optionally with a subpath)? */
export function isPackageSpecifier(kind: string): boolean {
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]+)?$/i.test(kind);
}

function packageEntry(dir: string, subpath: string): string {
  const pkgFile = join(dir, 'package.json');
  const pkg = existsSync(pkgFile) ? (JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>) : {};
  if (subpath !== '') return join(dir, subpath);
  const pick = (e: unknown): string | undefined => {
    if (typeof e === 'string') return e;
    if (e !== null && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      if ('.' in o) return pick(o['.']);
      for (const cond of ['import', 'node', 'default']) if (cond in o) return pick(o[cond]);
    }
    return undefined;
  };
  const entry = pick(pkg.exports) ?? (typeof pkg.module === 'string' ? pkg.module : undefined) ?? (typeof pkg.main === 'string' ? pkg.main : undefined) ?? 'index.js';
  return join(dir, entry);
}

/**
 * The file a plug-in specifier names: a path resolves against `fromDir` (a folder uses its
 * package.json entry); a package name is looked up in `node_modules` from `fromDir` upwards.
 * Returns undefined when nothing is found.
 */
export function resolvePluginFile(kind: string, fromDir: string): string | undefined {
  if (isPathSpecifier(kind)) {
    const p = kind.startsWith('file:') ? new URL(kind).pathname : resolve(fromDir, kind);
    if (!existsSync(p)) return undefined;
    return realpathSync(statSync(p).isDirectory() ? packageEntry(p, '') : p);
  }
  if (!isPackageSpecifier(kind)) return undefined;
  const parts = kind.split('/');
  const nameParts = kind.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameParts).join('/');
  const subpath = parts.slice(nameParts).join('/');
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(candidate)) {
      const entry = packageEntry(candidate, subpath);
      return existsSync(entry) ? realpathSync(entry) : entry;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function asPlugin(mod: Record<string, unknown>, kind: string, file: string): KindPlugin {
  const m = (typeof mod.register === 'function' ? mod : (mod.default ?? {})) as Record<string, unknown>;
  const where = `plug-in "${kind}" (${file})`;
  if (typeof m.register !== 'function') throw new Error(`${where} exports no register(container, options, ctx) function`);
  const schema = m.optionsSchema as { safeParse?: unknown } | undefined;
  if (schema === undefined || typeof schema.safeParse !== 'function') {
    throw new Error(`${where} exports no optionsSchema (a zod schema of its config options)`);
  }
  if (m.section !== undefined && m.section !== 'encoder' && m.section !== 'decoder') {
    throw new Error(`${where}: export 'section' must be "encoder" or "decoder", got ${JSON.stringify(m.section)}`);
  }
  return m as unknown as KindPlugin;
}

const loaded = new Map<string, Promise<KindPlugin>>();
/** kind -> file, for every plug-in this process has resolved (configs load them; containers reuse them). */
const resolvedKinds = new Map<string, string>();

/** Imports (once per file) and checks a plug-in module. */
export function importPlugin(kind: string, file: string): Promise<KindPlugin> {
  let p = loaded.get(file);
  if (p === undefined) {
    p = import(pathToFileURL(file).href).then(
      (mod: Record<string, unknown>) => asPlugin(mod, kind, file),
      (err: unknown) => {
        throw new Error(`plug-in "${kind}": cannot import ${file}: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    loaded.set(file, p);
    p.catch(() => loaded.delete(file));
  }
  return p;
}

/**
 * Makes `kind` known to `registry` as a plug-in when it is not a built-in kind: resolves it from
 * `fromDir`, imports it and adds a `KindEntry` whose options are validated by the plug-in's own
 * `optionsSchema` and handed to its `register` parsed. Returns false when `kind` names nothing
 * loadable (the caller then reports an unknown kind); a module that is found but breaks the
 * contract is an error.
 */
export async function addPluginKind(registry: KindRegistry, section: KindSection, kind: string, fromDir: string): Promise<boolean> {
  if (registry.get(section, kind) !== undefined) return true;
  const file = resolvePluginFile(kind, fromDir) ?? resolvedKinds.get(kind);
  if (file === undefined) return false;
  resolvedKinds.set(kind, file);
  const plugin = await importPlugin(kind, file);
  const pluginSection = plugin.section ?? 'encoder';
  if (pluginSection !== section) throw new Error(`plug-in "${kind}" (${file}) is a ${pluginSection}, used as a ${section}`);
  const entry: KindEntry = {
    section,
    kind,
    description: plugin.description ?? `plug-in ${file}`,
    optionsSchema: plugin.optionsSchema,
    register: (c, options, ctx) => {
      const parsed = plugin.optionsSchema.safeParse(options);
      if (!parsed.success) throw new Error(`plug-in "${kind}": invalid options: ${parsed.error.message}`);
      return plugin.register(c, parsed.data as Record<string, unknown>, ctx);
    },
  };
  registry.add(entry);
  return true;
}

/** The file a plug-in `kind` was loaded from, if one was (worker threads load the same file). */
export function pluginFileOf(kind: string): string | undefined {
  return resolvedKinds.get(kind);
}

/** Make `kind` resolve to `file` in this thread (a training worker, given the main thread's resolution). */
export function rememberPluginFile(kind: string, file: string): void {
  resolvedKinds.set(kind, file);
}
