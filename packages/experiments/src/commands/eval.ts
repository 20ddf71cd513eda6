import type { Command } from 'commander';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { evaluatePolicy } from '../pipeline/evaluate-policy.js';
import { collect, CONFIG_HELP, configFromOptions, SET_HELP } from './options.js';

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('Roll a trained policy out in the simulator (object positions randomised per episode) and report success per reward stage')
    .requiredOption('-c, --config <file|preset>', CONFIG_HELP)
    .option('--set <key=value>', SET_HELP + '; e.g. --set eval.episodes=50 --set eval.saveFramesEvery=10 (frames as PNG)', collect, [])
    .option('--checkpoint <dir>', 'checkpoint folder (default <outputDir>/checkpoints/last)')
    .option('-o, --out <dir>', 'where eval.json, eval.md, the plot, rollouts/<name>.json (per-step log for actfusion view) and frames go (default <outputDir>/eval)')
    .action(async (opts: { config: string; set: string[]; checkpoint?: string; out?: string }) => {
      const config = await configFromOptions(opts);
      const summary = await evaluatePolicy(config, {
        registry: builtinKinds(),
        ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}),
        ...(opts.out ? { outDir: opts.out } : {}),
        log: (line) => console.error(line),
      });
      console.log(summary.markdown);
      console.log(`success ${summary.successes}/${summary.episodes} (${((100 * summary.successes) / summary.episodes).toFixed(1)} %) in ${summary.seconds.toFixed(1)} s`);
    });
}
