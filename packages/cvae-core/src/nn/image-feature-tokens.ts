import * as tf from '@tensorflow/tfjs-core';
import type { ACTSinusoidalPositionEmbedding2d } from './sinusoidal-position-embedding.js';

/** torchvision's ImageNet channel statistics, for images in [0, 1]. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/** `(img - mean) / std` per channel, for NHWC images in [0, 1] (torchvision's `Normalize`). */
export function imagenetNormalize(img: tf.Tensor4D): tf.Tensor4D {
  return tf.div(tf.sub(img, [...IMAGENET_MEAN]), [...IMAGENET_STD]) as tf.Tensor4D;
}

/**
 * A projected feature map [B, h, w, D] as ACT's image tokens: its (h w) cells flattened
 * row-major into [B, h*w, D], with the 2-D sine positions of the same cells, [h*w, D].
 */
export function featureMapTokens(
  features: tf.Tensor4D,
  sine: ACTSinusoidalPositionEmbedding2d,
): { tokens: tf.Tensor3D; positions: tf.Tensor2D } {
  const [b, h, w, d] = features.shape;
  return {
    tokens: tf.reshape(features, [b, h * w, d]),
    positions: tf.reshape(sine.table(h, w), [h * w, d]),
  };
}
