import { dirname, resolve } from 'node:path';
import { addPluginKind, isPathSpecifier } from '../composition/plugin-kinds.js';
import type { KindRegistry, KindSection } from '../composition/kind-registry.js';
import { ConfigError } from './config-error.js';
import { originOf, type Origins } from './deep-merge.js';

/**
 * Loads the plug-ins a composed config document names: every encoder or decoder `kind` that is
 * not built in and names a file (`./my-encoder.js`, resolved against the folder of the config
 * file that set it, or the cwd for `--set`) or a package (looked up in node_modules from that
 * folder, then from the cwd). Each is added to `registry`, so validation checks its options with
 * the plug-in's own schema. A path kind is rewritten to its absolute path in `document`, so the
 * resolved config names the same file from any folder. Kinds that name nothing loadable are left
 * for validation to report as unknown.
 */
export async function loadPluginKinds(document: Record<string, unknown>, registry: KindRegistry, origins: Origins, file: string): Promise<void> {
  const entries: { section: KindSection; path: string; entry: Record<string, unknown> }[] = [];
  if (Array.isArray(document.encoders)) {
    document.encoders.forEach((e, i) => {
      if (e !== null && typeof e === 'object') entries.push({ section: 'encoder', path: `encoders.${i}`, entry: e as Record<string, unknown> });
    });
  }
  if (document.decoder !== null && typeof document.decoder === 'object') {
    entries.push({ section: 'decoder', path: 'decoder', entry: document.decoder as Record<string, unknown> });
  }
  for (const { section, path, entry } of entries) {
    const kind = entry.kind;
    if (typeof kind !== 'string' || kind === '' || registry.get(section, kind) !== undefined) continue;
    const source = originOf(origins, `${path}.kind`) ?? file;
    const fromDir = source.startsWith('--set') ? process.cwd() : dirname(resolve(source));
    const specifier = isPathSpecifier(kind) && !kind.startsWith('file:') ? resolve(fromDir, kind) : kind;
    try {
      if (!(await addPluginKind(registry, section, specifier, fromDir)) && !isPathSpecifier(kind)) {
        await addPluginKind(registry, section, specifier, process.cwd());
      }
    } catch (err) {
      throw new ConfigError(file, [{ path: `${path}.kind`, message: (err as Error).message, source }]);
    }
    if (specifier !== kind && registry.get(section, specifier) !== undefined) entry.kind = specifier;
  }
}
