import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random/rng.js';
import { defaultBias, kaimingUniform } from './init.js';
import { linear } from './linear-op.js';
import { Module } from './module.js';

/**
 * `torch.nn.Linear`: `y = x·Wᵀ + b` over the last axis, any leading shape. Parameters
 * `weight` [out, in] and `bias` [out], PyTorch default init (U(±1/√in) for both).
 */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean; rng?: Rng } = {},
  ) {
    super();
    const rng = options.rng ?? new Rng(0);
    const shape = [outFeatures, inFeatures];
    this.weight = this.registerParameter('weight', kaimingUniform(shape, rng));
    this.bias = options.bias === false ? null : this.registerParameter('bias', defaultBias(outFeatures, shape, rng));
  }

  forward<T extends tf.Tensor>(x: T): T {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear: input last dimension is ${x.shape[x.rank - 1]}, expected ${this.inFeatures} (shape [${x.shape}])`);
    }
    return linear(x, this.weight, this.bias) as T;
  }
}
