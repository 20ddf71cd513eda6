import type { Observation } from '@actfusion/contracts';

/** Messages to the tfjs predictor worker. */
export type WorkerRequest = { type: 'predict'; id: number; observation: Observation } | { type: 'dispose' };

/** Messages from it. */
export type WorkerReply =
  | { type: 'ready'; chunkSize: number; actionDim: number; backend: string; normalization: string }
  | { type: 'failed'; message: string }
  | { type: 'chunk'; id: number; data: Float32Array; actionDim: number }
  | { type: 'error'; id: number; message: string }
  | { type: 'disposed' };
