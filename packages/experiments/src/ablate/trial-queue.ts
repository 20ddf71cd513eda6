import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { experimentSchema } from '../config/experiment-schema.js';
import { safeName } from './ablation-grid.js';
import { checkTrialResult, type TrialResult, type TrialSpec } from './trial.js';
import type { TrialRunnerRef, TrialRunnerRegistry } from './trial-runners.js';

/** Queue shared by `actfusion ablate --queue` and `actfusion worker --queue`. */
export const DEFAULT_QUEUE_NAME = 'actfusion-trials';

export interface TrialJobData {
  runId: string;
  trialId: string;
  config: unknown;
  runner: TrialRunnerRef;
}

/** Parses `redis://HOST:PORT[/DB]`, naming what was wrong. */
export function redisConnection(url: string): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--queue: expected redis://HOST:PORT, got "${url}"`);
  }
  if (parsed.protocol !== 'redis:') throw new Error(`--queue: expected a redis:// URL, got protocol "${parsed.protocol}" in "${url}"`);
  // BullMQ workers block on Redis; ioredis must not give up on a request.
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/**
 * Enqueues every trial and waits for all of them. Results are keyed by trial id, so the
 * table is the same as a local run's whatever worker ran what in which order. A trial whose
 * worker died is retried by another worker (BullMQ stalled-job handling); a trial that
 * fails (throws) fails the ablation with its reason.
 */
export async function runTrialsOnQueue(
  trials: readonly TrialSpec[],
  options: { url: string; queueName?: string; runner: TrialRunnerRef; runId?: string; pollMs?: number; log?: (line: string) => void },
): Promise<Map<string, TrialResult>> {
  const connection = redisConnection(options.url);
  const queue = new Queue<TrialJobData>(options.queueName ?? DEFAULT_QUEUE_NAME, { connection });
  const runId = options.runId ?? `run-${Date.now().toString(36)}-${process.pid}`;
  const log = options.log ?? (() => {});
  try {
    const jobs = await queue.addBulk(
      trials.map((t) => ({
        name: 'trial',
        data: { runId, trialId: t.id, config: t.config, runner: options.runner },
        opts: { jobId: `${runId}--${safeName(t.id)}`, attempts: 1, removeOnComplete: false, removeOnFail: false },
      })),
    );
    log(`queued ${jobs.length} trials on ${options.url} (${queue.name}), run ${runId}`);
    const results = new Map<string, TrialResult>();
    const pending = new Map(jobs.map((j, i) => [j.id as string, trials[i] as TrialSpec]));
    while (pending.size > 0) {
      for (const [jobId, trial] of [...pending]) {
        const job = await Job.fromId<TrialJobData, TrialResult>(queue, jobId);
        if (job === undefined) throw new Error(`job ${jobId} (trial ${trial.id}) disappeared from the queue`);
        const state = await job.getState();
        if (state === 'completed') {
          results.set(trial.id, checkTrialResult(job.returnvalue, trial.id));
          pending.delete(jobId);
          log(`[${results.size}/${trials.length}] ${trial.id} done (attempts ${job.attemptsStarted}, stalled ${job.stalledCounter})`);
          await job.remove();
        } else if (state === 'failed') {
          throw new Error(`trial ${trial.id} failed on a worker: ${job.failedReason}`);
        }
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    }
    return results;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export interface TrialWorkerOptions {
  url: string;
  queueName?: string;
  runners: TrialRunnerRegistry;
  concurrency?: number;
  /** A job whose lock is not renewed within this time counts as stalled (its worker died). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  log?: (line: string) => void;
}

/** A BullMQ worker that runs trials from the queue until closed. */
export function startTrialWorker(options: TrialWorkerOptions): Worker<TrialJobData, TrialResult> {
  const connection = redisConnection(options.url);
  const log = options.log ?? (() => {});
  const worker = new Worker<TrialJobData, TrialResult>(
    options.queueName ?? DEFAULT_QUEUE_NAME,
    async (job) => {
      const { trialId, runner: ref } = job.data;
      const parsed = experimentSchema.safeParse(job.data.config);
      if (!parsed.success) throw new Error(`trial ${trialId}: config does not match this worker's schema: ${parsed.error.message}`);
      log(`start ${trialId} (job ${job.id}, attempt ${job.attemptsStarted}, stalled ${job.stalledCounter})`);
      const runner = options.runners.create(ref);
      const result = await runner.run(parsed.data, {
        trialId,
        log: (line) => {
          void job.log(line);
        },
      });
      log(`done ${trialId}: ${result.successes}/${result.episodes}`);
      return result;
    },
    {
      connection,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 15_000,
      maxStalledCount: options.maxStalledCount ?? 2,
      autorun: true,
    },
  );
  worker.on('stalled', (jobId) => log(`detected stalled job ${jobId}; it goes back to the queue`));
  worker.on('failed', (job, err) => log(`failed ${job?.data.trialId ?? '?'}: ${err.message}`));
  worker.on('closed', () => connection.disconnect());
  return worker;
}
