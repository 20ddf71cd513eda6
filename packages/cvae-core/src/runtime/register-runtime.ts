import type { DependencyContainer } from 'tsyringe';
import { TOKENS } from '@actfusion/contracts';
import { createRuntime, type RuntimeOptions, type TensorRuntime } from './create-runtime.js';

/**
 * Creates the tensor runtime and registers it in `container` under `TOKENS.Runtime` (as a value, so
 * every resolution returns this instance). Use one child container per experiment; dispose the
 * returned runtime when the experiment ends.
 */
export async function registerRuntime(container: DependencyContainer, options: RuntimeOptions = {}): Promise<TensorRuntime> {
  const runtime = await createRuntime(options);
  container.register<TensorRuntime>(TOKENS.Runtime, { useValue: runtime });
  return runtime;
}
