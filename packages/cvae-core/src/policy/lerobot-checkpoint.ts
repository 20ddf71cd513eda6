import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@actfusion/atomic-file';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import type { FeatureSpec, ObservationSpec } from '@actfusion/contracts';
import { describeLeRobotConfig, toLeRobotConfig, type LeRobotPolicyDescription } from './lerobot-config.js';
import type { PolicyConfig } from './policy-config.js';
import type { NormalizerJson } from '../training/normalizer.js';
import { isLegacyNormalizationBuffer, legacyNormalization, readProcessorNormalization, type CheckpointNormalization } from './lerobot-normalization.js';
import { normalizationMappingOf, writeLeRobotProcessors } from './lerobot-processor-writer.js';

/** LeRobot prefixes every tensor of its ACT policy with the `model.` of `ACTPolicy.model`. */
export const LEROBOT_MODEL_PREFIX = 'model.';

export interface LeRobotCheckpoint {
  readonly description: LeRobotPolicyDescription;
  /** Tensors named without the `model.` prefix. Owned by the caller (dispose them). */
  readonly tensors: Map<string, tf.Tensor>;
  /**
   * The statistics the checkpoint carries: current LeRobot processor files
   * (`policy_preprocessor.json` + `policy_postprocessor.json` and their safetensors), or, in older
   * checkpoints, the `normalize_inputs.*` / `unnormalize_outputs.*` buffers of `model.safetensors`.
   * Null when it carries none (inputs go to the network as given).
   */
  readonly normalization: CheckpointNormalization | null;
  /** ResNet width read from `backbone.conv1.weight` (LeRobot's config says only `resnet18`). */
  readonly backboneWidth: number | null;
}

/**
 * Read `DIR/config.json`, `DIR/model.safetensors` and the normalisation statistics of a LeRobot ACT
 * checkpoint, in either layout. Statistics that cannot be applied are an error naming the file and
 * the feature.
 */
export async function readLeRobotCheckpoint(dir: string): Promise<LeRobotCheckpoint> {
  const configPath = join(dir, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (err) {
    throw new Error(`${configPath}: cannot read a JSON config: ${err instanceof Error ? err.message : String(err)}`);
  }
  const description = describeLeRobotConfig(json, configPath);
  const weightsPath = join(dir, 'model.safetensors');
  const { tensors: raw } = await readSafetensors(weightsPath);
  const tensors = new Map<string, tf.Tensor>();
  const legacy = new Map<string, tf.Tensor>();
  for (const [name, t] of raw) {
    if (isLegacyNormalizationBuffer(name)) legacy.set(name, t);
    else if (name.startsWith(LEROBOT_MODEL_PREFIX)) tensors.set(name.slice(LEROBOT_MODEL_PREFIX.length), t);
    else {
      for (const x of raw.values()) x.dispose();
      throw new Error(`${weightsPath}: tensor '${name}' does not start with '${LEROBOT_MODEL_PREFIX}' (not a LeRobot ACT policy file)`);
    }
  }
  let normalization: CheckpointNormalization | null;
  try {
    normalization = await readProcessorNormalization(dir);
    if (normalization === null && legacy.size > 0) {
      normalization = legacyNormalization(legacy, description.features, description.normalizationMapping, weightsPath);
    }
  } catch (err) {
    for (const x of raw.values()) x.dispose();
    throw err;
  }
  for (const t of legacy.values()) t.dispose();
  const conv1 = tensors.get('backbone.conv1.weight');
  return { description, tensors, normalization, backboneWidth: conv1 ? conv1.shape[0]! : null };
}

/** The ResNet a state dict holds (`backbone.*`): layout by its blocks, width by `conv1`. */
export function backboneOf(names: Iterable<string>, conv1Width: number | undefined): { backbone: string; width: number } | undefined {
  if (conv1Width === undefined) return undefined;
  let layer3 = 0;
  for (const n of names) {
    const m = /^(?:model\.)?backbone\.layer3\.(\d+)\./.exec(n);
    if (m) layer3 = Math.max(layer3, Number(m[1]) + 1);
  }
  return { backbone: layer3 >= 6 ? 'resnet34' : 'resnet18', width: conv1Width };
}

/**
 * Write a policy as a LeRobot ACT checkpoint directory: `model.safetensors` (every parameter and
 * buffer, `model.`-prefixed), `config.json` (`ACTConfig` fields; the vision backbone as the weights
 * really are, read from the state dict unless given) and, with `normalizer`, LeRobot's current
 * pre/post-processor files holding the statistics. Each file is written atomically.
 */
export async function writeLeRobotCheckpoint(
  dir: string,
  policy: Module & { readonly config: PolicyConfig; readonly spec: ObservationSpec },
  vision: { backbone?: string; width?: number } = {},
  stats: { normalizer?: NormalizerJson; images?: 'imagenet' | 'none' } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const state = policy.stateDict(LEROBOT_MODEL_PREFIX);
  await writeSafetensors(join(dir, 'model.safetensors'), state, {
    metadata: { format: 'pt' },
  });
  const found = backboneOf(state.keys(), state.get(`${LEROBOT_MODEL_PREFIX}backbone.conv1.weight`)?.shape[0]);
  const images = stats.images ?? 'imagenet';
  const encoders = (policy as { encoders?: readonly { features: readonly FeatureSpec[] }[] }).encoders;
  const described = {
    ...(found ?? {}),
    ...vision,
    ...(encoders ? { reads: encoders.flatMap((e) => e.features) } : {}),
    ...(stats.normalizer ? { normalizationMapping: normalizationMappingOf({ normalizer: stats.normalizer, images }) } : {}),
  };
  const configPath = join(dir, 'config.json');
  await writeFileAtomic(configPath, `${JSON.stringify(toLeRobotConfig(policy.config, policy.spec, described), null, 2)}\n`);
  if (stats.normalizer) await writeLeRobotProcessors(dir, { spec: policy.spec, normalizer: stats.normalizer, images });
}
