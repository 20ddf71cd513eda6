import { dirname, isAbsolute, resolve } from 'node:path';
import type { KindRegistry } from '../composition/kind-registry.js';
import { originOf, type Origins } from './deep-merge.js';

/**
 * Rewrites the file options of encoder entries (a kind's `pathOptions`, e.g. vision-resnet's
 * `pretrained`) to absolute paths: relative to the folder of the config file that set the value,
 * or the cwd for `--set`. The resolved config written beside a run then names the same file from
 * any folder (as plug-in `kind` paths are).
 */
export function resolveOptionPaths(document: Record<string, unknown>, registry: KindRegistry, origins: Origins, file: string): void {
  if (!Array.isArray(document.encoders)) return;
  document.encoders.forEach((e: unknown, i) => {
    if (e === null || typeof e !== 'object') return;
    const entry = e as Record<string, unknown>;
    if (typeof entry.kind !== 'string') return;
    for (const key of registry.get('encoder', entry.kind)?.pathOptions ?? []) {
      const value = entry[key];
      if (typeof value !== 'string' || value === '' || isAbsolute(value)) continue;
      const source = originOf(origins, `encoders.${i}.${key}`) ?? file;
      const fromDir = source.startsWith('--set') ? process.cwd() : dirname(resolve(source));
      entry[key] = resolve(fromDir, value);
    }
  });
}
