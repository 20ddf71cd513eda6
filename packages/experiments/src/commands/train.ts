import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { checkOutputDir } from '../io/output-dir.js';
import { trainExperiment } from '../pipeline/train-experiment.js';
import { installInterruptHandler, INTERRUPTED_EXIT_CODE } from './interrupt.js';
import { collect, CONFIG_HELP, configFromOptions, SET_HELP } from './options.js';

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Train a policy on the config\'s dataset; writes the resolved config, metrics.jsonl, checkpoints/<step> (+ last) and plots into outputDir')
    .requiredOption('-c, --config <file|preset>', CONFIG_HELP)
    .option('--set <key=value>', SET_HELP, collect, [])
    .option('--resume', 'continue from <outputDir>/checkpoints/last: weights, optimiser state, RNG streams and step')
    .action(async (opts: { config: string; set: string[]; resume?: boolean }) => {
      const config = await configFromOptions(opts);
      await checkOutputDir(config.outputDir, { field: 'outputDir', resume: opts.resume ?? false, mustHoldRun: opts.resume ?? false });
      const tty = process.stderr.isTTY === true && !process.env.CI;
      const bar = tty ? new SingleBar({ format: 'train |{bar}| {value}/{total} steps | loss {loss} | {speed} steps/s | eta {eta_formatted}', hideCursor: true }) : undefined;
      let started = false;
      const log = (line: string): void => (bar && started ? bar.updateETA() : console.error(line));
      // Ctrl-C: stop at the next step boundary and checkpoint it; a second Ctrl-C quits at once.
      const interrupt = installInterruptHandler({
        log: (line) => {
          if (bar && started) bar.stop();
          started = false;
          console.error(line);
        },
        stopping: 'stopping after the current training step and writing a checkpoint',
        now: `the newest complete checkpoint stays in ${config.outputDir}/checkpoints/last`,
      });
      const summary = await trainExperiment(config, {
        registry: builtinKinds(),
        resume: opts.resume ?? false,
        signal: interrupt.signal,
        log,
        onProgress: (p) => {
          if (bar) {
            if (interrupt.signal.aborted) return;
            if (!started) bar.start(p.totalSteps, p.step - 1, { loss: '-', speed: '-' });
            started = true;
            bar.update(p.step, { loss: p.loss.toFixed(4), speed: p.stepsPerSecond.toFixed(2) });
          } else if (p.step % config.train.logFreq === 0 || p.step === p.totalSteps) {
            console.error(`step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} l1 ${p.l1.toFixed(4)} kl ${p.kl.toFixed(4)} grad_norm ${p.gradNorm.toFixed(3)} ${p.stepsPerSecond.toFixed(2)} steps/s`);
          }
        },
      }).finally(() => interrupt.dispose());
      bar?.stop();
      if (summary.interrupted) {
        const again = ['actfusion', 'train', '-c', opts.config, ...opts.set.flatMap((s) => ['--set', s]), '--resume'].map(shellQuote).join(' ');
        console.error(`interrupted at step ${summary.steps}/${config.train.steps}; checkpoint ${summary.checkpoint}`);
        console.error(`resume with: ${again}`);
        process.exitCode = INTERRUPTED_EXIT_CODE;
        return;
      }
      console.log(`trained ${summary.steps} steps in ${summary.seconds.toFixed(1)} s on ${summary.backend}; final loss ${summary.finalLoss.toFixed(4)}`);
      console.log(`checkpoint ${summary.checkpoint}\nmetrics ${summary.metricsPath}`);
    });
}

/** Quote one argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
