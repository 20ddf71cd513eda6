import { Command, Option } from 'commander';
import { runAblation } from '../ablate/run-ablation.js';
import { DEFAULT_QUEUE_NAME } from '../ablate/trial-queue.js';
import { cliTrialRunners } from '../ablate/cli-trial-runners.js';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { TrialInterruptedError } from '../ablate/trial.js';
import { installInterruptHandler, INTERRUPTED_EXIT_CODE } from './interrupt.js';
import { numberOption } from './options.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds: expected comma-separated integers >= 0, got "${text}"`);
  return seeds;
}

export function registerAblateCommand(program: Command): void {
  program
    .command('ablate')
    .description('Run a grid of config variants x training seeds and write a success table (Markdown, CSV) with confidence intervals and plots')
    .requiredOption('-c, --config <file|preset>', 'experiment config (YAML/JSON) or preset name, e.g. ablations/chunk-size.yaml; its `ablation` section gives the grid')
    .option('--set <key=value>', 'override a config value (repeatable), e.g. --set train.steps=2000', collect, [])
    .option('--grid <key=v1,v2>', 'vary a config key over values (repeatable; adds to or replaces the config grid), e.g. --grid policy.chunkSize=1,10,50,100', collect, [])
    .option('--seeds <list>', 'training seeds per grid cell, comma-separated (default: the config, else 0,1,2)')
    .addOption(new Option('--trial <runner>', 'what one trial runs: act = train + eval with the config; synthetic = a cheap deterministic stand-in for checking the machinery').default('act'))
    .option('--trial-delay-ms <ms>', 'synthetic trials only: sleep this long per evaluation episode', numberOption('--trial-delay-ms', { min: 0 }))
    .option('--queue <redis-url>', 'spread trials over `actfusion worker` processes through Redis, e.g. redis://127.0.0.1:6379')
    .option('--queue-name <name>', 'BullMQ queue name (workers must use the same)', DEFAULT_QUEUE_NAME)
    .option('-o, --out <dir>', 'output folder (default: the config outputDir)')
    .option('--dry-run', 'validate every trial config and list the trials, run nothing')
    .action(async (opts: { config: string; set: string[]; grid: string[]; seeds?: string; trial: string; trialDelayMs?: number; queue?: string; queueName: string; out?: string; dryRun?: boolean }) => {
      const runners = cliTrialRunners();
      const interrupt = installInterruptHandler({
        log: (line) => console.error(line),
        stopping: opts.queue ? 'taking the trials not yet started off the queue' : 'stopping the running trial at its next training step (with a checkpoint)',
        now: 'finished trials stay stored; rerun the same command to continue',
      });
      const ablation = runAblation({
        signal: interrupt.signal,
        config: opts.config,
        set: opts.set,
        grid: opts.grid,
        ...(opts.seeds === undefined ? {} : { seeds: parseSeeds(opts.seeds) }),
        registry: builtinKinds(),
        runners,
        runner: { name: opts.trial, options: opts.trialDelayMs === undefined ? {} : { delayMs: opts.trialDelayMs } },
        ...(opts.queue === undefined ? {} : { queue: opts.queue }),
        queueName: opts.queueName,
        ...(opts.out === undefined ? {} : { out: opts.out }),
        dryRun: opts.dryRun ?? false,
        log: (line) => console.error(line),
      }).finally(() => interrupt.dispose());
      let result: Awaited<typeof ablation>;
      try {
        result = await ablation;
      } catch (err) {
        if (!(err instanceof TrialInterruptedError)) throw err;
        console.error(err.message);
        console.error(`finished trials stay stored in ${opts.out ?? "the ablation's outputDir"}/trials; rerun the same command to continue (they are skipped; an interrupted trial resumes from its checkpoint)`);
        process.exitCode = INTERRUPTED_EXIT_CODE;
        return;
      }
      if (opts.dryRun) {
        console.log(`${result.trials} trials validated; list in ${result.dir}/trials.json`);
        return;
      }
      console.log(result.markdown);
      console.log(`table and plots in ${result.dir}`);
    });
}
