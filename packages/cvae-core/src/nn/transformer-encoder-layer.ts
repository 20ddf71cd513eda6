import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random/rng.js';
import { activation, type ActivationName } from './activations.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { MultiheadAttention } from './multihead-attention.js';

export interface TransformerLayerOptions {
  readonly dimModel: number;
  readonly nHeads: number;
  readonly dimFeedforward: number;
  readonly dropout?: number;
  readonly activation?: ActivationName;
  /** Pre-norm (LayerNorm before each sub-block) instead of ACT's default post-norm. */
  readonly preNorm?: boolean;
  /** Draws the initial weights; dropout masks fall back to forks of it when no per-call rng is given. */
  readonly rng?: Rng;
}

/** Adds positions when given: `x + pos` ([N, D] broadcasts over the batch). */
export function withPos(x: tf.Tensor3D, pos: tf.Tensor | undefined): tf.Tensor3D {
  return pos ? (tf.add(x, pos) as tf.Tensor3D) : x;
}

/**
 * LeRobot's `ACTEncoderLayer` (= DETR's `TransformerEncoderLayer`), batch-first [B, N, D].
 * Positions are added to the queries and keys of self-attention, never to the values.
 *
 * post-norm: `x = norm1(x + drop1(attn(x+pos, x+pos, x)))`; `x = norm2(x + drop2(ffn(x)))`
 * pre-norm:  `h = norm1(x)`; `x = x + drop1(attn(h+pos, h+pos, h))`; `x = x + drop2(ffn(norm2(x)))`
 * with `ffn(x) = linear2(dropout(act(linear1(x))))`.
 * Parameters: `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`.
 */
export class TransformerEncoderLayer extends Module {
  readonly self_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly preNorm: boolean;
  /** The feed-forward activation (what an exporter needs to rebuild the layer). */
  readonly activationName: ActivationName;
  private readonly dropout: Dropout;
  private readonly dropout1: Dropout;
  private readonly dropout2: Dropout;
  private readonly act: <T extends tf.Tensor>(x: T) => T;

  constructor(options: TransformerLayerOptions) {
    super();
    const { dimModel: D, nHeads, dimFeedforward: F } = options;
    const p = options.dropout ?? 0.1;
    const rng = options.rng ?? new Rng(0);
    this.preNorm = options.preNorm ?? false;
    this.activationName = options.activation ?? 'relu';
    this.act = activation(this.activationName);
    this.self_attn = this.registerModule('self_attn', new MultiheadAttention(D, nHeads, { dropout: p, rng }));
    this.linear1 = this.registerModule('linear1', new Linear(D, F, { rng }));
    this.dropout = this.registerModule('dropout', new Dropout(p, rng.fork()));
    this.linear2 = this.registerModule('linear2', new Linear(F, D, { rng }));
    this.norm1 = this.registerModule('norm1', new LayerNorm(D));
    this.norm2 = this.registerModule('norm2', new LayerNorm(D));
    this.dropout1 = this.registerModule('dropout1', new Dropout(p, rng.fork()));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p, rng.fork()));
  }

  /** x [B, N, D]; pos [N, D] or [B, N, D]; keyPaddingMask [B, N] (true/1 = ignore). */
  forward(
    x: tf.Tensor3D,
    options: { pos?: tf.Tensor; keyPaddingMask?: tf.Tensor; rng?: Rng } = {},
  ): tf.Tensor3D {
    const { pos, keyPaddingMask, rng } = options;
    return tf.tidy(() => {
      let skip = x;
      let h = this.preNorm ? this.norm1.forward(x) : x;
      const qk = withPos(h, pos);
      h = this.self_attn.forward(qk, qk, h, { keyPaddingMask, rng });
      h = tf.add(skip, this.dropout1.forward(h, rng));
      if (this.preNorm) {
        skip = h;
        h = this.norm2.forward(h);
      } else {
        h = this.norm1.forward(h);
        skip = h;
      }
      h = this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(h)), rng));
      h = tf.add(skip, this.dropout2.forward(h, rng));
      return this.preNorm ? h : this.norm2.forward(h);
    });
  }
}
