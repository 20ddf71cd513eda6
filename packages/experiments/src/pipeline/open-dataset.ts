import { AlohaDataset, ChunkSampler, LeRobotDataset } from '@actfusion/datasets';
import type { ExperimentConfig } from '../config/experiment-schema.js';

/** Camera names the experiment uses (the simulated robot's cameras; none for a servo robot without). */
export function experimentCameras(config: ExperimentConfig): string[] {
  return [...config.robot.cameras];
}

/** Opens the experiment's dataset and wraps it in the chunk sampler the Trainer draws from. */
export async function openChunkDataset(config: ExperimentConfig): Promise<ChunkSampler> {
  const cameras = experimentCameras(config);
  const collection =
    config.dataset.format === 'aloha-hdf5'
      ? await AlohaDataset.open(config.dataset.path, { cameras })
      : await LeRobotDataset.open(config.dataset.path, { videoKeys: cameras.map((c) => `observation.images.${c}`) });
  return new ChunkSampler(collection, { chunkSize: config.policy.chunkSize, sampling: 'episode', padding: 'zeros', actionOffset: 'act', cameras });
}
