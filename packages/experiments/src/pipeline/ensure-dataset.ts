import { existsSync } from 'node:fs';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { recordDemonstrations } from './record-demonstrations.js';

/**
 * Records the config's dataset with the scripted expert when it does not exist yet (simulated
 * robots only). Recording is atomic (temp folder + rename), so concurrent trials either see a
 * complete dataset or record their own copy; the loser of the rename race reuses the winner's.
 */
export async function ensureDataset(config: ExperimentConfig, log: (line: string) => void = () => {}): Promise<'existing' | 'recorded'> {
  if (existsSync(config.dataset.path)) return 'existing';
  if (config.robot.kind !== 'sim') throw new Error(`dataset ${config.dataset.path} does not exist (record it with a real robot first)`);
  const robot = config.robot;
  log(`recording ${config.dataset.episodes} scripted ${robot.task} episodes into ${config.dataset.path}`);
  try {
    await recordDemonstrations({
      task: robot.task,
      episodes: config.dataset.episodes,
      out: config.dataset.path,
      format: config.dataset.format,
      cameras: robot.cameras.map((name) => ({ name, height: robot.imageHeight, width: robot.imageWidth })),
      episodeLength: robot.episodeLength,
      randomize: robot.randomize,
      log,
    });
  } catch (err) {
    if (existsSync(config.dataset.path)) return 'existing';
    throw err;
  }
  return 'recorded';
}
