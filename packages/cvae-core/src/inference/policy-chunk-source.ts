import * as tf from '@tensorflow/tfjs-core';
import type { Featuriser } from '../contracts/modality-encoder.js';
import type { ObservationBatch } from '../contracts/observation-batch.js';
import type { Observation, ObservationSpec } from '@actfusion/contracts';
import { collateObservations, disposeCollated } from '../training/collate.js';
import type { Normalizer } from '../training/normalizer.js';
import type { ActionChunk, ChunkSource } from './chunk-executor.js';

/** The part of a policy inference needs (`ActPolicy` has it). */
export interface ChunkPredictor {
  readonly spec: ObservationSpec;
  /** The encoders that featurise observations into `batch.inputs` (ActPolicy's modality encoders). */
  readonly encoders?: readonly Featuriser[];
  /** Normalised action chunk [B, k, A], z = 0. */
  predictChunk(batch: ObservationBatch): tf.Tensor3D;
}

/**
 * A `ChunkSource` over a policy: normalise one observation (batch of 1), predict the chunk,
 * unnormalise it and hand it back as `k` actions. Leaves no tensors behind.
 */
export function policyChunkSource(policy: ChunkPredictor, normalizer: Normalizer): ChunkSource {
  return async (observation: Observation): Promise<ActionChunk> => {
    const batch = collateObservations([observation], policy.spec, normalizer, policy.encoders ?? []);
    let out: tf.Tensor3D;
    try {
      out = tf.tidy(() => normalizer.unnormalizeActionTensor(policy.predictChunk(batch)));
    } finally {
      disposeCollated(batch);
    }
    const [, k, a] = out.shape;
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return Array.from({ length: k }, (_, i) => data.slice(i * a, (i + 1) * a));
  };
}
