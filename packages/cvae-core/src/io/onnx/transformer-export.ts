import type * as tf from '@tensorflow/tfjs-core';
import type { ActivationName } from '../../nn/activations.js';
import type { LayerNorm } from '../../nn/layer-norm.js';
import type { Linear } from '../../nn/linear.js';
import type { MultiheadAttention } from '../../nn/multihead-attention.js';
import type { TransformerDecoderLayer } from '../../nn/transformer-decoder-layer.js';
import type { TransformerEncoderLayer } from '../../nn/transformer-encoder-layer.js';
import { attr, type OnnxGraphBuilder } from './onnx-graph-builder.js';

/**
 * ONNX export of the transformer blocks of cvae-core/nn, in inference (eval) mode: dropout is
 * the identity and is left out. Values are batch-first [B, T, D] like the tfjs modules; every
 * weight is copied out of its tf.Variable into an initializer.
 */

/** A copy of a tensor's values. */
export function valuesOf(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/** `W` [out, in] (PyTorch layout) rows `from..to` as Wᵀ [in, to-from], times `scale`. */
export function transposedRows(w: Float32Array, out: number, inF: number, from = 0, to = out, scale = 1): Float32Array {
  const rows = to - from;
  const t = new Float32Array(inF * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < inF; c++) t[c * rows + r] = w[(from + r) * inF + c]! * scale;
  }
  return t;
}

/** `x·Wᵀ + b` over the last axis (MatMul + Add; ONNX Runtime fuses them). */
export function exportLinear(g: OnnxGraphBuilder, lin: Linear, x: string, hint = 'linear'): string {
  const w = transposedRows(valuesOf(lin.weight), lin.outFeatures, lin.inFeatures);
  return exportAffine(g, x, w, lin.bias ? valuesOf(lin.bias) : null, lin.inFeatures, lin.outFeatures, hint);
}

/** `x·Wt + b` with `Wt` [in, out] given (already transposed) and `b` [out] or none. */
export function exportAffine(g: OnnxGraphBuilder, x: string, wt: Float32Array, b: Float32Array | null, inF: number, outF: number, hint: string): string {
  const y = g.op('MatMul', [x, g.constant(`${hint}.weight_t`, wt, [inF, outF])], {}, `${hint}.MatMul`);
  return b ? g.op('Add', [y, g.constant(`${hint}.bias`, b, [outF])], {}, `${hint}.Add`) : y;
}

/** `torch.nn.LayerNorm` as opset-17 LayerNormalization over the last axis. */
export function exportLayerNorm(g: OnnxGraphBuilder, ln: LayerNorm, x: string, hint = 'norm'): string {
  const D = ln.normalizedShape;
  return g.op(
    'LayerNormalization',
    [x, g.constant(`${hint}.weight`, valuesOf(ln.weight), [D]), g.constant(`${hint}.bias`, valuesOf(ln.bias), [D])],
    { axis: attr.int(-1), epsilon: attr.float(ln.eps) },
    hint,
  );
}

/** The feed-forward activation by LeRobot name (relu, exact gelu, tanh gelu). */
export function exportActivation(g: OnnxGraphBuilder, name: ActivationName, x: string): string {
  switch (name) {
    case 'relu':
      return g.op('Relu', [x]);
    case 'gelu': {
      const erf = g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]);
      return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [erf, g.scalar(1)])], {}, 'Gelu');
    }
    case 'gelu_tanh': {
      const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
      const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
      return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [g.op('Tanh', [inner]), g.scalar(1)])], {}, 'GeluTanh');
    }
    default:
      throw new Error(`ONNX export: activation '${name}' is not supported (relu, gelu, gelu_tanh)`);
  }
}

/**
 * `torch.nn.MultiheadAttention` (batch-first, no masks): q/k/v projections (the 1/√hd scale folded
 * into Wq and bq; q and k share one MatMul when they are the same value), per-head
 * softmax(q·kᵀ)·v, the output projection. `query` may have batch 1 where key/value have B
 * (broadcast), which keeps the decoder's batch-independent first block foldable.
 */
export function exportMultiheadAttention(g: OnnxGraphBuilder, mha: MultiheadAttention, query: string, key: string, value: string): string {
  const D = mha.embedDim;
  const H = mha.numHeads;
  const hd = mha.headDim;
  const w = valuesOf(mha.inProjWeight);
  const b = valuesOf(mha.inProjBias);
  const s = 1 / Math.sqrt(hd);
  // Rows i·D..(i+1)·D of in_proj (0 = q, 1 = k, 2 = v) as Wᵀ [D, D] and bias; q's carry the 1/√hd scale.
  const part = (i: 0 | 1 | 2): { wt: Float32Array; bias: Float32Array } => {
    const scale = i === 0 ? s : 1;
    return { wt: transposedRows(w, 3 * D, D, i * D, (i + 1) * D, scale), bias: b.slice(i * D, (i + 1) * D).map((x) => x * scale) };
  };
  const project = (x: string, name: 'q' | 'k' | 'v', i: 0 | 1 | 2): string => {
    const p = part(i);
    return g.op('Add', [g.op('MatMul', [x, g.constant(`in_proj_${name}.weight_t`, p.wt, [D, D])]), g.constant(`in_proj_${name}.bias`, p.bias, [D])]);
  };
  let q: string;
  let k: string;
  if (query === key) {
    // One MatMul for q and k: [D, 2D] with q's columns then k's in each row, then Split.
    const [pq, pk] = [part(0), part(1)];
    const wqk = new Float32Array(D * 2 * D);
    for (let r = 0; r < D; r++) {
      wqk.set(pq.wt.subarray(r * D, (r + 1) * D), r * 2 * D);
      wqk.set(pk.wt.subarray(r * D, (r + 1) * D), r * 2 * D + D);
    }
    const bqk = new Float32Array(2 * D);
    bqk.set(pq.bias, 0);
    bqk.set(pk.bias, D);
    const qk = g.op('Add', [g.op('MatMul', [query, g.constant('in_proj_qk.weight_t', wqk, [D, 2 * D])]), g.constant('in_proj_qk.bias', bqk, [2 * D])]);
    [q, k] = g.opN('Split', [qk], 2, { axis: attr.int(-1) }) as [string, string];
  } else {
    q = project(query, 'q', 0);
    k = project(key, 'k', 1);
  }
  const v = project(value, 'v', 2);
  const heads = g.int64([0, 0, H, hd]);
  const toHeads = (x: string, perm: number[], hint: string): string => g.op('Transpose', [g.op('Reshape', [x, heads])], { perm: attr.ints(perm) }, hint);
  const qh = toHeads(q, [0, 2, 1, 3], 'q_heads'); // [B, H, T, hd]
  const kh = toHeads(k, [0, 2, 3, 1], 'k_heads_t'); // [B, H, hd, S]
  const vh = toHeads(v, [0, 2, 1, 3], 'v_heads'); // [B, H, S, hd]
  const probs = g.op('Softmax', [g.op('MatMul', [qh, kh], {}, 'scores')], { axis: attr.int(-1) });
  const ctx = g.op('MatMul', [probs, vh], {}, 'context');
  const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: attr.ints([0, 2, 1, 3]) }), g.int64([0, 0, D])], {}, 'merged');
  return g.scope('out_proj', () => exportLinear(g, mha.outProj, merged));
}

/** `ffn(x) = linear2(act(linear1(x)))`. */
function exportFeedForward(g: OnnxGraphBuilder, layer: { linear1: Linear; linear2: Linear; activationName: ActivationName }, x: string): string {
  const h = g.scope('linear1', () => exportLinear(g, layer.linear1, x));
  const a = exportActivation(g, layer.activationName, h);
  return g.scope('linear2', () => exportLinear(g, layer.linear2, a));
}

const withPos = (g: OnnxGraphBuilder, x: string, pos: string | undefined): string => (pos ? g.op('Add', [x, pos], {}, 'with_pos') : x);

/** One `TransformerEncoderLayer` (post- or pre-norm); `pos` is added to queries and keys. */
export function exportEncoderLayer(g: OnnxGraphBuilder, layer: TransformerEncoderLayer, x: string, pos?: string): string {
  const ln = (m: LayerNorm, name: string, v: string) => g.scope(name, () => exportLayerNorm(g, m, v));
  let skip = x;
  let h = layer.preNorm ? ln(layer.norm1, 'norm1', x) : x;
  const qk = withPos(g, h, pos);
  h = g.scope('self_attn', () => exportMultiheadAttention(g, layer.self_attn, qk, qk, h));
  h = g.op('Add', [skip, h], {}, 'residual1');
  if (layer.preNorm) {
    skip = h;
    h = ln(layer.norm2, 'norm2', h);
  } else {
    h = ln(layer.norm1, 'norm1', h);
    skip = h;
  }
  h = g.op('Add', [skip, exportFeedForward(g, layer, h)], {}, 'residual2');
  return layer.preNorm ? h : ln(layer.norm2, 'norm2', h);
}

/** One `TransformerDecoderLayer`: self-attention over the queries, cross-attention to `memory`, FFN. */
export function exportDecoderLayer(
  g: OnnxGraphBuilder,
  layer: TransformerDecoderLayer,
  x: string,
  memory: string,
  decoderPos?: string,
  encoderPos?: string,
): string {
  const ln = (m: LayerNorm, name: string, v: string) => g.scope(name, () => exportLayerNorm(g, m, v));
  let skip = x;
  let h = layer.preNorm ? ln(layer.norm1, 'norm1', x) : x;
  const qk = withPos(g, h, decoderPos);
  h = g.scope('self_attn', () => exportMultiheadAttention(g, layer.self_attn, qk, qk, h));
  h = g.op('Add', [skip, h], {}, 'residual1');
  if (layer.preNorm) {
    skip = h;
    h = ln(layer.norm2, 'norm2', h);
  } else {
    h = ln(layer.norm1, 'norm1', h);
    skip = h;
  }
  const q = withPos(g, h, decoderPos);
  const k = withPos(g, memory, encoderPos);
  h = g.scope('multihead_attn', () => exportMultiheadAttention(g, layer.multihead_attn, q, k, memory));
  h = g.op('Add', [skip, h], {}, 'residual2');
  if (layer.preNorm) {
    skip = h;
    h = ln(layer.norm3, 'norm3', h);
  } else {
    h = ln(layer.norm2, 'norm2', h);
    skip = h;
  }
  h = g.op('Add', [skip, exportFeedForward(g, layer, h)], {}, 'residual3');
  return layer.preNorm ? h : ln(layer.norm3, 'norm3', h);
}
