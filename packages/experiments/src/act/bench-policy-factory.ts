import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRuntime, type BackendRequest, type KernelPathRequest } from '@actfusion/cvae-core';
import { type PolicyFactoryRef, type WorkerPolicy } from '@actfusion/cvae-core/training';
import { benchPolicyParts, type BenchPreset } from './bench-preset.js';
import { buildActPolicy } from './build-act-policy.js';

export interface BenchPolicyArgs {
  readonly preset: BenchPreset;
  readonly backend: BackendRequest;
  readonly kernels?: KernelPathRequest;
}

/** A training worker's copy of the bench's ACT (its own runtime; weights come from the trainer). */
export async function createBenchPolicy(args: BenchPolicyArgs): Promise<WorkerPolicy> {
  const runtime = await createRuntime({ backend: args.backend, seed: 0, kernels: args.kernels ?? 'auto' });
  const { config, spec, width } = benchPolicyParts(args.preset);
  const { policy } = buildActPolicy({ config, spec, vision: { width }, seed: 0 });
  return {
    policy,
    dispose: () => {
      policy.dispose();
      runtime.dispose();
    },
  };
}

/** This module as the bench trainer's `policyFactory` (the built JavaScript, which worker threads run). */
export function benchPolicyFactory(args: BenchPolicyArgs): PolicyFactoryRef {
  let url = new URL(import.meta.url);
  if (url.pathname.endsWith('.ts')) {
    const built = fileURLToPath(url).replace(/([\\/])src([\\/]act[\\/])([^\\/]+)\.ts$/, '$1dist$2$3.js');
    if (!existsSync(built)) throw new Error(`bench: workers need the built package (${built}); run npm run build`);
    url = pathToFileURL(built);
  }
  return { module: url.href, exportName: 'createBenchPolicy', args };
}
