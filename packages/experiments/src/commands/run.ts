import { Option, type Command } from 'commander';
import { loadCalibration, ServoArm, SimRobot, type Robot, type SimTaskName } from '@actfusion/robot-io';
import { builtinKinds } from '../composition/builtin-kinds.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { INFERENCE_RUNTIMES, type InferenceRuntime } from '../deploy/chunk-predictor.js';
import { configForCheckpoint } from '../deploy/checkpoint-config.js';
import { createChunkPredictor, measureLatency } from '../deploy/create-predictor.js';
import { executionModeOf, fitToLatency } from '../deploy/execution-mode.js';
import { describeLimitClamps } from '../deploy/limit-clamps.js';
import { runPolicy, type PolicyRunReport } from '../deploy/policy-runner.js';
import { resolveCheckpoint } from '../deploy/resolve-checkpoint.js';
import { fitArmToConfig } from '../deploy/servo-arm-config.js';
import { writeFileAtomic } from '@actfusion/atomic-file';
import { collect, CONFIG_HELP, SET_HELP } from './options.js';
import { CHECKPOINT_HELP } from './predict.js';
import { ARMS, armPreset } from './robot.js';

const positive = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name}: expected a positive number, got "${v}"`);
  return n;
};

interface RunOpts {
  checkpoint: string;
  config?: string;
  set: string[];
  runtime?: InferenceRuntime;
  ticks?: number;
  seed: number;
  inProcess?: boolean;
  arm?: string;
  port?: string;
  calibration?: string;
  maxRelativeTarget?: number;
  report?: string;
  busTimeoutMs?: number;
}

/** The robot the config (or the servo options) names, connected. */
async function openRobot(config: ExperimentConfig, o: RunOpts): Promise<{ robot: Robot; sim?: SimRobot }> {
  if (o.port !== undefined || config.robot.kind === 'servo') {
    const port = o.port ?? (config.robot.kind === 'servo' ? config.robot.port : undefined);
    const calibration = o.calibration ?? (config.robot.kind === 'servo' ? config.robot.calibration : undefined);
    if (!port || !calibration || !o.arm) throw new Error('run on a servo arm needs --arm, --port and --calibration (or robot.port and robot.calibration in the config)');
    const defaults = armPreset(o.arm)({ port, calibration: await loadCalibration(calibration), controlHz: config.robot.kind === 'servo' ? config.robot.controlHz : 50 });
    const preset = config.robot.kind === 'servo' ? fitArmToConfig(o.arm, defaults, config.robot) : defaults;
    const arm = new ServoArm(o.busTimeoutMs === undefined ? preset : { ...preset, bus: { ...preset.bus, timeoutMs: o.busTimeoutMs } });
    await arm.connect();
    return { robot: arm };
  }
  if (config.robot.kind !== 'sim') throw new Error(`run: unknown robot kind`);
  const r = config.robot;
  const sim = await SimRobot.create({ task: r.task as SimTaskName, cameras: r.cameras.map((name) => ({ name, height: r.imageHeight, width: r.imageWidth })), tactile: false, seed: o.seed, randomize: r.randomize });
  return { robot: sim, sim };
}

/** One line per figure a person wants after a run. */
export function runSummary(r: PolicyRunReport): string {
  const l = r.loop;
  return [
    `run ${l.stoppedBy}${l.fault ? ` (${l.fault.message})` : ''}: ${l.ticks} ticks at ${l.achievedHz.toFixed(1)} Hz (target ${l.hz}) on ${r.runtime}`,
    `late ticks ${l.lateTicks} (${((1000 * l.lateTicks) / Math.max(1, l.ticks)).toFixed(1)} per 1000), missed ${l.missedTicks}, lateness p99 ${l.p99LatenessMs.toFixed(2)} ms max ${l.maxLatenessMs.toFixed(2)} ms, longest tick ${l.maxTickMs.toFixed(2)} ms`,
    `chunks ${r.executor.queries}, late chunks ${r.executor.lateChunks}; safety: ${r.safety.actions} actions, ${r.safety.limitClamped} clamped to limits, ${r.safety.stepClamped} step-capped, ${r.safety.held} held`,
    `clamped to joint limits: ${describeLimitClamps(r.safety.limitClampedByJoint)}`,
  ].join('\n');
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Drive a robot (simulated or a servo arm) with a checkpoint: ControlLoop at the robot rate, SafeRobot, ChunkExecutor, inference off the control thread')
    .requiredOption('--checkpoint <dir>', CHECKPOINT_HELP)
    .option('-c, --config <file|preset>', `${CONFIG_HELP} (default: the checkpoint's)`)
    .option('--set <key=value>', `${SET_HELP}; e.g. --set execution.mode=rtc --set robot.task=lift-cube`, collect, [])
    .addOption(new Option('--runtime <name>', 'inference runtime (default the config\'s runtime.inference)').choices([...INFERENCE_RUNTIMES]))
    .option('--ticks <n>', 'stop after this many control ticks (default: the sim episode length; servo: until Ctrl-C)', positive('--ticks'))
    .option('--seed <n>', 'simulator: object placement seed', (v) => Number(v), 0)
    .option('--in-process', 'run tfjs on the control thread (synchronous execution, for comparison)')
    .option('--arm <name>', `servo arm type: ${Object.keys(ARMS).join(', ')}`)
    .option('--port <path>', 'servo arm serial port (drives the arm instead of the simulator)')
    .option('--calibration <file>', 'servo arm calibration JSON (from `robot calibrate`)')
    .option('--bus-timeout-ms <ms>', 'servo arm: status-packet timeout (default 50)', positive('--bus-timeout-ms'))
    .option('--max-relative-target <units>', 'SafeRobot cap on the per-tick change of a joint target', positive('--max-relative-target'))
    .option('--report <file>', 'write the run report as JSON')
    .action(async (o: RunOpts) => {
      const registry = builtinKinds();
      const ckpt = await resolveCheckpoint(o.checkpoint);
      const { config, source } = await configForCheckpoint(ckpt, { registry, config: o.config, set: o.set });
      const { robot, sim } = await openRobot(config, o);
      try {
        const spec = sim ? sim.observationSpec() : undefined;
        const predictor = await createChunkPredictor({ config, pretrainedDir: ckpt.pretrainedDir, registry, ...(o.runtime ? { runtime: o.runtime } : {}), ...(spec ? { spec } : {}), inProcess: o.inProcess ?? false });
        try {
          const hz = robot.spec.controlHz;
          const latency = await measureLatency(predictor, await robot.observe());
          const fitted = fitToLatency(executionModeOf(config, { realtime: true }), latency.medianMs, hz, predictor.chunkSize);
          console.error(`run: ${ckpt.pretrainedDir} (config ${source}) on ${robot.spec.name} at ${hz} Hz, ${predictor.runtime}; ${fitted.note}`);
          const stop = new AbortController();
          const onSigint = () => stop.abort();
          process.once('SIGINT', onSigint);
          const maxRelativeTarget = o.maxRelativeTarget ?? config.execution.maxRelativeTarget;
          const ticks = o.ticks ?? (config.robot.kind === 'sim' && sim ? config.robot.episodeLength : undefined);
          const report = await runPolicy({
            robot,
            predictor,
            mode: fitted.mode,
            ...(ticks !== undefined ? { ticks } : {}),
            signal: stop.signal,
            ...(maxRelativeTarget !== undefined ? { safety: { maxRelativeTarget } } : {}),
            onTick: () => (sim ? sim.success : false),
          }).finally(() => process.off('SIGINT', onSigint));
          console.log(runSummary(report));
          if (sim) console.log(`task ${sim.task.name}: reward ${sim.episodeReward}/${sim.maxReward}${sim.success ? ' success' : ''}`);
          if (o.report) {
            const { fault, faultHandlerError, ...loop } = report.loop;
            const json = { ...report, loop: { ...loop, ...(fault ? { fault: fault.message } : {}), ...(faultHandlerError ? { faultHandlerError: faultHandlerError.message } : {}) }, latencyMs: latency, mode: fitted.mode, ...(sim ? { reward: sim.episodeReward, success: sim.success } : {}) };
            await writeFileAtomic(o.report, `${JSON.stringify(json, null, 2)}\n`);
          }
          if (report.loop.fault) throw report.loop.fault;
        } finally {
          await predictor.dispose();
        }
      } finally {
        await robot.disconnect();
      }
    });
}
