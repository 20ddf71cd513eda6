import type { Command } from 'commander';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { runDemo } from '../pipeline/run-demo.js';
import { collect, SET_HELP, configFromOptions } from './options.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Record scripted demonstrations in the simulator, train a small ACT on the embedded backend, evaluate it and print a success table (plots beside it)')
    .option('-c, --config <file|preset>', 'preset or config file holding every number the demo uses', 'demo')
    .option('--set <key=value>', SET_HELP, collect, [])
    .action(async (opts: { config: string; set: string[] }) => {
      const config = await configFromOptions(opts);
      const summary = await runDemo(config, { registry: builtinKinds(), log: (line) => console.error(line) });
      console.log(summary.report);
      console.log(`report ${summary.reportPath}; wall time ${(summary.seconds.total / 60).toFixed(1)} min`);
    });
}
