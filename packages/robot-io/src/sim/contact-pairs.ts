import type { MjData } from './mujoco-runtime.js';
import type { ContactSet } from './sim-task.js';

const key = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/** The geom-name pairs in contact in `data` (ACT's all_contact_pairs), as a queryable set. */
export function contactPairs(data: MjData, geomNames: readonly string[]): ContactSet {
  const pairs = new Set<string>();
  const n = data.ncon;
  // `data.contact` returns a new wasm-side copy of the contact vector on every access: take it once, free it.
  const vec = data.contact;
  try {
    for (let i = 0; i < n; i++) {
      const c = vec.get(i);
      if (!c) continue;
      pairs.add(key(geomNames[c.geom1] ?? '', geomNames[c.geom2] ?? ''));
      c.delete();
    }
  } finally {
    vec.delete();
  }
  return {
    touching: (a, b) => pairs.has(key(a, b)),
    touchingAny: (a, bs) => bs.some((b) => pairs.has(key(a, b))),
  };
}
