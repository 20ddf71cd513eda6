import { Command, Option } from 'commander';
import { SIM_TASKS } from '@actfusion/robot-io';
import { recordDemonstrations, type DatasetFormat, type RecordDemonstrationsOptions } from '../pipeline/record-demonstrations.js';
import { LIMITS } from '../config/experiment-schema.js';
import { collect, CONFIG_HELP, configFromOptions, intOption, SET_HELP } from './options.js';


interface RecordCliOptions {
  config?: string;
  set: string[];
  task?: string;
  episodes?: number;
  out?: string;
  format?: DatasetFormat;
  cameras?: string;
  height?: number;
  width?: number;
  episodeLength?: number;
  firstSeed: number;
  keepFailed?: boolean;
}

/** What to record: the config's robot and dataset sections (with `-c`), then the flags given. */
async function recordOptions(opts: RecordCliOptions): Promise<RecordDemonstrationsOptions> {
  const fromConfig: Partial<RecordDemonstrationsOptions> & { height?: number; width?: number; cameraNames?: string[] } = {};
  if (opts.config !== undefined) {
    const config = await configFromOptions({ config: opts.config, set: opts.set });
    if (config.robot.kind !== 'sim') throw new Error(`record: config ${opts.config} has robot.kind "${config.robot.kind}"; scripted demonstrations need robot.kind "sim"`);
    Object.assign(fromConfig, {
      task: config.robot.task,
      episodes: config.dataset.episodes,
      out: config.dataset.path,
      format: config.dataset.format,
      episodeLength: config.robot.episodeLength,
      height: config.robot.imageHeight,
      width: config.robot.imageWidth,
      cameraNames: config.robot.cameras,
    });
  } else if (opts.set.length > 0) {
    throw new Error('record: --set needs -c/--config');
  }
  const task = opts.task ?? fromConfig.task;
  const episodes = opts.episodes ?? fromConfig.episodes;
  const out = opts.out ?? fromConfig.out;
  const missing = [task === undefined ? '--task' : '', episodes === undefined ? '--episodes' : '', out === undefined ? '--out' : ''].filter((m) => m !== '');
  if (missing.length > 0) throw new Error(`record: ${missing.join(', ')} required (or -c/--config naming a preset or config file)`);
  const height = opts.height ?? fromConfig.height ?? 480;
  const width = opts.width ?? fromConfig.width ?? 640;
  const cameraNames = opts.cameras !== undefined ? opts.cameras.split(',').filter((c) => c !== '') : (fromConfig.cameraNames ?? ['top']);
  const episodeLength = opts.episodeLength ?? fromConfig.episodeLength;
  return {
    task: task!,
    episodes: episodes!,
    out: out!,
    format: opts.format ?? fromConfig.format ?? 'aloha-hdf5',
    cameras: cameraNames.map((name) => ({ name, height, width })),
    firstSeed: opts.firstSeed,
    onlySuccessful: !(opts.keepFailed ?? false),
    ...(episodeLength !== undefined ? { episodeLength } : {}),
  };
}

export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description('Record scripted-expert demonstrations in the simulator into a dataset (ALOHA HDF5 or LeRobot v3.0); with -c, task, cameras, image size, episode length and the dataset come from the config')
    .option('-c, --config <file|preset>', `${CONFIG_HELP}; its robot and dataset sections say what to record (flags below override)`)
    .option('--set <key=value>', SET_HELP, collect, [])
    .option('--task <name>', `simulated task: ${Object.keys(SIM_TASKS).join(', ')}`)
    .option('--episodes <n>', 'successful episodes to record (failed expert rollouts are skipped)', intOption('--episodes', { max: LIMITS.episodes }))
    .option('--out <dir>', 'dataset folder to create (must not exist; written atomically)')
    .addOption(new Option('--format <format>', 'dataset format (default aloha-hdf5)').choices(['aloha-hdf5', 'lerobot']))
    .option('--cameras <names>', 'comma-separated camera names (default top)')
    .option('--height <px>', 'camera image height (default 480)', intOption('--height', { max: LIMITS.imageSide }))
    .option('--width <px>', 'camera image width (default 640)', intOption('--width', { max: LIMITS.imageSide }))
    .option('--episode-length <steps>', 'control steps per episode (default: the task\'s)', intOption('--episode-length', { max: LIMITS.episodeLength }))
    .option('--keep-failed', 'keep episodes where the expert failed (short CI datasets; training data should be successful demonstrations)')
    .option('--first-seed <n>', 'seed of the first episode (object positions); later episodes use the next seeds', intOption('--first-seed', { min: 0, max: 999_999 }), 0)
    .action(async (opts: RecordCliOptions) => {
      const options = await recordOptions(opts);
      const summary = await recordDemonstrations({ ...options, log: (line) => console.error(line) });
      console.log(`recorded ${summary.kept} episodes (${summary.attempted} attempted) into ${summary.dir}`);
    });
}
