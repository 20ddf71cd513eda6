import { AlohaDataset, ChunkSampler, LeRobotDataset } from '@actfusion/datasets';
import { imageKey } from '@actfusion/contracts';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { checkDatasetPath } from './check-dataset-path.js';
import { splitEpisodes, type EpisodeSplit } from './validation-split.js';

/** Camera names the experiment uses (the simulated robot's cameras; none for a servo robot without). */
export function experimentCameras(config: ExperimentConfig): string[] {
  return [...config.robot.cameras];
}

/**
 * Opens the experiment's dataset and wraps it in the chunk sampler the Trainer draws from: the
 * training episodes of `dataset.valFraction`'s split (statistics too), with the split beside it.
 */
export async function openChunkDataset(config: ExperimentConfig): Promise<{ sampler: ChunkSampler; split: EpisodeSplit }> {
  checkDatasetPath(config.dataset);
  const cameras = experimentCameras(config);
  const collection =
    config.dataset.format === 'aloha-hdf5'
      ? await AlohaDataset.open(config.dataset.path, { cameras })
      : await LeRobotDataset.open(config.dataset.path, { videoKeys: cameras.map(imageKey) });
  checkImageSizes(config, collection.cameras);
  const split = splitEpisodes(collection.episodes.length, config.dataset.valFraction, `dataset.path ${config.dataset.path}`);
  // Every feature the dataset carries (cameras in the experiment's order); each encoder picks its own.
  const cameraKeys = cameras.map(imageKey);
  const features = [...collection.features.filter((f) => f.kind !== 'image').map((f) => f.key), ...cameraKeys];
  const sampler = new ChunkSampler(collection, { chunkSize: config.policy.chunkSize, sampling: 'episode', padding: 'zeros', actionOffset: 'act', features, episodes: split.train });
  return { sampler, split };
}

/**
 * The simulated robot renders its cameras at robot.imageHeight x robot.imageWidth; a policy trained
 * on frames of another size would be evaluated on images it never saw. Refused before any work.
 */
export function checkImageSizes(config: ExperimentConfig, datasetCameras: Readonly<Record<string, readonly [number, number]>>): void {
  const robot = config.robot as { kind: string; imageHeight?: number; imageWidth?: number };
  if (robot.kind !== 'sim' || robot.imageHeight === undefined || robot.imageWidth === undefined) return;
  for (const camera of experimentCameras(config)) {
    const shape = datasetCameras[camera];
    if (shape === undefined) continue; // the dataset reader names a missing camera itself
    const [h, w] = shape;
    if (h !== robot.imageHeight || w !== robot.imageWidth) {
      throw new Error(
        `dataset.path ${config.dataset.path}: camera ${camera} has ${h}x${w} frames, but robot.imageHeight x robot.imageWidth is ` +
          `${robot.imageHeight}x${robot.imageWidth}; record the dataset at that size or set --set robot.imageHeight=${h} --set robot.imageWidth=${w}`,
      );
    }
  }
}
