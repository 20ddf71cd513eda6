import { DatasetFormatError } from './dataset-error.js';
import type { ParquetRow } from './parquet-table.js';

export interface EpisodeColumns {
  readonly stateKey: string;
  readonly actionKey: string;
  readonly stateDim: number;
  readonly actionDim: number;
  /** Further float vector features: key -> length. */
  readonly vectorDims: ReadonlyMap<string, number>;
  readonly fps: number;
  /** The dataset's tasks by task_index. */
  readonly tasks: readonly string[];
}

/**
 * One episode's rows of a LeRobot data file as arrays: state, action, further vectors (row-major),
 * timestamps, and its task from the per-frame `task_index` (LeRobot's link into the tasks file).
 * Every row is checked against the declared shapes.
 */
export function episodeArrays(dataFile: string, index: number, length: number, frames: ParquetRow[], c: EpisodeColumns) {
  if (frames.length !== length) {
    throw new DatasetFormatError(dataFile, 'episode_index', `episode ${index} has ${frames.length} rows but the episode metadata says length ${length}; arrays of one episode must agree in length`);
  }
  frames.sort((a, b) => Number(a['frame_index']) - Number(b['frame_index']));
  const S = c.stateDim;
  const A = c.actionDim;
  const qpos = new Float32Array(length * S);
  const action = new Float32Array(length * A);
  const timestamps = new Float64Array(length);
  const vectors = new Map([...c.vectorDims].map(([k, n]) => [k, new Float32Array(length * n)]));
  frames.forEach((r, t) => {
    const s = r[c.stateKey];
    const a = r[c.actionKey];
    if (!isNumberList(s, S)) throw new DatasetFormatError(dataFile, `column ${c.stateKey}`, `row ${t} of episode ${index}: expected a list of ${S} numbers (features.${c.stateKey}.shape), got ${describeValue(s)}`);
    if (!isNumberList(a, A)) throw new DatasetFormatError(dataFile, `column ${c.actionKey}`, `row ${t} of episode ${index}: expected a list of ${A} numbers, got ${describeValue(a)}`);
    qpos.set(s, t * S);
    action.set(a, t * A);
    for (const [k, out] of vectors) {
      const n = c.vectorDims.get(k)!;
      const v = r[k];
      if (!isNumberList(v, n)) throw new DatasetFormatError(dataFile, `column ${k}`, `row ${t} of episode ${index}: expected a list of ${n} numbers (features.${k}.shape), got ${describeValue(v)}`);
      out.set(v, t * n);
    }
    const ts = r['timestamp'];
    timestamps[t] = typeof ts === 'number' ? ts : t / c.fps;
  });
  const ti = frames[0]?.['task_index'];
  let task: string | undefined;
  if (ti !== undefined && ti !== null) {
    task = c.tasks[Number(ti)];
    if (task === undefined) throw new DatasetFormatError(dataFile, 'column task_index', `episode ${index}: task_index ${String(ti)} is not in the tasks file (${c.tasks.length} tasks)`);
  }
  return { qpos, action, timestamps, vectors, task };
}

function isNumberList(v: unknown, n: number): v is number[] {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number');
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return v === null ? 'null' : typeof v;
}
