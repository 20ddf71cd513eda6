import { Option, type Command } from 'commander';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { INFERENCE_RUNTIMES, type InferenceRuntime } from '../deploy/chunk-predictor.js';
import { configForCheckpoint } from '../deploy/checkpoint-config.js';
import { describeLimitClamps } from '../deploy/limit-clamps.js';
import { resolveCheckpoint } from '../deploy/resolve-checkpoint.js';
import { evaluatePolicy } from '../pipeline/evaluate-policy.js';
import { collect, CONFIG_HELP, configFromOptions, SET_HELP } from './options.js';
import { CHECKPOINT_HELP } from './predict.js';

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('Roll a trained policy out in the simulator through the deployment path of `run` (SafeRobot, ControlLoop, ChunkExecutor) and report success per reward stage')
    .option('-c, --config <file|preset>', `${CONFIG_HELP} (default: the checkpoint's)`)
    .option('--set <key=value>', SET_HELP + '; e.g. --set eval.episodes=50 --set eval.saveFramesEvery=10 (frames as PNG)', collect, [])
    .option('--checkpoint <dir>', `${CHECKPOINT_HELP} (default <outputDir>)`)
    .addOption(new Option('--runtime <name>', 'inference runtime (default the config\'s runtime.inference)').choices([...INFERENCE_RUNTIMES]))
    .option('--realtime', 'run at the robot\'s rate on the system clock (late chunks do not stop the loop) instead of in simulated time')
    .option('-o, --out <dir>', 'where eval.json, eval.md, the plot, rollouts/<name>.json (per-step log for actfusion view) and frames go (default <outputDir>/eval)')
    .action(async (opts: { config?: string; set: string[]; checkpoint?: string; out?: string; runtime?: InferenceRuntime; realtime?: boolean }) => {
      if (!opts.config && !opts.checkpoint) throw new Error('eval: give -c CONFIG, --checkpoint DIR, or both');
      const registry = builtinKinds();
      const config = opts.config
        ? await configFromOptions({ config: opts.config, set: opts.set })
        : (await configForCheckpoint(await resolveCheckpoint(opts.checkpoint!), { registry, set: opts.set })).config;
      const summary = await evaluatePolicy(config, {
        registry,
        ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}),
        ...(opts.out ? { outDir: opts.out } : {}),
        ...(opts.runtime ? { runtime: opts.runtime } : {}),
        realtime: opts.realtime ?? false,
        log: (line) => console.error(line),
      });
      console.log(summary.markdown);
      console.log(`success ${summary.successes}/${summary.episodes} (${((100 * summary.successes) / summary.episodes).toFixed(1)} %) in ${summary.seconds.toFixed(1)} s`);
      console.log(`inference ${summary.inference}; ${summary.ticks} ticks, ${summary.lateTicks} late, ${summary.lateChunks} late chunks; safety clamped ${summary.safetyClamped} actions`);
      console.log(`clamped to joint limits: ${describeLimitClamps(summary.limitClamps ?? {})}`);
    });
}
