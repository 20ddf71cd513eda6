import type { FeatureSpec, ImageFrame } from '@actfusion/contracts';
import type { Episode, EpisodeCollection } from '../src/index.js';
import { syntheticFrame } from './helpers.js';

/** An in-memory collection for unit tests (a fake; the real readers are tested on real files). */
export function memoryCollection(lengths: number[], opts: { stateDim?: number; actionDim?: number; h?: number; w?: number } = {}): EpisodeCollection & { reads: number } {
  const S = opts.stateDim ?? 2;
  const A = opts.actionDim ?? 2;
  const h = opts.h ?? 4;
  const w = opts.w ?? 6;
  const state = { reads: 0 };
  const features: FeatureSpec[] = [
    { key: 'observation.state', kind: 'state', shape: [S] },
    { key: 'observation.images.top', kind: 'image', shape: [h, w, 3] },
  ];
  const episodes: Episode[] = lengths.map((T, e) => {
    const qpos = Float32Array.from({ length: T * S }, (_, i) => e * 1000 + i);
    const readImage = async (_cam: string, t: number): Promise<ImageFrame> => {
      state.reads++;
      return syntheticFrame(t, e, h, w);
    };
    return {
      index: e,
      length: T,
      stateDim: S,
      actionDim: A,
      qpos,
      action: Float32Array.from({ length: T * A }, (_, i) => e * 1000 + Math.floor(i / A) + (i % A) / 10),
      cameras: ['top'],
      features,
      vectors: { 'observation.state': qpos },
      readImage,
      readFrame: (_key: string, t: number) => readImage('top', t),
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
