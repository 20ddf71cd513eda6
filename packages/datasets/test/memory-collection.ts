import { observationSpec, type FeatureSpec, type ImageFrame } from '@actfusion/contracts';
import type { Episode, EpisodeCollection } from '../src/index.js';
import { syntheticFrame } from './helpers.js';

/** An in-memory collection for unit tests (a fake; the real readers are tested on real files). */
export function memoryCollection(
  lengths: number[],
  opts: {
    stateDim?: number;
    actionDim?: number;
    h?: number;
    w?: number;
    task?: string;
    /** Further vector features (any kind), value of frame t = [t, t + 0.5, ...] per entry. */
    vectors?: readonly FeatureSpec[];
    /** Further image features (e.g. a tactile image), decoded like the camera. */
    frames?: readonly FeatureSpec[];
  } = {},
): EpisodeCollection & { reads: number } {
  const S = opts.stateDim ?? 2;
  const A = opts.actionDim ?? 2;
  const h = opts.h ?? 4;
  const w = opts.w ?? 6;
  const state = { reads: 0 };
  const features = [
    ...observationSpec({ stateDim: S, actionDim: A, cameras: { top: [h, w] }, task: opts.task !== undefined }).features,
    ...(opts.frames ?? []),
    ...(opts.vectors ?? []),
  ];
  const episodes: Episode[] = lengths.map((T, e) => {
    const qpos = Float32Array.from({ length: T * S }, (_, i) => e * 1000 + i);
    const readFrame = async (key: string, t: number): Promise<ImageFrame> => {
      state.reads++;
      const f = features.find((x) => x.key === key);
      if (!f) throw new Error(`memory episode ${e}: no feature ${key}`);
      return syntheticFrame(t, e, f.shape[0]!, f.shape[1]!);
    };
    return {
    index: e,
    length: T,
    stateDim: S,
    actionDim: A,
    qpos,
    cameras: ['top'],
    readImage: (camera: string, t: number) => readFrame(`observation.images.${camera}`, t),
    features,
    vectors: {
      'observation.state': qpos,
      ...Object.fromEntries(
        (opts.vectors ?? []).map((f) => {
          const n = f.shape.reduce((a, b) => a * b, 1);
          return [f.key, Float32Array.from({ length: T * n }, (_, i) => Math.floor(i / n) + (i % n) / 2)];
        }),
      ),
    },
    action: Float32Array.from({ length: T * A }, (_, i) => e * 1000 + Math.floor(i / A) + (i % A) / 10),
    ...(opts.task !== undefined ? { task: `${opts.task} ${e}`, instruction: `${opts.task} ${e}` } : {}),
    readFrame,
    };
  });
  return Object.assign(state, {
    root: 'memory',
    fps: 50,
    stateDim: S,
    actionDim: A,
    cameras: { top: [h, w] as const },
    features,
    episodes,
    async close() {},
  });
}
