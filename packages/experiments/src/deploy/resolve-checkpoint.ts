import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { lastCheckpoint } from '@actfusion/cvae-core/training';

/** Where a checkpoint's parts are. */
export interface ResolvedCheckpoint {
  /** The folder holding `config.json` and `model.safetensors` (LeRobot's `pretrained_model/`). */
  readonly pretrainedDir: string;
  /** The training run folder (`outputDir`) the checkpoint belongs to, when it sits in one. */
  readonly runDir: string | null;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const isPretrained = async (dir: string) => (await isFile(join(dir, 'config.json'))) && (await isFile(join(dir, 'model.safetensors')));

/** `<run>/checkpoints/<step>` -> `<run>`; null when `stepDir` is not inside a `checkpoints/` folder. */
function runOfStep(stepDir: string): string | null {
  const parent = dirname(stepDir);
  return basename(parent) === 'checkpoints' ? dirname(parent) : null;
}

/**
 * Accept what a user points at: a training run folder (uses `checkpoints/last`), a checkpoint
 * folder (`checkpoints/<step>` or `checkpoints/last`, holding `pretrained_model/`), or a
 * `pretrained_model` folder itself (ours, or one downloaded from LeRobot).
 */
export async function resolveCheckpoint(path: string): Promise<ResolvedCheckpoint> {
  const p = resolve(path);
  if (await isPretrained(p)) {
    return { pretrainedDir: p, runDir: basename(p) === 'pretrained_model' ? runOfStep(dirname(p)) : null };
  }
  if (await isPretrained(join(p, 'pretrained_model'))) {
    return { pretrainedDir: join(p, 'pretrained_model'), runDir: runOfStep(p) };
  }
  const last = await lastCheckpoint(p);
  if (last !== null && (await isPretrained(join(last, 'pretrained_model')))) {
    return { pretrainedDir: join(last, 'pretrained_model'), runDir: p };
  }
  throw new Error(
    `${path}: not a checkpoint; expected a run folder (with checkpoints/last), a checkpoint folder (with pretrained_model/) ` +
      `or a pretrained_model folder (config.json + model.safetensors)`,
  );
}
