// The worker thread of `TfjsWorkerChunkPredictor`: its own tfjs runtime and policy; chunks on request.
import 'reflect-metadata';
import { availableParallelism } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createRuntime, type BackendRequest } from '@actfusion/cvae-core';
import { type Observation, type ObservationSpec } from '@actfusion/contracts';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { addPluginKind, rememberPluginFile } from '../composition/plugin-kinds.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { InferencePolicy } from './inference-policy.js';
import type { WorkerReply, WorkerRequest } from './tfjs-worker-protocol.js';

const data = workerData as {
  config: ExperimentConfig;
  pretrainedDir: string;
  spec?: ObservationSpec;
  backend: BackendRequest;
  /** Plug-in kinds of the config and the files the caller resolved them to. */
  plugins: { section: 'encoder' | 'decoder'; kind: string; file: string }[];
};
const port = parentPort!;
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  // This thread is the only one computing: the native kernels' OpenBLAS gets every core unless configured.
  const runtime = await createRuntime({
    backend: data.backend,
    seed: 0,
    kernels: data.config.runtime.kernels,
    blasThreads: data.config.runtime.blasThreads ?? availableParallelism(),
  });
  // The built-in kinds and the plug-ins the config names, from the files the caller resolved.
  const registry = builtinKinds();
  for (const p of data.plugins) {
    rememberPluginFile(p.kind, p.file);
    await addPluginKind(registry, p.section, p.kind, p.file);
  }
  const policy = await InferencePolicy.load(data.config, data.pretrainedDir, { registry, ...(data.spec ? { spec: data.spec } : {}) });
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'predict') {
      try {
        const chunk = policy.predictObservation(m.observation as Observation);
        const a = chunk[0]!.length;
        const flat = new Float32Array(chunk.length * a);
        chunk.forEach((row, i) => flat.set(row, i * a));
        post({ type: 'chunk', id: m.id, data: flat, actionDim: a }, [flat.buffer]);
      } catch (err) {
        post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) });
      }
    } else if (m.type === 'dispose') {
      void policy.dispose().then(() => {
        runtime.dispose();
        post({ type: 'disposed' });
        port.close();
      });
    }
  });
  post({ type: 'ready', chunkSize: policy.chunkSize, actionDim: policy.spec.actionDim, backend: runtime.backend, normalization: policy.normalizationSource });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  port.close();
}
