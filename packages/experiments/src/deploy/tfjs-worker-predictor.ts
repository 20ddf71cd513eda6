import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendRequest } from '@actfusion/cvae-core';
import type { Observation, ObservationSpec } from '@actfusion/contracts';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { pluginFileOf } from '../composition/plugin-kinds.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import type { ChunkPredictor } from './chunk-predictor.js';
import type { WorkerReply, WorkerRequest } from './tfjs-worker-protocol.js';

/** Start `tfjs-predictor-worker` from dist (built) or, under vitest / the source runner, from src via vite. */
function startWorker(workerData: Record<string, unknown>): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource) return new Worker(new URL('./tfjs-predictor-worker.js', import.meta.url), { workerData });
  const entry = fileURLToPath(new URL('./tfjs-predictor-worker.ts', import.meta.url));
  return new Worker(new URL('./source-worker.mjs', import.meta.url), { workerData: { ...workerData, __entry: entry } });
}

/**
 * A `ChunkPredictor` whose tfjs network runs in a worker thread with its own runtime, so the
 * caller's event loop (the control loop) keeps ticking while a chunk is computed. Requests are
 * served in order; observations are copied to the worker, chunks come back as transferred buffers.
 */
export class TfjsWorkerChunkPredictor implements ChunkPredictor {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (c: Float32Array[]) => void; reject: (e: Error) => void }>();
  private closed: Promise<void> | null = null;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly chunkSize: number,
    readonly actionDim: number,
    readonly runtime: string,
    /** Where the statistics came from (`processor`, `legacy`, `normalizer.json`, `none`). */
    readonly normalization: string,
  ) {
    worker.on('message', (m: WorkerReply) => {
      if (m.type !== 'chunk' && m.type !== 'error') return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.type === 'error') w.reject(new Error(`tfjs worker: ${m.message}`));
      else w.resolve(Array.from({ length: m.data.length / m.actionDim }, (_, i) => m.data.subarray(i * m.actionDim, (i + 1) * m.actionDim)));
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`tfjs worker exited (code ${code})`)));
  }

  /** Load the checkpoint in a new worker thread; resolves once the policy is ready. */
  static async create(options: { config: ExperimentConfig; pretrainedDir: string; spec?: ObservationSpec; backend?: BackendRequest }): Promise<TfjsWorkerChunkPredictor> {
    const builtin = builtinKinds();
    const plugins = [...options.config.encoders.map((e) => ({ section: 'encoder' as const, kind: e.kind })), { section: 'decoder' as const, kind: options.config.decoder.kind }]
      .filter((p) => builtin.get(p.section, p.kind) === undefined)
      .map((p) => {
        const file = pluginFileOf(p.kind);
        if (file === undefined) throw new Error(`tfjs worker: ${p.section} kind "${p.kind}" is neither built in nor a plug-in loaded with the config`);
        return { ...p, file };
      });
    const worker = startWorker({ config: options.config, pretrainedDir: options.pretrainedDir, spec: options.spec, backend: options.backend ?? 'auto', plugins });
    const ready = await new Promise<Extract<WorkerReply, { type: 'ready' }>>((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'failed') reject(new Error(m.message));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`tfjs worker exited (code ${code}) before the policy was loaded`)));
    }).catch(async (err: Error) => {
      await worker.terminate();
      throw err;
    });
    return new TfjsWorkerChunkPredictor(worker, ready.chunkSize, ready.actionDim, `tfjs-${ready.backend} (worker thread)`, ready.normalization);
  }

  predict(observation: Observation): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new Error('TfjsWorkerChunkPredictor: predict after dispose'));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const message: WorkerRequest = { type: 'predict', id, observation };
      this.worker.postMessage(message);
    });
  }

  dispose(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => void this.worker.terminate().then(() => resolve()), 5000);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.postMessage({ type: 'dispose' } satisfies WorkerRequest);
    });
    return this.closed;
  }
}
