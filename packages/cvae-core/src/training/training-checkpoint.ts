import { mkdir, readFile, readlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { symlinkAtomic, writeDirectoryAtomic, writeFileAtomic } from '@actfusion/atomic-file';
import type * as tf from '@tensorflow/tfjs-core';
import type { RngState } from '../random/rng.js';
import type { NormalizerJson } from './normalizer.js';
import { readSafetensors, writeSafetensors, type SafetensorsSource } from '../io/safetensors.js';

/** Everything one training checkpoint holds, in LeRobot's directory layout:
 *
 * ```
 * checkpoints/<step, zero-padded>/pretrained_model/{model.safetensors, config.json, normalizer.json}
 * checkpoints/<step>/training_state/{optimizer_state.safetensors, optimizer_param_groups.json,
 *                                    rng_state.json, training_step.json}
 * checkpoints/last -> <step>          (a relative symlink, replaced atomically)
 * ```
 */
export interface TrainingCheckpoint {
  readonly step: number;
  /** Model weights by LeRobot name (`model.`-prefixed). */
  readonly model: ReadonlyMap<string, tf.Tensor>;
  readonly config: unknown;
  readonly normalizer: NormalizerJson;
  /** Tensors, or values outside a backend (a worker pool's shared optimiser state). */
  readonly optimizer: ReadonlyMap<string, SafetensorsSource>;
  readonly optimizerParamGroups: unknown;
  readonly rng: Readonly<Record<string, RngState>>;
}

/** LeRobot's `get_step_identifier`: at least 6 digits, as many as the total step count needs. */
export function stepIdentifier(step: number, totalSteps: number): string {
  return String(step).padStart(Math.max(6, String(totalSteps).length), '0');
}

/**
 * Write a checkpoint under `<outputDir>/checkpoints/<id>` atomically: everything goes to a hidden
 * temporary directory first, which is renamed into place; then `last` is pointed at it by renaming
 * a fresh symlink over the old one. A crash leaves either the old or the new checkpoint, never half.
 * `writePretrained` lets a policy write its own `pretrained_model/` (e.g. a LeRobot-layout writer).
 */
export async function writeTrainingCheckpoint(
  outputDir: string,
  id: string,
  ckpt: TrainingCheckpoint,
  writePretrained?: (dir: string) => Promise<void>,
): Promise<string> {
  const root = join(outputDir, 'checkpoints');
  const final = join(root, id);
  await writeDirectoryAtomic(final, async (tmp) => {
    const pretrained = join(tmp, 'pretrained_model');
    const state = join(tmp, 'training_state');
    if (writePretrained) {
      await mkdir(pretrained, { recursive: true });
      await writePretrained(pretrained);
    } else {
      await writeSafetensors(join(pretrained, 'model.safetensors'), ckpt.model, { metadata: { format: 'pt' } });
      await writeFileAtomic(join(pretrained, 'config.json'), JSON.stringify(ckpt.config ?? {}, null, 2));
    }
    await writeFileAtomic(join(pretrained, 'normalizer.json'), JSON.stringify(ckpt.normalizer, null, 2));
    await writeSafetensors(join(state, 'optimizer_state.safetensors'), ckpt.optimizer);
    await writeFileAtomic(join(state, 'optimizer_param_groups.json'), JSON.stringify(ckpt.optimizerParamGroups, null, 2));
    await writeFileAtomic(join(state, 'rng_state.json'), JSON.stringify(ckpt.rng));
    await writeFileAtomic(join(state, 'training_step.json'), JSON.stringify({ step: ckpt.step }));
  });
  await symlinkAtomic(id, join(root, 'last'));
  return final;
}

/** Read a checkpoint directory (`checkpoints/<step>` or `checkpoints/last`). */
/** A checkpoint as read back: every tensor in the current backend (the caller disposes them). */
export type LoadedTrainingCheckpoint = Omit<TrainingCheckpoint, 'optimizer'> & { readonly optimizer: ReadonlyMap<string, tf.Tensor> };

export async function readTrainingCheckpoint(dir: string): Promise<LoadedTrainingCheckpoint> {
  const d = resolve(dir);
  const pretrained = join(d, 'pretrained_model');
  const state = join(d, 'training_state');
  const json = async (path: string): Promise<unknown> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new Error(`checkpoint ${d}: cannot read ${path}: ${(e as Error).message}`);
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(`checkpoint: ${path} is not valid JSON: ${(e as Error).message}`);
    }
  };
  const stepJson = (await json(join(state, 'training_step.json'))) as { step?: unknown };
  if (!Number.isInteger(stepJson?.step) || (stepJson.step as number) < 0) {
    throw new Error(`checkpoint: ${join(state, 'training_step.json')} field 'step' must be a non-negative integer`);
  }
  const rng = (await json(join(state, 'rng_state.json'))) as Record<string, RngState>;
  const config = await json(join(pretrained, 'config.json'));
  const normalizer = (await json(join(pretrained, 'normalizer.json'))) as NormalizerJson;
  const optimizerParamGroups = await json(join(state, 'optimizer_param_groups.json'));
  const { tensors: model } = await readSafetensors(join(pretrained, 'model.safetensors'));
  let optimizer: Map<string, tf.Tensor>;
  try {
    ({ tensors: optimizer } = await readSafetensors(join(state, 'optimizer_state.safetensors')));
  } catch (e) {
    for (const t of model.values()) t.dispose();
    throw e;
  }
  return { step: stepJson.step as number, model, config, normalizer, optimizer, optimizerParamGroups, rng };
}

/** The step directory `checkpoints/last` points at, or null when there is none. */
export async function lastCheckpoint(outputDir: string): Promise<string | null> {
  const link = join(outputDir, 'checkpoints', 'last');
  try {
    return join(dirname(link), basename(await readlink(link)));
  } catch {
    return null;
  }
}
