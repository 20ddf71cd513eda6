import type { FeatureSpec } from '@actfusion/contracts';
import type { Episode, EpisodeCollection } from '@actfusion/datasets';

/** The episodes of a dataset as the viewer reads them: metadata at once, episodes on request. */
export interface EpisodeSource {
  readonly root: string;
  readonly fps: number;
  readonly stateDim: number;
  readonly actionDim: number;
  readonly cameras: Readonly<Record<string, readonly [number, number]>>;
  /** The features its episodes carry, by key (ALOHA: those of episode 0). */
  readonly features: readonly FeatureSpec[];
  readonly count: number;
  /** The episode if it is already open (for listings), else undefined. */
  known(i: number): Episode | undefined;
  episode(i: number): Promise<Episode>;
  close(): Promise<void>;
}

/** A reader's EpisodeCollection (everything opened up front) as an EpisodeSource. */
export function collectionSource(c: EpisodeCollection): EpisodeSource {
  return {
    root: c.root,
    fps: c.fps,
    stateDim: c.stateDim,
    actionDim: c.actionDim,
    cameras: c.cameras,
    features: c.features,
    count: c.episodes.length,
    known: (i) => c.episodes[i],
    episode: (i) => {
      const ep = Number.isInteger(i) ? c.episodes[i] : undefined;
      return ep ? Promise.resolve(ep) : Promise.reject(new RangeError(`episode ${i} outside [0, ${c.episodes.length})`));
    },
    close: () => c.close(),
  };
}
