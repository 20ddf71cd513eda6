import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import { type ActPolicy, type Normalizer, type ObservationBatch } from '@actfusion/cvae-core';
import { encodeOnnxModel, exportActPolicyOnnx, type OnnxFeatureAffine } from '@actfusion/cvae-core/io';
import { OnnxChunkPredictor } from './onnx-chunk-predictor.js';

/**
 * `predict --runtime onnx`: export the loaded policy to ONNX in memory (images as float32 NCHW,
 * the statistics inside the graph when there are any) and run the batch in ONNX Runtime.
 * `batch` holds what the tfjs path feeds the policy before normalisation: raw state, NHWC images;
 * `imageNormalization`: checkpoint image statistics the encoders do not apply, by feature key.
 * Returns the chunk [B, k, A] as nested arrays.
 */
export async function predictWithOnnx(
  policy: ActPolicy,
  normalizer: Normalizer | null,
  batch: { readonly qpos: tf.Tensor2D; readonly images: Readonly<Record<string, tf.Tensor4D>> },
  options: { threads: number; imageNormalization?: ReadonlyMap<string, OnnxFeatureAffine> },
): Promise<number[][][]> {
  const model = encodeOnnxModel(
    exportActPolicyOnnx(policy, { normalizer, imageInput: 'float-chw', ...(options.imageNormalization ? { imageNormalization: options.imageNormalization } : {}) }),
  );
  const predictor = await OnnxChunkPredictor.create(model, { threads: options.threads, source: 'the exported policy' });
  try {
    const [B, S] = batch.qpos.shape;
    const feeds: Record<string, ort.Tensor> = {
      'observation.state': new ort.Tensor('float32', Float32Array.from(batch.qpos.dataSync()), [B, S]),
    };
    for (const [key, img] of Object.entries(batch.images)) {
      const chw = tf.tidy(() => tf.transpose(img, [0, 3, 1, 2]));
      feeds[key] = new ort.Tensor('float32', Float32Array.from(chw.dataSync()), chw.shape);
      chw.dispose();
    }
    const data = await predictor.runFeeds(feeds);
    const { chunkSize: k, actionDim: A } = predictor;
    return Array.from({ length: B }, (_, b) => Array.from({ length: k }, (_, i) => Array.from(data.subarray((b * k + i) * A, (b * k + i + 1) * A))));
  } finally {
    await predictor.dispose();
  }
}
