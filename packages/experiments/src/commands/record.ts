import { Command, Option } from 'commander';
import { SIM_TASKS } from '@actfusion/robot-io';
import { recordDemonstrations, type DatasetFormat, type RecordDemonstrationsOptions } from '../pipeline/record-demonstrations.js';
import { LIMITS } from '../config/experiment-schema.js';
import { recordTeleoperation } from '../pipeline/record-teleoperation.js';
import { ARMS, armPreset } from './robot.js';
import { collect, CONFIG_HELP, configFromOptions, intOption, numberOption, SET_HELP } from './options.js';


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
  robot: 'sim' | 'servo';
  arm?: string;
  leader?: string;
  follower?: string;
  leaderCalibration?: string;
  followerCalibration?: string;
  seconds?: number;
  hz?: number;
  maxRelativeTarget?: number;
  instruction?: string;
  resetSeconds: number;
  busTimeoutMs?: number;
}

/** `record --robot servo`: leader-follower teleoperation over two serial buses. */
async function recordServo(opts: RecordCliOptions): Promise<void> {
  const missing = (
    [
      ['--arm', opts.arm],
      ['--leader', opts.leader],
      ['--follower', opts.follower],
      ['--leader-calibration', opts.leaderCalibration],
      ['--follower-calibration', opts.followerCalibration],
      ['--episodes', opts.episodes],
      ['--out', opts.out],
    ] as const
  )
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) throw new Error(`record --robot servo: ${missing.join(', ')} required`);
  if (opts.config !== undefined || opts.task !== undefined) throw new Error('record --robot servo: -c and --task are for simulated recording');
  const hz = opts.hz ?? 50;
  const steps = opts.episodeLength ?? Math.round((opts.seconds ?? 10) * hz);
  const { episodes } = await recordTeleoperation({
    preset: armPreset(opts.arm!),
    leaderPort: opts.leader!,
    followerPort: opts.follower!,
    leaderCalibration: opts.leaderCalibration!,
    followerCalibration: opts.followerCalibration!,
    episodes: opts.episodes!,
    steps,
    out: opts.out!,
    format: opts.format ?? 'aloha-hdf5',
    hz,
    resetSeconds: opts.resetSeconds,
    ...(opts.busTimeoutMs !== undefined ? { busTimeoutMs: opts.busTimeoutMs } : {}),
    ...(opts.maxRelativeTarget !== undefined ? { maxRelativeTarget: opts.maxRelativeTarget } : {}),
    ...(opts.instruction !== undefined ? { instruction: opts.instruction } : {}),
    log: (line) => console.error(line),
  });
  console.log(`recorded ${episodes.length} teleoperated episodes (${episodes.reduce((a, e) => a + e.steps, 0)} steps) into ${opts.out}`);
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
      randomize: config.robot.randomize,
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
    ...(fromConfig.randomize !== undefined ? { randomize: fromConfig.randomize } : {}),
    ...(episodeLength !== undefined ? { episodeLength } : {}),
  };
}

export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description('Record demonstrations into a dataset (ALOHA HDF5 or LeRobot v3.0): scripted-expert episodes in the simulator (with -c, task, cameras, image size, episode length and the dataset come from the config), or leader-follower teleoperation of servo arms (--robot servo)')
    .addOption(new Option('--robot <kind>', 'sim: scripted expert in the simulator; servo: a leader arm teleoperates a follower arm').choices(['sim', 'servo']).default('sim'))
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
    .option('--arm <name>', `servo: arm type of leader and follower (${Object.keys(ARMS).join(', ')})`)
    .option('--leader <port>', 'servo: serial port of the leader arm')
    .option('--follower <port>', 'servo: serial port of the follower arm')
    .option('--leader-calibration <file>', 'servo: leader calibration JSON (from `robot calibrate`)')
    .option('--follower-calibration <file>', 'servo: follower calibration JSON')
    .option('--seconds <s>', 'servo: seconds per episode (default 10; --episode-length sets steps instead)', numberOption('--seconds', { min: 0.02, max: 3600 }))
    .option('--hz <n>', 'servo: control and recording rate (default 50)', intOption('--hz', { max: 1000 }))
    .option('--max-relative-target <units>', 'servo: largest per-tick move of a follower joint (safety cap)', numberOption('--max-relative-target', { min: 0 }))
    .option('--instruction <text>', 'servo: task instruction stored with every episode')
    .option('--bus-timeout-ms <ms>', 'servo: status-packet timeout of both buses (default 50)', intOption('--bus-timeout-ms', { max: 10_000 }))
    .option('--reset-seconds <s>', 'servo: pause between episodes to reset the scene', numberOption('--reset-seconds', { min: 0, max: 3600 }), 0)
    .action(async (opts: RecordCliOptions) => {
      if (opts.robot === 'servo') return recordServo(opts);
      const options = await recordOptions(opts);
      const summary = await recordDemonstrations({ ...options, log: (line) => console.error(line) });
      console.log(`recorded ${summary.kept} episodes (${summary.attempted} attempted) into ${summary.dir}`);
    });
}
