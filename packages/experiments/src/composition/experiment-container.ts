import type { DependencyContainer } from 'tsyringe';
import { parsePolicyConfig, registerRuntime, type ActPolicy, type PolicyConfig, type TensorRuntime } from '@actfusion/cvae-core';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import type { KindRegistry, KindSection } from './kind-registry.js';
import { addPluginKind } from './plugin-kinds.js';
import { createPolicyContainer, resolvePolicy } from './policy-container.js';

/** The registry's entry for `kind`, loading it as a plug-in (from the cwd) when it is not known yet. */
async function requireKind(registry: KindRegistry, section: KindSection, kind: string) {
  if (registry.get(section, kind) === undefined) await addPluginKind(registry, section, kind, process.cwd());
  return registry.require(section, kind);
}

/** The ACT policy sizes of an experiment config, as cvae-core's `PolicyConfig`. */
export function policyConfigOf(config: ExperimentConfig): PolicyConfig {
  return parsePolicyConfig(
    {
      dimModel: config.policy.dimModel,
      nHeads: config.policy.nHeads,
      dimFeedforward: config.policy.dimFeedforward,
      nEncoderLayers: config.policy.nEncoderLayers,
      nDecoderLayers: config.policy.nDecoderLayers,
      nVaeEncoderLayers: config.cvae.nVaeEncoderLayers,
      latentDim: config.cvae.latentDim,
      chunkSize: config.policy.chunkSize,
      dropout: config.policy.dropout,
      preNorm: config.policy.preNorm,
      feedforwardActivation: config.policy.activation,
      useVae: config.cvae.useVae,
      klWeight: config.cvae.klWeight,
      lossType: config.train.loss,
    },
    `${config.name}: policy`,
  );
}

export interface ExperimentContainer {
  container: DependencyContainer;
  runtime?: TensorRuntime;
  /** Resolves the policy (built once per container). */
  policy(): ActPolicy;
  dispose(): Promise<void>;
}

/**
 * The composition root: one child container per experiment (`createPolicyContainer`: policy
 * config, observation spec, weight-init Rng) plus its config and (optionally) the tensor runtime, then every encoder (config order)
 * and the decoder registered by the register function their `kind` names. Nothing is
 * registered in the parent.
 */
export async function buildExperimentContainer(
  config: ExperimentConfig,
  options: {
    registry: KindRegistry;
    spec: ObservationSpec;
    parent?: DependencyContainer;
    withRuntime?: boolean;
    /** The training dataset's task strings (a learned instruction table is built from them). */
    tasks?: readonly string[];
    /** The checkpoint the policy will be loaded from (files kinds saved with it, e.g. the instruction table). */
    checkpoint?: string;
    /** The policy's weights will be replaced after building (checkpoint, resume, training worker): kinds skip initial weights files. */
    weightsReplaced?: boolean;
  },
): Promise<ExperimentContainer> {
  const c = createPolicyContainer({ config: policyConfigOf(config), spec: options.spec, seed: config.train.seed, ...(options.parent ? { parent: options.parent } : {}) });
  c.register(TOKENS.ExperimentConfig, { useValue: config });
  let runtime: TensorRuntime | undefined;
  if (options.withRuntime ?? false) {
    runtime = await registerRuntime(c, {
      backend: config.runtime.backend,
      seed: config.train.seed,
      kernels: config.runtime.kernels,
      ...(config.runtime.blasThreads !== undefined ? { blasThreads: config.runtime.blasThreads } : {}),
    });
  }
  const extra = {
    ...(options.tasks ? { tasks: options.tasks } : {}),
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    ...(options.weightsReplaced || options.checkpoint ? { weightsReplaced: true } : {}),
  };
  for (const [index, entry] of config.encoders.entries()) {
    const { kind, ...rest } = entry;
    await (await requireKind(options.registry, 'encoder', kind)).register(c, rest, { config, index, ...extra });
  }
  const { kind: decoderKind, ...decoderOptions } = config.decoder;
  await (await requireKind(options.registry, 'decoder', decoderKind)).register(c, decoderOptions, { config, index: 0 });
  let policy: ActPolicy | undefined;
  return {
    container: c,
    ...(runtime === undefined ? {} : { runtime }),
    policy(): ActPolicy {
      policy ??= resolvePolicy(c);
      return policy;
    },
    async dispose(): Promise<void> {
      policy?.dispose();
      await c.dispose();
      runtime?.dispose();
    },
  };
}
