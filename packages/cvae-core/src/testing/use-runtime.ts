import { afterAll, beforeAll } from 'vitest';
import { createRuntime, type RuntimeOptions, type TensorRuntime } from '../runtime/create-runtime.js';

/**
 * The tensor runtime of a test file: created before its tests (default the `cpu` reference, seed 1)
 * and disposed after them. Returns a getter for tests that need the runtime itself.
 */
export function useRuntime(options: RuntimeOptions = { backend: 'cpu', seed: 1 }): () => TensorRuntime {
  let runtime: TensorRuntime | undefined;
  beforeAll(async () => {
    runtime = await createRuntime(options);
  });
  afterAll(() => {
    runtime?.dispose();
    runtime = undefined;
  });
  return () => {
    if (runtime === undefined) throw new Error('useRuntime: the runtime exists only while the file\'s tests run');
    return runtime;
  };
}
