import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROLLOUT_LOG_FORMAT, type RolloutLog } from '../pipeline/rollout-log.js';

export interface RolloutListing {
  readonly name: string;
  readonly success: boolean;
  readonly episodeReward: number;
  readonly steps: number;
  /** Saved camera frames (eval.saveFramesEvery): file names under frames/<name>/. */
  readonly frames: readonly string[];
}

export interface EvalData {
  readonly dir: string;
  /** eval.json as written by `actfusion eval`, when present. */
  readonly summary: Record<string, unknown> | null;
  readonly rollouts: readonly RolloutListing[];
}

const NAME = /^[A-Za-z0-9._-]+$/;

/** An evaluation folder: eval.json (the success table) and rollouts/<name>.json (one per rollout). */
export async function readEval(dir: string): Promise<EvalData> {
  const summaryFile = join(dir, 'eval.json');
  const summary = existsSync(summaryFile) ? (parseJson(summaryFile, await readFile(summaryFile, 'utf8')) as Record<string, unknown>) : null;
  const rolloutDir = join(dir, 'rollouts');
  const names = existsSync(rolloutDir) ? (await readdir(rolloutDir)).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort(naturalOrder) : [];
  const rollouts: RolloutListing[] = [];
  for (const name of names) {
    const log = await readRollout(dir, name);
    const framesDir = join(dir, 'frames', name);
    const frames = existsSync(framesDir) ? (await readdir(framesDir)).filter((f) => f.endsWith('.png')).sort() : [];
    rollouts.push({ name, success: log.success, episodeReward: log.episodeReward, steps: log.action.length, frames });
  }
  return { dir, summary, rollouts };
}

/** Reads and checks rollouts/<name>.json. */
export async function readRollout(dir: string, name: string): Promise<RolloutLog> {
  if (!NAME.test(name)) throw new RangeError(`bad rollout name ${JSON.stringify(name)}`);
  const file = join(dir, 'rollouts', `${name}.json`);
  if (!existsSync(file)) throw new RangeError(`no rollout ${name} (no ${file})`);
  const v = parseJson(file, await readFile(file, 'utf8')) as Partial<RolloutLog>;
  if (v.format !== ROLLOUT_LOG_FORMAT) throw new Error(`${file}: format: expected "${ROLLOUT_LOG_FORMAT}", got ${JSON.stringify(v.format)}`);
  for (const key of ['reward', 'qpos', 'action', 'chunks'] as const) {
    if (!Array.isArray(v[key])) throw new Error(`${file}: ${key}: expected an array`);
  }
  if (v.reward!.length !== v.action!.length || v.qpos!.length !== v.action!.length) {
    throw new Error(`${file}: reward, qpos and action must have one row per step (got ${v.reward!.length}, ${v.qpos!.length}, ${v.action!.length})`);
  }
  return v as RolloutLog;
}

/** The saved frame PNG path of a rollout, checked against path tricks. */
export function rolloutFramePath(dir: string, name: string, file: string): string {
  if (!NAME.test(name) || !NAME.test(file) || !file.endsWith('.png')) throw new RangeError(`bad frame ${JSON.stringify(`${name}/${file}`)}`);
  return join(dir, 'frames', name, file);
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
