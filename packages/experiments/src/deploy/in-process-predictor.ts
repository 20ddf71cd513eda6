import type { Observation } from '@actfusion/contracts';
import type { ChunkPredictor } from './chunk-predictor.js';
import type { InferencePolicy } from './inference-policy.js';

/**
 * A `ChunkPredictor` that runs the tfjs network on the caller's thread: `predict` returns only
 * after the whole forward pass, during which the event loop (and a control loop on it) is blocked.
 * This is synchronous execution, the baseline of the control benchmark; deployments use
 * `TfjsWorkerChunkPredictor`.
 */
export class InProcessChunkPredictor implements ChunkPredictor {
  readonly runtime: string;
  private disposed = false;

  constructor(
    private readonly policy: InferencePolicy,
    backend: string,
  ) {
    this.runtime = `tfjs-${backend} (in process)`;
  }

  get chunkSize(): number {
    return this.policy.chunkSize;
  }

  get actionDim(): number {
    return this.policy.spec.actionDim;
  }

  async predict(observation: Observation): Promise<Float32Array[]> {
    if (this.disposed) throw new Error('InProcessChunkPredictor: predict after dispose');
    return this.policy.predictObservation(observation);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.policy.dispose();
  }
}
