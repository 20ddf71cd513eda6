/**
 * The tensor backends a runtime can run on, fastest first. `tensorflow-gpu` and `tensorflow` are the
 * libtensorflow bindings (`@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node`, optional peers),
 * `wasm` is the embedded default (XNNPACK, SIMD) and `cpu` the plain-JavaScript reference.
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

/** What a caller may ask for: a backend by name, or `auto` (the first that loads, in BACKEND_NAMES order). */
export type BackendRequest = 'auto' | BackendName;

export function isBackendRequest(value: unknown): value is BackendRequest {
  return value === 'auto' || (BACKEND_NAMES as readonly unknown[]).includes(value);
}

/** The name tfjs itself registers each backend under (both libtensorflow packages register `tensorflow`). */
export function tfBackendNameOf(backend: BackendName): string {
  return backend === 'tensorflow-gpu' ? 'tensorflow' : backend;
}
