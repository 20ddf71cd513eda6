import 'reflect-metadata';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { registerVersionCommand } from './commands/version.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerAblateCommand } from './commands/ablate.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerRecordCommand } from './commands/record.js';
import { registerTrainCommand } from './commands/train.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerRobotCommand } from './commands/robot.js';
import { registerExportCommand } from './commands/export.js';
import { registerViewCommand } from './commands/view.js';
import { registerRunCommand } from './commands/run.js';
import { registerConvertWeightsCommand } from './commands/convert-weights.js';

/**
 * The `actfusion` command. Each subcommand lives in `commands/<name>.ts` and exports
 * `register<Name>Command(program)`; add one import and one call here per command.
 */
export function buildProgram(): Command {
  const program = new Command('actfusion')
    .description('Train, evaluate and run ACT-style modality-fusion policies')
    .showHelpAfterError();
  registerVersionCommand(program);
  registerPredictCommand(program);
  registerBenchCommand(program);
  registerAblateCommand(program);
  registerWorkerCommand(program);
  registerRecordCommand(program);
  registerTrainCommand(program);
  registerEvalCommand(program);
  registerDemoCommand(program);
  registerRobotCommand(program);
  registerExportCommand(program);
  registerViewCommand(program);
  registerRunCommand(program);
  registerConvertWeightsCommand(program);
  return program;
}

/**
 * The one line an error prints. An error about a file or device given on the command line (a
 * serial port: `path`) names the flag that gave it, e.g. `--port /tmp/x: cannot open serial port ...`.
 */
export function formatCliError(err: unknown, argv: readonly string[]): string {
  const message = err instanceof Error ? err.message : String(err);
  const path = err instanceof Error && err.name === 'SerialPortError' ? (err as Error & { path?: unknown }).path : undefined;
  if (typeof path === 'string') {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a.startsWith('--') && (argv[i + 1] === path || a.endsWith(`=${path}`))) return `actfusion: ${a.split('=')[0]}: ${message}`;
    }
  }
  return `actfusion: ${message}`;
}

/** Parse `argv` and run the chosen command; errors print one line and set a non-zero exit code. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err: unknown) {
    console.error(formatCliError(err, argv));
    process.exitCode = 1;
  }
}

// `node dist/cli.js ...` runs the command; importing this module (bin/actfusion.js, tests) does not.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  void runCli(process.argv);
}
