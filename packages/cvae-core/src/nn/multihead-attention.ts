import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random/rng.js';
import { Dropout, type ForwardOptions } from './dropout.js';
import { xavierUniform } from './init.js';
import { Linear } from './linear.js';
import { linear, matMulPlain, transposeLast2 } from './linear-op.js';
import { Module } from './module.js';

export interface AttentionOptions extends ForwardOptions {
  /** [B, S]; true (or non-zero) marks a key to ignore, as PyTorch's `key_padding_mask`. */
  keyPaddingMask?: tf.Tensor;
  /** [T, S] or [B·H, T, S]: boolean (true = not allowed) or additive float mask, as PyTorch's `attn_mask`. */
  attnMask?: tf.Tensor;
}

/**
 * `torch.nn.MultiheadAttention(D, H, dropout)` with batch-first inputs [B, T, D].
 * Parameters have PyTorch's names and layouts: `in_proj_weight` [3D, D] (q, k, v stacked),
 * `in_proj_bias` [3D], `out_proj.weight` [D, D], `out_proj.bias` [D], and PyTorch's init
 * (xavier_uniform_ in_proj, zero biases, default Linear init for out_proj.weight).
 * softmax(q·kᵀ/√(D/H)) per head; dropout on the attention weights while training.
 * A query whose keys are all masked gets NaN, as in PyTorch. The attention dropout is a child
 * named `attn_dropout` without parameters, so it does not appear in `stateDict()`.
 */
export class MultiheadAttention extends Module {
  readonly inProjWeight: tf.Variable;
  readonly inProjBias: tf.Variable;
  readonly outProj: Linear;
  readonly headDim: number;
  private readonly attnDropout: Dropout;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: { dropout?: number; rng?: Rng } = {},
  ) {
    super();
    if (embedDim % numHeads !== 0) {
      throw new Error(`MultiheadAttention: embedDim ${embedDim} is not divisible by numHeads ${numHeads}`);
    }
    const rng = options.rng ?? new Rng(0);
    this.headDim = embedDim / numHeads;
    this.inProjWeight = this.registerParameter('in_proj_weight', xavierUniform([3 * embedDim, embedDim], rng));
    this.inProjBias = this.registerParameter('in_proj_bias', tf.zeros([3 * embedDim]));
    this.outProj = this.registerModule('out_proj', new Linear(embedDim, embedDim, { rng }));
    // PyTorch: out_proj keeps Linear's kaiming init for the weight, its bias is zeroed.
    const zeroBias = tf.zeros([embedDim]);
    this.outProj.bias!.assign(zeroBias);
    zeroBias.dispose();
    this.attnDropout = this.registerModule('attn_dropout', new Dropout(options.dropout ?? 0, rng.fork()));
  }

  /** Attention output [B, T, D]. */
  forward(query: tf.Tensor3D, key: tf.Tensor3D, value: tf.Tensor3D, options: AttentionOptions = {}): tf.Tensor3D {
    const { output, weights } = this.attention(query, key, value, options);
    weights.dispose();
    return output;
  }

  /** Output [B, T, D] and the attention weights averaged over heads [B, T, S] (PyTorch's default). */
  attention(
    query: tf.Tensor3D,
    key: tf.Tensor3D,
    value: tf.Tensor3D,
    options: AttentionOptions = {},
  ): { output: tf.Tensor3D; weights: tf.Tensor3D } {
    const D = this.embedDim;
    const [B, T, Dq] = query.shape;
    const [Bk, S, Dk] = key.shape;
    if (Dq !== D || Dk !== D || value.shape[2] !== D) {
      throw new Error(
        `MultiheadAttention: last dimension of query/key/value is ${Dq}/${Dk}/${value.shape[2]}, expected ${D}`,
      );
    }
    if (Bk !== B || value.shape[0] !== B || value.shape[1] !== S) {
      throw new Error(
        `MultiheadAttention: shapes query [${query.shape}], key [${key.shape}], value [${value.shape}] do not agree (batch-first [B, T, D])`,
      );
    }
    const mask = options.keyPaddingMask;
    if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== S)) {
      throw new Error(`MultiheadAttention: keyPaddingMask has shape [${mask.shape}], expected [${B}, ${S}]`);
    }
    const H = this.numHeads;
    const hd = this.headDim;
    return tf.tidy(() => {
      const [wq, wk, wv] = tf.split(this.inProjWeight, 3, 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const [bq, bk, bv] = tf.split(this.inProjBias, 3, 0);
      const project = (x: tf.Tensor3D, w: tf.Tensor2D, b: tf.Tensor, len: number): tf.Tensor4D => {
        const y = linear(x, w, b);
        return tf.transpose(tf.reshape(y, [B, len, H, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, len, hd]
      };
      const q = tf.mul(project(query, wq, bq!, T), 1 / Math.sqrt(hd)) as tf.Tensor4D;
      const k = project(key, wk, bk!, S);
      const v = project(value, wv, bv!, S);
      let scores: tf.Tensor = matMulPlain(q, transposeLast2(k)); // [B, H, T, S]
      if (options.attnMask) scores = tf.add(scores, additiveMask(options.attnMask, B, H, T, S));
      if (mask) {
        const ignore = mask.dtype === 'bool' ? mask : tf.notEqual(mask, 0);
        const bias = tf.where(ignore, tf.fill([B, S], -Infinity), tf.zeros([B, S]));
        scores = tf.add(scores, tf.reshape(bias, [B, 1, 1, S]));
      }
      const probs = tf.softmax(scores, -1);
      const dropped = this.attnDropout.forward(probs, options.rng);
      const ctx = matMulPlain(dropped, v); // [B, H, T, hd]
      const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [B, T, D]) as tf.Tensor3D;
      const output = this.outProj.forward(merged);
      const weights = tf.mean(dropped, 1) as tf.Tensor3D; // PyTorch returns the post-dropout weights
      return { output, weights };
    });
  }
}

function additiveMask(m: tf.Tensor, B: number, H: number, T: number, S: number): tf.Tensor {
  let bias = m.dtype === 'bool' ? tf.where(m, tf.fill(m.shape, -Infinity), tf.zeros(m.shape)) : m;
  if (m.rank === 2 && m.shape[0] === T && m.shape[1] === S) return bias;
  if (m.rank === 3 && m.shape[0] === B * H && m.shape[1] === T && m.shape[2] === S) {
    bias = tf.reshape(bias, [B, H, T, S]);
    return bias;
  }
  throw new Error(`MultiheadAttention: attnMask has shape [${m.shape}], expected [${T}, ${S}] or [${B * H}, ${T}, ${S}]`);
}
