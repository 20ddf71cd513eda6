import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import * as tf from '@tensorflow/tfjs-core';
import { ActPolicy, Rng, type PolicyConfig } from '@actfusion/cvae-core';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';

export interface PolicyContainerBase {
  readonly config: PolicyConfig;
  readonly spec: ObservationSpec;
  /** Seed of the initial weights (`TOKENS.InitRng`). */
  readonly seed: number;
  /** Parent container (default tsyringe's root); a child is made, nothing is registered in the parent. */
  readonly parent?: DependencyContainer;
}

/**
 * The one place a policy's container is composed (experiments' composition root uses it for every
 * run, the benchmarks for their fixed ACT): a child container holding the `PolicyConfig`, the
 * `ObservationSpec`, the weight-init `Rng` and `ActPolicy`. The caller then registers the encoders
 * and the decoder (by config kind or directly) and resolves the policy with `resolvePolicy`.
 */
export function createPolicyContainer(base: PolicyContainerBase): DependencyContainer {
  const c = (base.parent ?? rootContainer).createChildContainer();
  c.register(TOKENS.PolicyConfig, { useValue: base.config });
  c.register(TOKENS.ObservationSpec, { useValue: base.spec });
  c.register(TOKENS.InitRng, { useValue: new Rng(base.seed) });
  c.register(ActPolicy, { useClass: ActPolicy });
  return c;
}

/** Resolves the policy; weights are variables, and `tf.tidy` frees any temporary an initialiser forgets. */
export function resolvePolicy(c: DependencyContainer): ActPolicy {
  let policy: ActPolicy | undefined;
  tf.tidy(() => void (policy = c.resolve(ActPolicy)));
  return policy!;
}
