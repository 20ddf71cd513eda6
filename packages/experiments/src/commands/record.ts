import { Command, Option } from 'commander';
import { SIM_TASKS } from '@actfusion/robot-io';
import { recordDemonstrations, type DatasetFormat } from '../pipeline/record-demonstrations.js';

const positive = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a positive integer, got "${v}"`);
  return n;
};

export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description('Record scripted-expert demonstrations in the simulator into a dataset (ALOHA HDF5 or LeRobot v3.0)')
    .requiredOption('--task <name>', `simulated task: ${Object.keys(SIM_TASKS).join(', ')}`)
    .requiredOption('--episodes <n>', 'successful episodes to record (failed expert rollouts are skipped)', positive('--episodes'))
    .requiredOption('--out <dir>', 'dataset folder to create (must not exist; written atomically)')
    .addOption(new Option('--format <format>', 'dataset format').choices(['aloha-hdf5', 'lerobot']).default('aloha-hdf5'))
    .option('--cameras <names>', 'comma-separated camera names', 'top')
    .option('--height <px>', 'camera image height', positive('--height'), 480)
    .option('--width <px>', 'camera image width', positive('--width'), 640)
    .option('--episode-length <steps>', 'control steps per episode (default: the task\'s)', positive('--episode-length'))
    .option('--keep-failed', 'keep episodes where the expert failed (short CI datasets; training data should be successful demonstrations)')
    .option('--first-seed <n>', 'seed of the first episode (object positions); later episodes use the next seeds', (v) => Number(v), 0)
    .action(async (opts: { task: string; episodes: number; out: string; format: DatasetFormat; cameras: string; height: number; width: number; episodeLength?: number; firstSeed: number; keepFailed?: boolean }) => {
      const summary = await recordDemonstrations({
        task: opts.task,
        episodes: opts.episodes,
        out: opts.out,
        format: opts.format,
        cameras: opts.cameras.split(',').filter((c) => c !== '').map((name) => ({ name, height: opts.height, width: opts.width })),
        firstSeed: opts.firstSeed,
        onlySuccessful: !(opts.keepFailed ?? false),
        ...(opts.episodeLength ? { episodeLength: opts.episodeLength } : {}),
        log: (line) => console.error(line),
      });
      console.log(`recorded ${summary.kept} episodes (${summary.attempted} attempted) into ${summary.dir}`);
    });
}
