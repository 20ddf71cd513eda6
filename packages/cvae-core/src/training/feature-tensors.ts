import * as tf from '@tensorflow/tfjs-core';
import { featureSize, floatFeature, imageFeature, type FeatureSpec, type Observation } from '@actfusion/contracts';

/** v / 255 for every byte value (the same float32 as dividing each time, without the division). */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * Stack one image feature (`[H, W, 3]`, e.g. `observation.images.top` or a tactile image) of every
 * observation into [B, H, W, 3] float32 in [0, 1]. `who` names the caller in errors.
 */
export function stackImageFeature(observations: readonly Observation[], feature: FeatureSpec, who: string): tf.Tensor4D {
  const [h, w, c] = feature.shape;
  if (feature.shape.length !== 3 || c !== 3) throw new Error(`${who}: feature '${feature.key}' has shape [${feature.shape}], expected [H, W, 3]`);
  const size = h! * w! * 3;
  const out = new Float32Array(observations.length * size);
  observations.forEach((o, i) => {
    const data = imageFeature(o, feature.key, h!, w!, who, i).data;
    const base = i * size;
    for (let j = 0; j < size; j++) out[base + j] = BYTE_TO_UNIT[data[j]!]!;
  });
  return tf.tensor4d(out, [observations.length, h!, w!, 3]);
}

/**
 * Stack one Float32Array feature (state, taxels, ...) of every observation into [B, ...shape],
 * each value divided by `scale` (default 1).
 */
export function stackFloatFeature(observations: readonly Observation[], feature: FeatureSpec, who: string, scale = 1): tf.Tensor {
  const size = featureSize(feature);
  const out = new Float32Array(observations.length * size);
  observations.forEach((o, i) => {
    const v = floatFeature(o, feature.key, size, who, i);
    if (scale === 1) out.set(v, i * size);
    else for (let j = 0; j < size; j++) out[i * size + j] = v[j]! / scale;
  });
  return tf.tensor(out, [observations.length, ...feature.shape], 'float32');
}
