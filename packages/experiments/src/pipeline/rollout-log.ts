import { join } from 'node:path';
import type { ActionChunk, ChunkSource } from '@actfusion/cvae-core/inference';
import { writeFileAtomic } from '@actfusion/atomic-file';

/** Format tag of a rollout log file; bump when the layout changes. */
export const ROLLOUT_LOG_FORMAT = 'actfusion.rollout/1';

/**
 * What one evaluation rollout did, step by step: `<evalDir>/rollouts/<name>.json`, read by
 * `actfusion view`. Rows are per control step t; `chunks` are the policy's predictions, each
 * tagged with the step it was requested at (its action 0 is meant for that step).
 */
export interface RolloutLog {
  readonly format: typeof ROLLOUT_LOG_FORMAT;
  readonly name: string;
  readonly task: string;
  readonly evalSeed: number;
  readonly episode: number;
  /** The simulator seed (object placement). */
  readonly seed: number;
  readonly maxReward: number;
  readonly stageNames: readonly string[];
  readonly success: boolean;
  /** Highest reward stage reached. */
  readonly episodeReward: number;
  /** Reward stage after each step. */
  readonly reward: readonly number[];
  /** Joint state observed before each step. */
  readonly qpos: readonly (readonly number[])[];
  /** The action executed at each step. */
  readonly action: readonly (readonly number[])[];
  readonly chunks: readonly { readonly t: number; readonly actions: readonly (readonly number[])[] }[];
  /** Taxel forces observed before each step, per tactile sensor (rows * cols values a step, row-major). */
  readonly tactile?: Readonly<Record<string, { readonly rows: number; readonly cols: number; readonly frames: readonly (readonly number[])[] }>>;
}

/** A taxel reading as robots report it (cvae-core / contracts `TactileFrame`). */
export interface TaxelReading {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayLike<number>;
}

const round = (v: number): number => Math.round(v * 1e5) / 1e5;
const row = (a: ArrayLike<number>): number[] => Array.from(a, round);

/** Collects one rollout while it runs; `chunkSource()` wraps the policy to log its chunks. */
export class RolloutRecorder {
  private readonly reward: number[] = [];
  private readonly qpos: number[][] = [];
  private readonly action: number[][] = [];
  private readonly chunks: { t: number; actions: number[][] }[] = [];
  private readonly tactile: Record<string, { rows: number; cols: number; frames: number[][] }> = {};

  constructor(private readonly meta: Pick<RolloutLog, 'name' | 'task' | 'evalSeed' | 'episode' | 'seed' | 'maxReward' | 'stageNames'>) {}

  /** Current step (steps recorded so far). */
  get t(): number {
    return this.action.length;
  }

  /** Records one executed step: the state (and taxels) it started from, the action and the reward stage after it. */
  step(qpos: ArrayLike<number>, action: ArrayLike<number>, reward: number, tactile?: Readonly<Record<string, TaxelReading>>): void {
    for (const [sensor, r] of Object.entries(tactile ?? {})) {
      const log = (this.tactile[sensor] ??= { rows: r.rows, cols: r.cols, frames: [] });
      // A sensor that appears late is padded with zeros, so frames[t] is always step t.
      while (log.frames.length < this.t) log.frames.push(new Array<number>(r.rows * r.cols).fill(0));
      log.frames.push(row(r.data));
    }
    this.qpos.push(row(qpos));
    this.action.push(row(action));
    this.reward.push(reward);
  }

  chunk(t: number, chunk: ActionChunk): void {
    this.chunks.push({ t, actions: chunk.map(row) });
  }

  finish(episodeReward: number, success: boolean): RolloutLog {
    return {
      format: ROLLOUT_LOG_FORMAT,
      ...this.meta,
      success,
      episodeReward,
      reward: this.reward,
      qpos: this.qpos,
      action: this.action,
      chunks: this.chunks,
      ...(Object.keys(this.tactile).length > 0 ? { tactile: this.tactile } : {}),
    };
  }
}

/** A chunk source that logs every chunk to the recorder current at request time. */
export function loggingChunkSource(inner: ChunkSource, recorder: () => RolloutRecorder | undefined): ChunkSource {
  return async (observation) => {
    const rec = recorder();
    const t = rec?.t ?? 0;
    const chunk = await inner(observation);
    rec?.chunk(t, chunk);
    return chunk;
  };
}

/** Writes `<dir>/rollouts/<name>.json` atomically; returns the path. */
export async function writeRolloutLog(dir: string, log: RolloutLog): Promise<string> {
  const path = join(dir, 'rollouts', `${log.name}.json`);
  await writeFileAtomic(path, `${JSON.stringify(log)}\n`);
  return path;
}
