import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSample } from '@actfusion/contracts';
import type { ObservationBatch } from '../contracts/observation-batch.js';
import type { ImageFrame, Observation, ObservationSpec } from '@actfusion/contracts';
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
 * Stack observations into a normalised `ObservationBatch`: qpos through the normaliser,
 * every camera of `spec` as [B, H, W, 3] float32 in [0, 1], tactile images likewise.
 */
export function collateObservations(
  observations: readonly Observation[],
  spec: ObservationSpec,
  normalizer: Normalizer,
): ObservationBatch {
  const b = observations.length;
  if (b === 0) throw new Error('collate: empty batch');
  const qpos = new Float32Array(b * spec.stateDim);
  observations.forEach((o, i) => {
    if (o.qpos.length !== spec.stateDim) {
      throw new Error(`collate: sample ${i} field 'qpos' has ${o.qpos.length} values, expected stateDim ${spec.stateDim}`);
    }
    qpos.set(normalizer.normalizeQpos(o.qpos), i * spec.stateDim);
  });
  const images: Record<string, tf.Tensor4D> = {};
  for (const [cam, [h, w]] of Object.entries(spec.cameras)) {
    images[cam] = stackImages(
      observations.map((o, i) => {
        const f = o.images[cam];
        if (!f) throw new Error(`collate: sample ${i} has no image 'images.${cam}'`);
        return f;
      }),
      h,
      w,
      `images.${cam}`,
    );
  }
  let tactile: Record<string, tf.Tensor4D> | undefined;
  if (spec.tactile && Object.keys(spec.tactile).length > 0) {
    tactile = {};
    for (const [sensor, [h, w]] of Object.entries(spec.tactile)) {
      tactile[sensor] = stackImages(
        observations.map((o, i) => {
          const f = o.tactile?.[sensor]?.image;
          if (!f) throw new Error(`collate: sample ${i} has no tactile image 'tactile.${sensor}.image'`);
          return f;
        }),
        h,
        w,
        `tactile.${sensor}.image`,
      );
    }
  }
  return {
    qpos: tf.tensor2d(qpos, [b, spec.stateDim]),
    images,
    ...(tactile ? { tactile } : {}),
    observations,
  };
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
  );
  return { batch, action: tf.tensor3d(action, [b, k, a]), isPad: tf.tensor2d(isPad, [b, k]) };
}

/** Dispose every tensor of a collated batch or observation batch. */
export function disposeCollated(c: CollatedBatch | ObservationBatch): void {
  const ob = 'batch' in c ? c.batch : c;
  ob.qpos.dispose();
  for (const t of Object.values(ob.images)) t.dispose();
  for (const t of Object.values(ob.tactile ?? {})) t.dispose();
  ob.language?.dispose();
  if ('batch' in c) {
    c.action.dispose();
    c.isPad.dispose();
  }
}

/** v / 255 for every byte value (the same float32 as dividing each time, without the division). */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

function stackImages(frames: readonly ImageFrame[], h: number, w: number, field: string): tf.Tensor4D {
  const size = h * w * 3;
  const out = new Float32Array(frames.length * size);
  frames.forEach((f, i) => {
    if (f.height !== h || f.width !== w || f.data.length !== size) {
      throw new Error(
        `collate: sample ${i} field '${field}' is ${f.height}x${f.width} with ${f.data.length} bytes, expected ${h}x${w}x3 = ${size} bytes`,
      );
    }
    const base = i * size;
    const data = f.data;
    for (let j = 0; j < size; j++) out[base + j] = BYTE_TO_UNIT[data[j]!]!;
  });
  return tf.tensor4d(out, [frames.length, h, w, 3]);
}
