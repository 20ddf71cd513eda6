import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random/rng.js';
import { activation, type ActivationName } from './activations.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { MultiheadAttention } from './multihead-attention.js';
import { withPos, type TransformerLayerOptions } from './transformer-encoder-layer.js';

export interface DecoderLayerForwardOptions {
  /** Query positions [T, D] or [B, T, D], added to self-attention q and k and to cross-attention q. */
  decoderPos?: tf.Tensor;
  /** Memory positions [S, D] or [B, S, D], added to cross-attention keys (not values). */
  encoderPos?: tf.Tensor;
  /** [B, S], true/1 = memory token to ignore (LeRobot passes none). */
  memoryKeyPaddingMask?: tf.Tensor;
  rng?: Rng;
}

/**
 * LeRobot's `ACTDecoderLayer` (= DETR's `TransformerDecoderLayer`), batch-first.
 *
 * post-norm: `t = norm1(t + drop1(self_attn(t+qpos, t+qpos, t)))`;
 *            `t = norm2(t + drop2(multihead_attn(t+qpos, mem+mpos, mem)))`; `t = norm3(t + drop3(ffn(t)))`
 * pre-norm:  the same with each norm applied to the sub-block input and the residual left un-normed.
 * Parameters: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`, `norm3.*`.
 */
export class TransformerDecoderLayer extends Module {
  readonly self_attn: MultiheadAttention;
  readonly multihead_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly preNorm: boolean;
  /** The feed-forward activation (what an exporter needs to rebuild the layer). */
  readonly activationName: ActivationName;
  private readonly dropout: Dropout;
  private readonly dropout1: Dropout;
  private readonly dropout2: Dropout;
  private readonly dropout3: Dropout;
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
    this.multihead_attn = this.registerModule('multihead_attn', new MultiheadAttention(D, nHeads, { dropout: p, rng }));
    this.linear1 = this.registerModule('linear1', new Linear(D, F, { rng }));
    this.dropout = this.registerModule('dropout', new Dropout(p, rng.fork()));
    this.linear2 = this.registerModule('linear2', new Linear(F, D, { rng }));
    this.norm1 = this.registerModule('norm1', new LayerNorm(D));
    this.norm2 = this.registerModule('norm2', new LayerNorm(D));
    this.norm3 = this.registerModule('norm3', new LayerNorm(D));
    this.dropout1 = this.registerModule('dropout1', new Dropout(p, rng.fork()));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p, rng.fork()));
    this.dropout3 = this.registerModule('dropout3', new Dropout(p, rng.fork()));
  }

  /** x [B, T, D] (decoder queries), encoderOut [B, S, D] (memory). */
  forward(x: tf.Tensor3D, encoderOut: tf.Tensor3D, options: DecoderLayerForwardOptions = {}): tf.Tensor3D {
    const { decoderPos, encoderPos, memoryKeyPaddingMask, rng } = options;
    return tf.tidy(() => {
      let skip = x;
      let h = this.preNorm ? this.norm1.forward(x) : x;
      const qk = withPos(h, decoderPos);
      h = this.self_attn.forward(qk, qk, h, { rng });
      h = tf.add(skip, this.dropout1.forward(h, rng));
      if (this.preNorm) {
        skip = h;
        h = this.norm2.forward(h);
      } else {
        h = this.norm1.forward(h);
        skip = h;
      }
      h = this.multihead_attn.forward(withPos(h, decoderPos), withPos(encoderOut, encoderPos), encoderOut, {
        keyPaddingMask: memoryKeyPaddingMask,
        rng,
      });
      h = tf.add(skip, this.dropout2.forward(h, rng));
      if (this.preNorm) {
        skip = h;
        h = this.norm3.forward(h);
      } else {
        h = this.norm2.forward(h);
        skip = h;
      }
      h = this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(h)), rng));
      h = tf.add(skip, this.dropout3.forward(h, rng));
      return this.preNorm ? h : this.norm3.forward(h);
    });
  }
}
