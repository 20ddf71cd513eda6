import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PolicyFactoryRef, WorkerPolicy } from '@actfusion/cvae-core/training';
import type { ObservationSpec } from '@actfusion/contracts';
import { builtinKinds } from '../composition/builtin-kinds.js';
import type { KindSection } from '../composition/kind-registry.js';
import { addPluginKind, pluginFileOf, rememberPluginFile } from '../composition/plugin-kinds.js';
import { buildExperimentContainer } from '../composition/experiment-container.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';

/** What a training worker gets to build an experiment's policy: the resolved config and the dataset's spec. */
export interface ExperimentPolicyArgs {
  readonly config: ExperimentConfig;
  readonly spec: ObservationSpec;
  /** The dataset's task instructions (a learned instruction table is built over them). */
  readonly tasks?: readonly string[];
  /** Plug-in kinds the config names, with the file the main thread loaded each from. */
  readonly plugins?: readonly { readonly section: KindSection; readonly kind: string; readonly file: string }[];
}

/**
 * The policy factory of `actfusion train`'s data-parallel workers: the same composition root as
 * the main thread (built-in kinds, the config's encoders and decoder, its seed), with the worker's
 * own tensor runtime from `runtime.backend`.
 */
export async function createExperimentPolicy(args: ExperimentPolicyArgs): Promise<WorkerPolicy> {
  const registry = builtinKinds();
  for (const p of args.plugins ?? []) {
    rememberPluginFile(p.kind, p.file);
    if (!(await addPluginKind(registry, p.section, p.kind, process.cwd()))) {
      throw new Error(`training worker: plug-in ${p.section} kind "${p.kind}" (${p.file}) cannot be loaded`);
    }
  }
  const exp = await buildExperimentContainer(args.config, {
    registry,
    spec: args.spec,
    withRuntime: true,
    weightsReplaced: true, // the pool copies the trainer's weights and buffers to every worker
    ...(args.tasks ? { tasks: [...args.tasks] } : {}),
  });
  return { policy: exp.policy(), dispose: () => exp.dispose() };
}

/**
 * This module as a `policyFactory` reference for `config`, or null when it runs from TypeScript
 * source without a build (worker threads run the built JavaScript).
 */
export function experimentPolicyFactory(config: ExperimentConfig, spec: ObservationSpec, tasks?: readonly string[]): PolicyFactoryRef | null {
  let url = new URL(import.meta.url);
  if (url.pathname.endsWith('.ts')) {
    const built = fileURLToPath(url).replace(/([\\/])src([\\/]pipeline[\\/])([^\\/]+)\.ts$/, '$1dist$2$3.js');
    if (!existsSync(built)) return null;
    url = pathToFileURL(built);
  }
  const builtin = builtinKinds();
  const named: { section: KindSection; kind: string }[] = [
    ...config.encoders.map((e) => ({ section: 'encoder' as const, kind: e.kind })),
    { section: 'decoder', kind: config.decoder.kind },
  ];
  const plugins = named.flatMap(({ section, kind }) => {
    const file = builtin.get(section, kind) === undefined ? pluginFileOf(kind) : undefined;
    return file === undefined ? [] : [{ section, kind, file }];
  });
  return {
    module: url.href,
    exportName: 'createExperimentPolicy',
    args: { config, spec, ...(tasks ? { tasks } : {}), ...(plugins.length > 0 ? { plugins } : {}) } satisfies ExperimentPolicyArgs,
  };
}

/** `train.workers`, or the machine's cores when unset; never more than the batch. */
export function resolveWorkers(config: ExperimentConfig): number {
  return Math.max(1, Math.min(config.train.workers ?? availableParallelism(), config.train.batchSize));
}
