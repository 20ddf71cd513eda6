import * as tf from '@tensorflow/tfjs-core';
import { type Rng } from '@actfusion/cvae-core';
import { Linear, Module } from '@actfusion/cvae-core/nn';

/**
 * A taxel grid as one token: flatten [B, rows, cols, C] -> `fc1` (rows*cols*C -> hidden) -> ReLU ->
 * `fc2` (hidden -> dimModel). For tactile sensors without images (taxel pads, gloves).
 */
export class TaxelMlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly channels: number,
    hidden: number,
    dimModel: number,
    rng: Rng,
  ) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(rows * cols * channels, hidden, { rng }));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, dimModel, { rng }));
  }

  /** x [B, rows, cols, C] -> [B, dimModel]. */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.fc2.forward(tf.relu(this.fc1.forward(tf.reshape(x, [x.shape[0], this.rows * this.cols * this.channels]))))) as tf.Tensor2D;
  }
}
