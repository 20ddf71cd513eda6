import * as tf from '@tensorflow/tfjs-core';
import { OBSERVATION_STATE, floatFeature, type Observation, type ObservationSpec, type TrainingSample } from '@actfusion/contracts';
import type { Featuriser } from '../contracts/modality-encoder.js';
import type { FeatureBatch, ObservationBatch } from '../contracts/observation-batch.js';
import type { Normalizer } from './normalizer.js';

/** A training batch as the policy's `computeLoss` takes it. The caller disposes it (`disposeCollated`). */
export interface CollatedBatch {
  readonly batch: ObservationBatch;
  /** [B, k, A], normalised. */
  readonly action: tf.Tensor3D;
  /** [B, k], float32, 1 = padded step. */
  readonly isPad: tf.Tensor2D;
}

/**
 * Batch observations: the shared part here (`observation.state` through the normaliser, as
 * `qpos` [B, stateDim]), and every encoder's own part from its `featurise` (under its name in
 * `inputs`). cvae-core knows no modality: cameras, touch and language are the encoders' business.
 */
export function collateObservations(
  observations: readonly Observation[],
  spec: ObservationSpec,
  normalizer: Normalizer,
  featurisers: readonly Featuriser[] = [],
): ObservationBatch {
  const b = observations.length;
  if (b === 0) throw new Error('collate: empty batch');
  const S = spec.stateDim;
  const qpos = new Float32Array(b * S);
  if (S > 0) observations.forEach((o, i) => qpos.set(normalizer.normalizeQpos(floatFeature(o, OBSERVATION_STATE, S, 'collate', i)), i * S));
  const inputs: Record<string, FeatureBatch> = {};
  try {
    for (const f of featurisers) {
      if (inputs[f.name]) throw new Error(`collate: two encoders are named '${f.name}'`);
      inputs[f.name] = f.featurise(observations);
    }
  } catch (err) {
    for (const part of Object.values(inputs)) tf.dispose(Object.values(part));
    throw err;
  }
  return { qpos: tf.tensor2d(qpos, [b, S]), inputs };
}

/**
 * Collate training samples: the observation batch, the normalised action chunks [B, k, A]
 * and `isPad` [B, k]. Padded steps are normalised like any other (ACT pads raw zeros, then
 * normalises); the loss masks them.
 */
export function collate(
  samples: readonly TrainingSample[],
  spec: ObservationSpec,
  normalizer: Normalizer,
  featurisers: readonly Featuriser[] = [],
): CollatedBatch {
  const b = samples.length;
  if (b === 0) throw new Error('collate: empty batch');
  const k = samples[0]!.isPad.length;
  const a = spec.actionDim;
  const action = new Float32Array(b * k * a);
  const isPad = new Float32Array(b * k);
  samples.forEach((s, i) => {
    if (s.isPad.length !== k) {
      throw new Error(`collate: sample ${i} field 'isPad' has ${s.isPad.length} steps, expected ${k} (as sample 0)`);
    }
    if (s.action.length !== k * a) {
      throw new Error(`collate: sample ${i} field 'action' has ${s.action.length} values, expected chunkSize*actionDim = ${k * a}`);
    }
    action.set(normalizer.normalizeAction(s.action), i * k * a);
    for (let j = 0; j < k; j++) isPad[i * k + j] = s.isPad[j] ? 1 : 0;
  });
  const batch = collateObservations(
    samples.map((s) => s.observation),
    spec,
    normalizer,
    featurisers,
  );
  return { batch, action: tf.tensor3d(action, [b, k, a]), isPad: tf.tensor2d(isPad, [b, k]) };
}

/** Dispose every tensor of a collated batch or observation batch. */
export function disposeCollated(c: CollatedBatch | ObservationBatch): void {
  const ob = 'batch' in c ? c.batch : c;
  ob.qpos.dispose();
  for (const part of Object.values(ob.inputs)) tf.dispose(Object.values(part));
  if ('batch' in c) {
    c.action.dispose();
    c.isPad.dispose();
  }
}
