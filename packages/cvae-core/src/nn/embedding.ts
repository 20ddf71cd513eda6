import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random/rng.js';
import { normal } from './init.js';
import { Module } from './module.js';

/**
 * `torch.nn.Embedding(num, dim)`: a learned table `weight` [num, dim], initialised N(0, 1).
 * `forward(indices)` gathers rows; ACT mostly uses `weight` directly (query and 1-D positions).
 */
export class Embedding extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: { rng?: Rng } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', normal([numEmbeddings, embeddingDim], options.rng ?? new Rng(0)));
  }

  forward(indices: tf.Tensor | number[]): tf.Tensor {
    return tf.tidy(() => {
      const idx = Array.isArray(indices) ? tf.tensor1d(indices, 'int32') : tf.cast(indices, 'int32');
      return tf.gather(this.weight, idx);
    });
  }
}
