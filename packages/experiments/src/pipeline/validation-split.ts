/** Which episodes of a dataset train the policy and which measure its validation loss. */
export interface EpisodeSplit {
  /** Collection indices of the training episodes (all of them when valFraction is 0). */
  readonly train: readonly number[];
  /** Collection indices of the validation episodes (empty when valFraction is 0). */
  readonly validation: readonly number[];
}

/**
 * `dataset.valFraction`: the last round(valFraction * episodes) episodes (at least one) validate,
 * the rest train. A fixed rule, so a resumed run and its evaluation see the same split. A fraction
 * that leaves no training episode is refused before any work, naming the key and the counts.
 */
export function splitEpisodes(episodes: number, valFraction: number, source: string): EpisodeSplit {
  const all = Array.from({ length: episodes }, (_, i) => i);
  if (valFraction === 0) return { train: all, validation: [] };
  const nVal = Math.max(1, Math.round(valFraction * episodes));
  const nTrain = episodes - nVal;
  if (nTrain < 1) {
    throw new Error(
      `dataset.valFraction=${valFraction}: ${source} has ${episodes} episode${episodes === 1 ? '' : 's'}, so ${nVal} would validate and none would train; ` +
        `expected at least 2 episodes and a valFraction that leaves at least one for training (record more episodes or set --set dataset.valFraction=0)`,
    );
  }
  return { train: all.slice(0, nTrain), validation: all.slice(nTrain) };
}
