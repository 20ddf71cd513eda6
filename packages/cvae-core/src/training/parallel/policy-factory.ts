import type { TrainablePolicy } from '../trainable-policy.js';

/**
 * How a worker thread builds the policy: a module to import (a `file:` URL or a package
 * specifier) and the name of the function it exports, called with `args`. The reference is
 * plain data, so it crosses to a worker; `args` must survive structured cloning (a resolved
 * config, an observation spec). The function sets up the worker's tensor backend itself and
 * must build the same policy (same parameter names and shapes) as the trainer's; the trainer
 * copies its weights to every worker before the first step.
 */
export interface PolicyFactoryRef {
  readonly module: string;
  /** Default `createPolicy`. */
  readonly exportName?: string;
  readonly args?: unknown;
}

/** What a policy factory returns in a worker. */
export interface WorkerPolicy {
  readonly policy: TrainablePolicy;
  /** Frees the policy and the worker's backend. */
  dispose?(): void | Promise<void>;
}

export type PolicyFactory = (args: unknown) => WorkerPolicy | Promise<WorkerPolicy>;

/** Import the factory a reference names; errors name the module and export. */
export async function loadPolicyFactory(ref: PolicyFactoryRef): Promise<PolicyFactory> {
  const name = ref.exportName ?? 'createPolicy';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.module)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`policyFactory: cannot import module '${ref.module}': ${err instanceof Error ? err.message : String(err)}`);
  }
  const fn = mod[name];
  if (typeof fn !== 'function') throw new Error(`policyFactory: module '${ref.module}' has no exported function '${name}'`);
  return fn as PolicyFactory;
}
