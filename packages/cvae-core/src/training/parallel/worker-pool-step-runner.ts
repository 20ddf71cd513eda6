import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSample } from '@actfusion/contracts';
import type { RngState } from '../../random/rng.js';
import { wholeBatchOf } from '../batch-gradients.js';
import type { LocalStepConfig, StepOutcome, StepRunner } from '../step-runner.js';
import type { TrainablePolicy } from '../trainable-policy.js';
import type { PolicyFactoryRef } from './policy-factory.js';
import { abortBarrier, allocateSharedGradients, type SharedGradientBuffers } from './shared-gradients.js';
import { fromPayload, toPayload } from './tensor-payload.js';
import { nonTrainable, parameterOffsets, readSharedWeights, type SharedTrainingState } from './shared-training-state.js';
import { threadMemory, type TrainingMemory } from './thread-memory.js';
import type { FromWorker, ToWorker, WorkerOptimizerOptions } from './worker-messages.js';

export interface WorkerPoolOptions {
  readonly workers: number;
  readonly factory: PolicyFactoryRef;
  /** The trainer's policy: its buffers go to the workers at start; `pull` brings its weights up to date. */
  readonly policy: TrainablePolicy;
  /** The weights and AdamW state, filled by the trainer (the workers update them in place). */
  readonly state: SharedTrainingState;
  readonly step: LocalStepConfig;
  readonly optimizerOptions: WorkerOptimizerOptions;
}

/**
 * The worker script: next to this module when running from the build; from the package's `dist`
 * when this module runs from its TypeScript source (tests), since a worker thread runs JavaScript.
 */
export function gradientWorkerUrl(): URL {
  const here = new URL('./gradient-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = fileURLToPath(here).replace(/([\\/])src([\\/]training[\\/]parallel[\\/])/, '$1dist$2');
  if (!existsSync(built)) {
    throw new Error(`Trainer: the worker script ${built} is missing; build @actfusion/cvae-core (npx tsc -b packages/cvae-core/tsconfig.lib.json)`);
  }
  return pathToFileURL(built);
}

/**
 * V8 limits of a worker thread. A small young generation (about 1 MiB per semi-space instead of up
 * to 16): a worker's JavaScript allocates little, but what it does (tfjs's tensor bookkeeping,
 * message payloads) otherwise fills large semi-spaces, and the ArrayBuffers among it keep their
 * backing stores in the thread's malloc arena until a scavenge frees them. Measured on act-small
 * with 2 workers (peak RSS of the whole process): see docs/results/bench-act-small.md.
 */
export const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 3 } as const;

/** One worker thread and its single outstanding request. */
class WorkerHandle {
  private pending: { expect: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private exited = false;

  constructor(
    readonly index: number,
    readonly worker: Worker,
    log: (line: string) => void,
    onFailure: () => void,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'log') return log(m.line);
      const p = this.pending;
      this.pending = null;
      if (m.type === 'error') {
        if (!m.aborted) onFailure();
        const err = new Error(m.message);
        if (!m.aborted) this.failure = err;
        p?.reject(err);
      } else if (p && m.type === p.expect) p.resolve(m);
      else p?.reject(new Error(`worker ${index + 1}: expected '${p.expect}', got '${m.type}'`));
    });
    const fail = (err: Error): void => {
      this.failure ??= err;
      onFailure();
      this.pending?.reject(err);
      this.pending = null;
    };
    worker.on('error', (err) => fail(new Error(`worker ${index + 1} crashed: ${err.message}`)));
    worker.on('exit', (code) => {
      this.exited = true;
      if (this.pending) fail(new Error(`worker ${index + 1} exited (code ${code}) during a request`));
    });
  }

  request<T extends FromWorker['type']>(msg: ToWorker, expect: T): Promise<Extract<FromWorker, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.exited) return Promise.reject(new Error(`worker ${this.index + 1} has exited`));
    return new Promise((resolve, reject) => {
      this.pending = { expect, resolve: resolve as (m: FromWorker) => void, reject };
      this.worker.postMessage(msg);
    });
  }
}

/**
 * Data-parallel steps over worker threads (`Trainer` option `workers`). Each batch is cut into
 * contiguous shards, one per worker, at their global sample offsets; the workers sum their shard
 * gradients into the one shared copy of the weights (each backend holds the weights by then), each
 * applies the clipped AdamW update to its range of the sum and the shared moments, writing the new
 * weights over it, and all read the new weights back. This thread only posts shards and waits, so its event loop stays free.
 */
export class WorkerPoolStepRunner implements StepRunner {
  private closed = false;
  /** Set when a step failed after the workers began summing gradients over the shared weights. */
  private torn: Error | null = null;

  private constructor(
    private readonly o: WorkerPoolOptions,
    private readonly handles: WorkerHandle[],
    private readonly shared: SharedGradientBuffers,
  ) {}

  static async start(o: WorkerPoolOptions): Promise<WorkerPoolStepRunner> {
    const params = o.policy.trainableParameters();
    const { floats } = parameterOffsets(params);
    const shared = allocateSharedGradients(o.workers, params.length);
    const control = new Int32Array(shared.control);
    const url = gradientWorkerUrl();
    const handles = Array.from({ length: o.workers }, (_, i) => new WorkerHandle(i, new Worker(url, { execArgv: [], resourceLimits: WORKER_RESOURCE_LIMITS }), o.step.log, () => abortBarrier(control)));
    const pool = new WorkerPoolStepRunner(o, handles, shared);
    try {
      const buffers = toPayload(nonTrainable(o.policy, params));
      const s = o.step;
      await Promise.all(
        handles.map((h) =>
          h.request(
            {
              type: 'init',
              index: h.index,
              workers: o.workers,
              factory: o.factory,
              shared,
              state: o.state,
              spec: s.spec,
              normalizer: s.normalizer.toJSON(),
              reduction: s.reduction,
              clip: s.clip,
              microBatch: s.microBatch,
              ...(s.budgetBytes !== undefined ? { budgetBytes: s.budgetBytes } : {}),
              optimizer: o.optimizerOptions,
              buffers,
              paramNames: params.map(([n]) => n),
              paramShapes: params.map(([, v]) => [...v.shape]),
            },
            'ready',
          ),
        ),
      );
      const mib = (b: number): number => Math.round(b / 1048576);
      s.log(
        `trainer: ${o.workers} data-parallel workers ready (${floats.toLocaleString('en-US')} trainable floats; shared memory: ${mib(3 * floats * 4)} MiB of weights (which also take the gradient sum) and AdamW moments)`,
      );
    } catch (err) {
      await pool.dispose();
      throw err;
    }
    return pool;
  }

  async step(samples: readonly TrainingSample[], rngState: RngState, stepNumber: number): Promise<StepOutcome> {
    const n = this.handles.length;
    if (samples.length < n) throw new Error(`Trainer: a batch of ${samples.length} samples cannot feed ${n} workers`);
    if (this.torn) throw this.torn;
    const whole = wholeBatchOf(samples);
    let replies: Extract<FromWorker, { type: 'stepped' }>[];
    try {
      replies = await Promise.all(
        this.handles.map((h) => {
          const lo = Math.floor((h.index * samples.length) / n);
          const hi = Math.floor(((h.index + 1) * samples.length) / n);
          return h.request({ type: 'step', samples: samples.slice(lo, hi), offset: lo, whole, rngState, stepNumber }, 'stepped');
        }),
      );
    } catch (err) {
      // The shared weights may hold part of a gradient sum now: no pull or checkpoint may read them.
      this.torn = new Error(`Trainer: the weights in shared memory are incomplete after step ${stepNumber} failed (${err instanceof Error ? err.message : String(err)})`);
      throw err;
    }
    const r = replies[0]!;
    return { loss: r.loss, l1: r.l1, kl: r.kl, gradNorm: r.gradNorm, rngEnd: r.rngEnd };
  }

  /** Bring the trainer's policy up to date: the weights from shared memory (one tensor at a time), the buffers from worker 1. */
  async pull(): Promise<void> {
    if (this.torn) throw this.torn;
    const r = await this.handles[0]!.request({ type: 'pull' }, 'pulled');
    const buffers = fromPayload(r.buffers);
    try {
      this.o.policy.loadStateDict(buffers, { strict: false, source: 'worker 1 buffers' });
    } finally {
      tf.dispose([...buffers.values()]);
    }
    const params = this.o.policy.trainableParameters();
    readSharedWeights(this.o.state, params, parameterOffsets(params).offsets);
  }

  /** The trainer's thread and every worker's memory, and the shared buffers' size. */
  async memory(): Promise<TrainingMemory> {
    const workers = await Promise.all(this.handles.map((h) => h.request({ type: 'memory' }, 'memory')));
    const sharedBytes = [...Object.values(this.shared), ...Object.values(this.o.state)].reduce((s, b: SharedArrayBuffer) => s + b.byteLength, 0);
    return { threads: [threadMemory('main'), ...workers.map((w) => w.memory)], sharedBytes };
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.handles.map(async (h) => {
        try {
          await Promise.race([h.request({ type: 'close' }, 'closed'), new Promise((r) => setTimeout(r, 5000))]);
        } catch {
          // A failed worker is terminated below.
        }
        await h.worker.terminate();
      }),
    );
  }
}
