import type { Command } from 'commander';
import { cliTrialRunners } from '../ablate/cli-trial-runners.js';
import { checkRedisReachable, DEFAULT_QUEUE_NAME, startTrialWorker } from '../ablate/trial-queue.js';
import { installInterruptHandler } from './interrupt.js';
import { intOption } from './options.js';

const int = (name: string) => intOption(name);

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run ablation trials from a Redis queue until stopped (SIGINT/SIGTERM); start any number, on any machine')
    .requiredOption('--queue <redis-url>', 'Redis to take trials from, e.g. redis://10.0.0.5:6379')
    .option('--queue-name <name>', 'BullMQ queue name (the same as `ablate --queue-name`)', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'trials run at once in this process', int('--concurrency'), 1)
    .option('--lock-duration <ms>', 'a trial whose worker stops renewing its lock for this long is handed to another worker', int('--lock-duration'), 30_000)
    .option('--stalled-interval <ms>', 'how often this worker looks for trials abandoned by dead workers', int('--stalled-interval'), 15_000)
    .option('--max-stalled <n>', 'times a trial may be abandoned before it counts as failed', int('--max-stalled'), 2)
    .action(async (opts: { queue: string; queueName: string; concurrency: number; lockDuration: number; stalledInterval: number; maxStalled: number }) => {
      const log = (line: string): void => console.error(`[worker ${process.pid}] ${line}`);
      await checkRedisReachable(opts.queue);
      // First SIGINT/SIGTERM: running trials stop at a training step boundary with a checkpoint and go
      // back to the queue (the next worker resumes them); a second one exits at once.
      const interrupt = installInterruptHandler({ log, stopping: 'stopping: running trials checkpoint and go back to the queue' });
      const worker = startTrialWorker({
        signal: interrupt.signal,
        url: opts.queue,
        queueName: opts.queueName,
        runners: cliTrialRunners(),
        concurrency: opts.concurrency,
        lockDurationMs: opts.lockDuration,
        stalledIntervalMs: opts.stalledInterval,
        maxStalledCount: opts.maxStalled,
        log,
      });
      await worker.waitUntilReady();
      log(`ready on ${opts.queue} (${opts.queueName})`);
      await new Promise<void>((resolveStop) => {
        interrupt.signal.addEventListener('abort', () => void worker.close().then(() => resolveStop()), { once: true });
      });
      interrupt.dispose();
      log('stopped');
    });
}
