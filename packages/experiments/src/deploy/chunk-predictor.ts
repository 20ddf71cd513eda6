import type { Observation } from '@actfusion/contracts';

/** The inference runtimes `predict`, `eval` and `run` can use (`--runtime`, `runtime.inference`). */
export const INFERENCE_RUNTIMES = ['tfjs', 'onnx'] as const;
export type InferenceRuntime = (typeof INFERENCE_RUNTIMES)[number];

/**
 * A trained policy as deployment sees it: one raw observation in (robot units, camera frames as
 * the robot gives them), one chunk of `chunkSize` actions out, in robot units (normalisation and
 * unnormalisation are the predictor's business). `predict` must not block the caller's event loop
 * for the length of an inference: the tfjs predictor runs the network in a worker thread, the ONNX
 * Runtime one on ONNX Runtime's own threads, so a control loop awaiting nothing keeps ticking.
 *
 * Calls may overlap; an implementation serves them in order.
 */
export interface ChunkPredictor {
  /** Actions per chunk (the policy's `chunkSize`). */
  readonly chunkSize: number;
  /** Width of one action. */
  readonly actionDim: number;
  /** What runs the network, for logs and reports (e.g. `tfjs-wasm (worker)`, `onnxruntime`). */
  readonly runtime: string;
  /** One unnormalised chunk: `chunkSize` actions of `actionDim` values, index 0 = now. */
  predict(observation: Observation): Promise<Float32Array[]>;
  /** Free the network and stop any thread it runs on; safe to call twice. */
  dispose(): Promise<void>;
}
