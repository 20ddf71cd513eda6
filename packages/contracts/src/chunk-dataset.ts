import type { RandomSource } from './random-source.js';
import type { Observation } from './observation.js';
import type { ObservationSpec } from './observation-spec.js';

/** Normalisation statistics of one feature (LeRobot's `stats.json` entry). */
export interface FeatureStats {
  readonly mean: Float32Array;
  readonly std: Float32Array;
  readonly min: Float32Array;
  readonly max: Float32Array;
  readonly q01?: Float32Array;
  readonly q99?: Float32Array;
  readonly count?: number;
}

/**
 * Normalisation statistics by feature key, as LeRobot's `stats.json`: `observation.state` and
 * `action` always; cameras (`observation.images.<camera>`, per channel of images scaled to [0, 1])
 * and any other feature when the dataset computed them.
 */
export interface DatasetStats {
  readonly 'observation.state': FeatureStats;
  readonly action: FeatureStats;
  readonly [key: string]: FeatureStats;
}

/** One training example: the observation at step t and the next k actions. */
export interface TrainingSample {
  readonly observation: Observation;
  /** [chunkSize * actionDim], row-major (step-major). Padded steps hold the padding policy's values. */
  readonly action: Float32Array;
  /** [chunkSize], 1 where the step lies past the episode end. */
  readonly isPad: Uint8Array;
  readonly episodeIndex: number;
  readonly frameIndex: number;
}

/** What the Trainer consumes: a sampler of (observation, action chunk, isPad). */
export interface ChunkDataset {
  readonly spec: ObservationSpec;
  readonly chunkSize: number;
  readonly episodeCount: number;
  /** Total number of frames over all episodes. */
  readonly frameCount: number;
  /** Draw `batchSize` samples using `rng` (so a resumed run draws the same ones). */
  sampleBatch(batchSize: number, rng: RandomSource): Promise<TrainingSample[]>;
  /** Normalisation statistics over the whole dataset. */
  stats(): Promise<DatasetStats>;
}
