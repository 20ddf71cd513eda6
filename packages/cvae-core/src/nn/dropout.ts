import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng.js';
import { Module } from './module.js';

/**
 * Per-call options of the blocks that use dropout. `rng` draws the dropout masks; pass the
 * training loop's generator (whose state a checkpoint saves) to make a run resumable bit for
 * bit. Without it a block falls back to the generator it was built with.
 */
export interface ForwardOptions {
  rng?: Rng;
}

/**
 * `torch.nn.Dropout(p)`: in training, zero each element with probability `p` and scale the
 * rest by `1/(1−p)`; identity in eval mode or when `p = 0`. Masks are seeded: each call takes
 * a seed from the `Rng` (or the number) it is given, else from the module's own `Rng`.
 */
export class Dropout extends Module {
  constructor(
    readonly p: number,
    private readonly rng?: Rng,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward<T extends tf.Tensor>(x: T, rngOrSeed?: Rng | number): T {
    if (!this.training || this.p === 0) return x;
    const seed = typeof rngOrSeed === 'number' ? rngOrSeed : (rngOrSeed ?? this.rng)?.opSeed();
    if (seed === undefined) {
      throw new Error('Dropout: in training mode a seed is needed: pass an Rng or a seed, or build the module with an Rng');
    }
    return tf.dropout(x, this.p, undefined, seed) as T;
  }
}
