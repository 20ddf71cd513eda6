import type * as tf from '@tensorflow/tfjs-core';
import type { Observation } from '@actfusion/contracts';

/**
 * A normalised, batch-first observation batch, as the encoders consume it.
 * Images are NHWC float32 in [0, 1] (encoders apply their own normalisation, e.g. ImageNet).
 */
export interface ObservationBatch {
  /** [B, stateDim], normalised. */
  readonly qpos: tf.Tensor2D;
  /** Camera name -> [B, H, W, 3] in [0, 1]. */
  readonly images: Readonly<Record<string, tf.Tensor4D>>;
  /** Tactile sensor name -> [B, H, W, C]. */
  readonly tactile?: Readonly<Record<string, tf.Tensor4D>>;
  /** [B, E] sentence embeddings (MT-ACT: 384-d, L2-normalised). */
  readonly language?: tf.Tensor2D;
  /**
   * The observations the batch was built from (`collateObservations` sets it), for encoders that
   * turn their own inputs into tensors: the language encoder embeds each `instruction`, the
   * visuo-tactile encoder stacks raw taxel grids.
   */
  readonly observations?: readonly Observation[];
}
