import { createRuntime, type BackendRequest } from '@actfusion/cvae-core';
import { type ObservationSpec } from '@actfusion/contracts';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import type { ChunkPredictor, InferenceRuntime } from './chunk-predictor.js';
import { InferencePolicy } from './inference-policy.js';
import { InProcessChunkPredictor } from './in-process-predictor.js';
import { OnnxChunkPredictor } from './onnx-chunk-predictor.js';
import { TfjsWorkerChunkPredictor } from './tfjs-worker-predictor.js';

export interface PredictorOptions {
  readonly config: ExperimentConfig;
  readonly pretrainedDir: string;
  readonly registry: KindRegistry;
  /** `tfjs` (worker thread) or `onnx`; default the config's `runtime.inference`. */
  readonly runtime?: InferenceRuntime;
  /** The robot's observation spec (default: the checkpoint's config.json features). */
  readonly spec?: ObservationSpec;
  /** tfjs backend (default the config's `runtime.backend`). */
  readonly backend?: BackendRequest;
  /** ONNX Runtime intra-op threads (default the config's `runtime.inferenceThreads`). */
  readonly threads?: number;
  /** tfjs on the caller's thread instead of a worker (synchronous execution; benchmarks). */
  readonly inProcess?: boolean;
}

/** The `ChunkPredictor` a command asked for (`--runtime`, `runtime.inference`). */
export async function createChunkPredictor(o: PredictorOptions): Promise<ChunkPredictor> {
  const runtime = o.runtime ?? o.config.runtime.inference;
  const backend = o.backend ?? o.config.runtime.backend;
  if (runtime === 'onnx') {
    // Build and load with tfjs (cpu), export in memory with the statistics in the graph, run in ONNX Runtime.
    const rt = await createRuntime({ backend: 'cpu', seed: 0 });
    try {
      const policy = await InferencePolicy.load(o.config, o.pretrainedDir, { registry: o.registry, ...(o.spec ? { spec: o.spec } : {}) });
      try {
        return await OnnxChunkPredictor.fromPolicy(policy.policy, policy.normalizer, {
          threads: o.threads ?? o.config.runtime.inferenceThreads,
          imageNormalization: policy.onnxImageNormalization(),
          source: `${o.pretrainedDir} (exported to ONNX)`,
        });
      } finally {
        await policy.dispose();
      }
    } finally {
      rt.dispose();
    }
  }
  if (o.inProcess) {
    const rt = await createRuntime({ backend, seed: 0, kernels: o.config.runtime.kernels, blasThreads: o.config.runtime.blasThreads });
    const policy = await InferencePolicy.load(o.config, o.pretrainedDir, { registry: o.registry, ...(o.spec ? { spec: o.spec } : {}) });
    const predictor = new InProcessChunkPredictor(policy, rt.backend);
    const dispose = predictor.dispose.bind(predictor);
    return Object.assign(predictor, {
      dispose: async () => {
        await dispose();
        rt.dispose();
      },
    });
  }
  return TfjsWorkerChunkPredictor.create({ config: o.config, pretrainedDir: o.pretrainedDir, backend, ...(o.spec ? { spec: o.spec } : {}) });
}

/** Median and max of `n` timed predictions (after one warm-up), in ms. */
export async function measureLatency(predictor: ChunkPredictor, observation: Parameters<ChunkPredictor['predict']>[0], n = 3): Promise<{ medianMs: number; maxMs: number }> {
  await predictor.predict(observation);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await predictor.predict(observation);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[times.length >> 1]!, maxMs: times.at(-1)! };
}
