import * as ort from 'onnxruntime-node';
import { type ActPolicy, type Normalizer } from '@actfusion/cvae-core';
import { encodeOnnxModel, exportActPolicyOnnx, type OnnxFeatureAffine } from '@actfusion/cvae-core/io';
import { type Observation } from '@actfusion/contracts';
import type { ChunkPredictor } from './chunk-predictor.js';
import { observationFeeds, type OnnxInputSpec } from './onnx-observation-feeds.js';

/** ONNX Runtime's graph optimisation levels. */
export const ONNX_GRAPH_OPTIMIZATIONS = ['disabled', 'basic', 'extended', 'all'] as const;
export type OnnxGraphOptimization = (typeof ONNX_GRAPH_OPTIMIZATIONS)[number];

export interface OnnxChunkPredictorOptions {
  /** ONNX Runtime intra-op threads (default 1). */
  readonly threads?: number;
  /** Graph optimisation level (default `all`: measured fastest for act-small and act-paper, see the bench). */
  readonly graphOptimization?: OnnxGraphOptimization;
  /** Instruction -> sentence embedding (for a graph with a `task.embedding` input). */
  readonly instructionEmbedding?: (instruction: string) => Float32Array;
  /** Names the model in errors (the file path). */
  readonly source?: string;
}

/**
 * A `ChunkPredictor` over an exported ONNX graph (`actfusion export`) run by ONNX Runtime: its
 * `run` is asynchronous on ONNX Runtime's own threads, so the caller's event loop keeps ticking
 * while it infers. The graph takes raw observations (features by key) and returns the chunk in
 * robot units. Calls are served in order, one at a time.
 */
export class OnnxChunkPredictor implements ChunkPredictor {
  readonly runtime: string;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputs: readonly OnnxInputSpec[],
    readonly chunkSize: number,
    readonly actionDim: number,
    private readonly options: OnnxChunkPredictorOptions,
  ) {
    this.runtime = `onnxruntime-${options.threads ?? 1}-thread`;
  }

  /** Load a `.onnx` file (path) or its bytes. */
  static async create(model: string | Uint8Array, options: OnnxChunkPredictorOptions = {}): Promise<OnnxChunkPredictor> {
    const source = options.source ?? (typeof model === 'string' ? model : 'ONNX model');
    const threads = options.threads ?? 1;
    if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`${source}: threads must be a positive integer, got ${threads}`);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: options.graphOptimization ?? 'all',
    };
    let session: ort.InferenceSession;
    try {
      session = typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
    } catch (err) {
      throw new Error(`${source}: ONNX Runtime cannot load it: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      const output = session.outputMetadata.find((m) => m.name === 'action');
      if (!output || !output.isTensor || output.shape.length !== 3 || typeof output.shape[1] !== 'number' || typeof output.shape[2] !== 'number') {
        throw new Error(`${source}: expected an output 'action' [batch, k, A] (a graph made by actfusion export), got ${session.outputNames.join(', ')}`);
      }
      const inputs: OnnxInputSpec[] = session.inputMetadata.map((m) => {
        if (!m.isTensor) throw new Error(`${source}: input '${m.name}' is not a tensor`);
        return { name: m.name, type: m.type, shape: m.shape };
      });
      return new OnnxChunkPredictor(session, inputs, output.shape[1], output.shape[2], { ...options, source });
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /**
   * Export a loaded policy in memory (raw observations in: camera bytes, state in robot units;
   * chunk in robot units out) and load it. `imageNormalization`: checkpoint image statistics the
   * encoders do not apply themselves, by feature key (`observation.images.top`).
   */
  static async fromPolicy(
    policy: ActPolicy,
    normalizer: Normalizer | null,
    options: OnnxChunkPredictorOptions & { imageNormalization?: ReadonlyMap<string, OnnxFeatureAffine> } = {},
  ): Promise<OnnxChunkPredictor> {
    const { imageNormalization, ...rest } = options;
    const model = exportActPolicyOnnx(policy, { normalizer, imageInput: 'uint8-hwc', ...(imageNormalization ? { imageNormalization } : {}) });
    return OnnxChunkPredictor.create(encodeOnnxModel(model), { source: 'the exported policy', ...rest });
  }

  /** Input names of the graph (feature keys). */
  get inputNames(): readonly string[] {
    return this.inputs.map((i) => i.name);
  }

  predict(observation: Observation): Promise<Float32Array[]> {
    return this.enqueue(async () => {
      const feeds = observationFeeds(observation, this.inputs, {
        source: this.options.source ?? 'ONNX model',
        ...(this.options.instructionEmbedding ? { instructionEmbedding: this.options.instructionEmbedding } : {}),
      });
      const data = await this.runFeeds(feeds);
      const a = this.actionDim;
      return Array.from({ length: this.chunkSize }, (_, i) => data.slice(i * a, (i + 1) * a));
    });
  }

  /** Run prepared feeds (batch-first tensors by input name); the flat `action` values. */
  async runFeeds(feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
    if (this.disposed) throw new Error('OnnxChunkPredictor: predict after dispose');
    const out = await this.session.run(feeds);
    const action = out['action'];
    if (!action) throw new Error('OnnxChunkPredictor: the session returned no action');
    return action.data as Float32Array;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue.catch(() => undefined);
    await this.session.release();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
