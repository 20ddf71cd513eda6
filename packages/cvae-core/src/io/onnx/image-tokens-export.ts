import type { ACTSinusoidalPositionEmbedding2d } from '../../nn/sinusoidal-position-embedding.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../nn/image-feature-tokens.js';
import { attr, type OnnxGraphBuilder } from './onnx-graph-builder.js';
import { valuesOf } from './transformer-export.js';

/**
 * ONNX export of the image-token steps every image encoder shares (inside the graph images are
 * NCHW): ImageNet normalisation, feature map to tokens, the 2-D sine positions.
 */

/** `(x − mean)/std` per channel for NCHW images in [0, 1] (torchvision's Normalize), as Sub + Div. */
export function exportImagenetNormalize(g: OnnxGraphBuilder, x: string): string {
  const mean = g.constant('imagenet_mean', Float32Array.from(IMAGENET_MEAN), [1, 3, 1, 1]);
  const std = g.constant('imagenet_std', Float32Array.from(IMAGENET_STD), [1, 3, 1, 1]);
  return g.op('Div', [g.op('Sub', [x, mean]), std], {}, 'imagenet_normalize');
}

/** Feature map [B, D, h, w] -> tokens [B, h·w, D] (cells row-major, as `featureMapTokens`). */
export function exportFeatureMapTokens(g: OnnxGraphBuilder, features: string): string {
  const flat = g.op('Reshape', [features, g.int64([0, 0, -1])]);
  return g.op('Transpose', [flat], { perm: attr.ints([0, 2, 1]) }, 'tokens');
}

/** The 2-D sine positions of an h x w map as a [h·w·D] constant (row-major cells, as the tokens). */
export function sinePositions(sine: ACTSinusoidalPositionEmbedding2d, h: number, w: number): Float32Array {
  return valuesOf(sine.table(h, w));
}
