/**
 * Deep merge of plain config objects: objects merge key by key, everything else (arrays
 * included) replaces. `origins` records, per dotted path, which source set the value, so
 * an error can say which file a bad field came from.
 */
export type Origins = Map<string, string>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
  origins?: Origins,
  source?: string,
  prefix = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const current = out[key];
    if (isPlainObject(current) && isPlainObject(value)) {
      out[key] = deepMerge(current, value, origins, source, path);
    } else {
      out[key] = structuredClone(value);
      if (origins !== undefined && source !== undefined) {
        for (const known of [...origins.keys()]) {
          if (known.startsWith(`${path}.`)) origins.delete(known);
        }
        recordOrigins(value, path, source, origins);
      }
    }
  }
  return out;
}

function recordOrigins(value: unknown, path: string, source: string, origins: Origins): void {
  origins.set(path, source);
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) recordOrigins(v, `${path}.${k}`, source, origins);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => recordOrigins(v, `${path}.${i}`, source, origins));
  }
}

/** The source that set `path` or its nearest ancestor. */
export function originOf(origins: Origins, path: string): string | undefined {
  let p = path;
  for (;;) {
    const o = origins.get(p);
    if (o !== undefined) return o;
    const cut = p.lastIndexOf('.');
    if (cut < 0) return undefined;
    p = p.slice(0, cut);
  }
}
