import { Job, Queue, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { experimentSchema } from '../config/experiment-schema.js';
import { safeName } from './ablation-grid.js';
import { checkTrialResult, TrialInterruptedError, type TrialResult, type TrialSpec } from './trial.js';
import type { TrialRunnerRef, TrialRunnerRegistry } from './trial-runners.js';

/** Queue shared by `actfusion ablate --queue` and `actfusion worker --queue`. */
export const DEFAULT_QUEUE_NAME = 'actfusion-trials';

export interface TrialJobData {
  runId: string;
  trialId: string;
  config: unknown;
  runner: TrialRunnerRef;
}

function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--queue: expected redis://HOST:PORT, got "${url}"`);
  }
  if (parsed.protocol !== 'redis:') throw new Error(`--queue: expected a redis:// URL, got protocol "${parsed.protocol}" in "${url}"`);
  return parsed;
}

/**
 * Connects once, without retries, and fails with one line naming the URL when Redis is not
 * there (instead of ioredis retrying forever and printing a trace per attempt).
 */
export async function checkRedisReachable(url: string, timeoutMs = 5000): Promise<void> {
  parseRedisUrl(url);
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let socketError: NodeJS.ErrnoException | undefined;
  probe.on('error', (err: NodeJS.ErrnoException) => void (socketError ??= err)); // the cause; connect() only says "closed"
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const e = socketError ?? (err as NodeJS.ErrnoException);
    throw new Error(`--queue ${url}: cannot reach Redis (${e.code ?? e.message}); start redis-server there or check the address`);
  } finally {
    probe.disconnect();
  }
}

/** Parses `redis://HOST:PORT[/DB]`, naming what was wrong. */
export function redisConnection(url: string, log: (line: string) => void = () => {}): Redis {
  parseRedisUrl(url);
  // BullMQ workers block on Redis; ioredis must not give up on a request.
  const connection = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  // Reconnects are ioredis's business; say so once per outage, not once per attempt with a trace.
  let down = false;
  connection.on('error', (err: NodeJS.ErrnoException) => {
    if (!down) log(`lost Redis at ${url} (${err.code ?? err.message}); reconnecting`);
    down = true;
  });
  connection.on('ready', () => {
    if (down) log(`Redis at ${url} is back`);
    down = false;
  });
  return connection;
}

/**
 * Enqueues every trial and waits for all of them. Results are keyed by trial id, so the
 * table is the same as a local run's whatever worker ran what in which order. A trial whose
 * worker died is retried by another worker (BullMQ stalled-job handling); a trial that
 * fails (throws) fails the ablation with its reason.
 */
export async function runTrialsOnQueue(
  trials: readonly TrialSpec[],
  options: {
    url: string;
    queueName?: string;
    runner: TrialRunnerRef;
    runId?: string;
    pollMs?: number;
    log?: (line: string) => void;
    /** Called as each trial's result arrives (the ablation stores it, so a rerun skips it). */
    onResult?: (trial: TrialSpec, result: TrialResult) => Promise<void>;
    /** Stop request: this run's trials not yet started leave the queue; running ones finish on their workers. */
    signal?: AbortSignal;
  },
): Promise<Map<string, TrialResult>> {
  const log = options.log ?? (() => {});
  await checkRedisReachable(options.url);
  const connection = redisConnection(options.url, log);
  const queue = new Queue<TrialJobData>(options.queueName ?? DEFAULT_QUEUE_NAME, { connection });
  const runId = options.runId ?? `run-${Date.now().toString(36)}-${process.pid}`;
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
      if (options.signal?.aborted) {
        let removed = 0;
        for (const jobId of pending.keys()) {
          const job = await Job.fromId(queue, jobId);
          if (job && ['waiting', 'delayed', 'prioritized'].includes(await job.getState())) {
            await job.remove().then(() => removed++, () => {});
          }
        }
        log(`interrupted: took ${removed} trials not yet started off the queue; ${pending.size - removed} running on workers finish there (their checkpoints stay in their trial folders)`);
        throw new TrialInterruptedError([...pending.values()][0]!.id);
      }
      for (const [jobId, trial] of [...pending]) {
        const job = await Job.fromId<TrialJobData, TrialResult>(queue, jobId);
        if (job === undefined) throw new Error(`job ${jobId} (trial ${trial.id}) disappeared from the queue`);
        const state = await job.getState();
        if (state === 'completed') {
          results.set(trial.id, checkTrialResult(job.returnvalue, trial.id));
          await options.onResult?.(trial, results.get(trial.id)!);
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
  /** Stop request: running trials stop at a training step boundary (with a checkpoint) and go back to the queue. */
  signal?: AbortSignal;
}

/** A BullMQ worker that runs trials from the queue until closed. */
export function startTrialWorker(options: TrialWorkerOptions): Worker<TrialJobData, TrialResult> {
  const log = options.log ?? (() => {});
  const connection = redisConnection(options.url, log);
  const worker = new Worker<TrialJobData, TrialResult>(
    options.queueName ?? DEFAULT_QUEUE_NAME,
    async (job, token) => {
      const { trialId, runner: ref } = job.data;
      const parsed = experimentSchema.safeParse(job.data.config);
      if (!parsed.success) throw new Error(`trial ${trialId}: config does not match this worker's schema: ${parsed.error.message}`);
      log(`start ${trialId} (job ${job.id}, attempt ${job.attemptsStarted}, stalled ${job.stalledCounter})`);
      const runner = options.runners.create(ref);
      let result: TrialResult;
      try {
        result = await runner.run(parsed.data, {
          trialId,
          log: (line) => {
            void job.log(line);
          },
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (err) {
        if (!(err instanceof TrialInterruptedError)) throw err;
        // Back to the queue for another worker (or this one restarted), which resumes from the checkpoint.
        log(`${err.message}; ${trialId} goes back to the queue`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
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
