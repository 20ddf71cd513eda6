import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import type { ObservationSpec } from '@actfusion/contracts';
import { describeLeRobotConfig, toLeRobotConfig, type LeRobotPolicyDescription } from './lerobot-config.js';
import type { PolicyConfig } from './policy-config.js';

/** LeRobot prefixes every tensor of its ACT policy with the `model.` of `ACTPolicy.model`. */
export const LEROBOT_MODEL_PREFIX = 'model.';

export interface LeRobotCheckpoint {
  readonly description: LeRobotPolicyDescription;
  /** Tensors named without the `model.` prefix. Owned by the caller (dispose them). */
  readonly tensors: Map<string, tf.Tensor>;
  /**
   * Legacy normalisation buffers found in the file (`normalize_inputs.*`, `normalize_targets.*`,
   * `unnormalize_outputs.*`), by full name; empty when the checkpoint carries no statistics.
   */
  readonly normalization: Map<string, tf.Tensor>;
  /** ResNet width read from `backbone.conv1.weight` (LeRobot's config says only `resnet18`). */
  readonly backboneWidth: number | null;
}

/** Read `DIR/config.json` and `DIR/model.safetensors` of a LeRobot ACT checkpoint. */
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
  const normalization = new Map<string, tf.Tensor>();
  for (const [name, t] of raw) {
    if (/^(normalize_inputs|normalize_targets|unnormalize_outputs)\./.test(name)) normalization.set(name, t);
    else if (name.startsWith(LEROBOT_MODEL_PREFIX)) tensors.set(name.slice(LEROBOT_MODEL_PREFIX.length), t);
    else {
      for (const x of raw.values()) x.dispose();
      throw new Error(`${weightsPath}: tensor '${name}' does not start with '${LEROBOT_MODEL_PREFIX}' (not a LeRobot ACT policy file)`);
    }
  }
  const conv1 = tensors.get('backbone.conv1.weight');
  return { description, tensors, normalization, backboneWidth: conv1 ? conv1.shape[0]! : null };
}

/**
 * Write a policy as a LeRobot ACT checkpoint directory: `model.safetensors` (every parameter and
 * buffer, `model.`-prefixed) and `config.json` (`ACTConfig` fields). Each file is written
 * atomically (temp file + rename).
 */
export async function writeLeRobotCheckpoint(
  dir: string,
  policy: Module & { readonly config: PolicyConfig; readonly spec: ObservationSpec },
  vision: { backbone?: string; width?: number } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'model.safetensors'), policy.stateDict(LEROBOT_MODEL_PREFIX), {
    metadata: { format: 'pt' },
  });
  const configPath = join(dir, 'config.json');
  const tmp = `${configPath}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(toLeRobotConfig(policy.config, policy.spec, vision), null, 2)}\n`);
  await rename(tmp, configPath);
}
