import type * as tf from '@tensorflow/tfjs-core';
import type { ResNetDepth, ResNetNorm } from './resnet.js';

/** DI token of the vision encoder's options. */
export const VISION_RESNET_OPTIONS = Symbol.for('actfusion.VisionResNetOptions');

export interface VisionResNetOptions {
  /** 18 (ACT) or 34. */
  readonly depth?: ResNetDepth;
  /** Channels of the first stage (torchvision 64); LeRobot configs call it nothing, we say `backbone_width`. */
  readonly width?: number;
  /**
   * `imagenet` (default): images arrive in [0, 1] and are normalised with ImageNet's mean/std here.
   * `none`: images arrive already normalised (a LeRobot checkpoint's preprocessor did it).
   */
  readonly normalize?: 'imagenet' | 'none';
  /**
   * Cameras to encode, in token order: camera names (`top`) or feature keys (`observation.images.top`).
   * Default: every `image` feature of the observation spec, in its order.
   */
  readonly cameras?: readonly string[];
  /**
   * MT-ACT FiLM: `true` (stages 2, 3, 4) or `{ stages }`. The backbone's blocks are modulated by
   * the `conditioning` vector a Conditioner (the language encoder) puts in the encode context,
   * through `backbone_film.layerN` Linears (dimModel -> blocks*2*planes), zero-initialised so a
   * fresh FiLM is the identity. Off by default; without it nothing changes.
   */
  readonly film?: boolean | { readonly stages?: readonly number[] };
  /**
   * The backbone's normalisation: `frozen-batch-norm` (ACT; the identity unless pretrained
   * weights give it statistics) or `group-norm` (trains; for backbones learned from scratch).
   */
  readonly norm?: ResNetNorm;
  /** Groups of `group-norm` (default 8). */
  readonly groups?: number;
  /**
   * torchvision ResNet weights (`conv1.weight`, `bn1.running_mean`, `layer1.0.conv1.weight`, ...)
   * loaded into the backbone when it is built; read by the caller (the file is async to read),
   * named by `pretrainedSource` in errors. The encoder takes them over and disposes them once
   * copied. Needs `norm: frozen-batch-norm`.
   */
  readonly pretrained?: ReadonlyMap<string, tf.Tensor>;
  readonly pretrainedSource?: string;
}
