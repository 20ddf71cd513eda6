import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { LayerNorm } from '../src/nn/layer-norm.js';
import type { Linear } from '../src/nn/linear.js';
import type { MultiheadAttention } from '../src/nn/multihead-attention.js';
import { TransformerDecoderLayer } from '../src/nn/transformer-decoder-layer.js';
import { TransformerEncoderLayer } from '../src/nn/transformer-encoder-layer.js';
import { Rng } from '../src/random/rng.js';
import { expectClose, pseudoRandom, useCpuBackend } from '../src/testing/index.js';
import * as ref from './helpers/reference.js';
import type { M } from './helpers/reference.js';

useCpuBackend();

const B = 2, T = 3, S = 5, D = 8, H = 2, F = 12;
const arr = (t: tf.Tensor): M[] => t.arraySync() as M[];
const mhaW = (m: MultiheadAttention): ref.MhaWeights => ({
  W: m.inProjWeight.arraySync() as M,
  bias: Array.from(m.inProjBias.dataSync()),
  Wo: m.outProj.weight.arraySync() as M,
  bo: Array.from(m.outProj.bias!.dataSync()),
  H,
});
const lw = (l: Linear): [M, number[]] => [l.weight.arraySync() as M, Array.from(l.bias!.dataSync())];
const nw = (n: LayerNorm): [number[], number[]] => [Array.from(n.weight.dataSync()), Array.from(n.bias.dataSync())];

/** Give every parameter distinct non-trivial values (biases and norms too). */
function randomise(m: { namedParameters(): [string, tf.Variable][] }, seed: number): void {
  m.namedParameters().forEach(([, v], i) => v.assign(tf.add(tf.tensor(pseudoRandom(v.size, seed + i), v.shape), v.rank === 1 ? 0.5 : 0)));
}

function ffn(x: M, l1: Linear, l2: Linear): M {
  return ref.linear(ref.relu(ref.linear(x, ...lw(l1))), ...lw(l2));
}

function refEncoder(layer: TransformerEncoderLayer, x: M, pos: M, ignore: boolean[], pre: boolean): M {
  const ln1 = (v: M) => ref.layerNorm(v, ...nw(layer.norm1));
  const ln2 = (v: M) => ref.layerNorm(v, ...nw(layer.norm2));
  if (!pre) {
    const qk = ref.add(x, pos);
    const a = ln1(ref.add(x, ref.mha(qk, qk, x, mhaW(layer.self_attn), ignore).out));
    return ln2(ref.add(a, ffn(a, layer.linear1, layer.linear2)));
  }
  const h = ln1(x);
  const qk = ref.add(h, pos);
  const a = ref.add(x, ref.mha(qk, qk, h, mhaW(layer.self_attn), ignore).out);
  return ref.add(a, ffn(ln2(a), layer.linear1, layer.linear2));
}

function refDecoder(layer: TransformerDecoderLayer, t: M, mem: M, qpos: M, mpos: M, pre: boolean): M {
  const ln = (n: LayerNorm) => (v: M) => ref.layerNorm(v, ...nw(n));
  const [n1, n2, n3] = [ln(layer.norm1), ln(layer.norm2), ln(layer.norm3)];
  const kmem = ref.add(mem, mpos);
  if (!pre) {
    const qk = ref.add(t, qpos);
    let x = n1(ref.add(t, ref.mha(qk, qk, t, mhaW(layer.self_attn)).out));
    x = n2(ref.add(x, ref.mha(ref.add(x, qpos), kmem, mem, mhaW(layer.multihead_attn)).out));
    return n3(ref.add(x, ffn(x, layer.linear1, layer.linear2)));
  }
  let h = n1(t);
  const qk = ref.add(h, qpos);
  let x = ref.add(t, ref.mha(qk, qk, h, mhaW(layer.self_attn)).out);
  h = n2(x);
  x = ref.add(x, ref.mha(ref.add(h, qpos), kmem, mem, mhaW(layer.multihead_attn)).out);
  return ref.add(x, ffn(n3(x), layer.linear1, layer.linear2));
}

describe('TransformerEncoderLayer', () => {
  const x = tf.tensor3d(pseudoRandom(B * S * D, 1), [B, S, D]);
  const pos = tf.tensor2d(pseudoRandom(S * D, 2), [S, D]);
  const mask = tf.tensor2d([[false, false, false, true, true], [false, false, false, false, false]], [B, S], 'bool');

  for (const preNorm of [false, true]) {
    it(`matches the reference formula (${preNorm ? 'pre' : 'post'}-norm), positions on q and k only, with a padding mask`, () => {
      const layer = new TransformerEncoderLayer({ dimModel: D, nHeads: H, dimFeedforward: F, preNorm, rng: new Rng(1) });
      randomise(layer, 10);
      layer.eval();
      const y = arr(layer.forward(x, { pos, keyPaddingMask: mask }));
      const xs = arr(x), ps = pos.arraySync() as M, ms = mask.arraySync() as unknown as boolean[][];
      for (let b = 0; b < B; b++) expectClose(y[b]!.flat(), refEncoder(layer, xs[b]!, ps, ms[b]!, preNorm).flat(), 1e-4);
    });
  }

  it('has LeRobot ACTEncoderLayer parameter names', () => {
    const layer = new TransformerEncoderLayer({ dimModel: D, nHeads: H, dimFeedforward: F });
    expect([...layer.stateDict().keys()]).toEqual([
      'self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
      'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias',
      'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias',
    ]);
    // D=512, FF=3200 gives act.md's 4,333,184 per encoder layer.
    expect(new TransformerEncoderLayer({ dimModel: 512, nHeads: 8, dimFeedforward: 3200 }).parameterCount()).toBe(4_333_184);
  });

  it('uses dropout in training only, reproducibly from the per-call rng', () => {
    const layer = new TransformerEncoderLayer({ dimModel: D, nHeads: H, dimFeedforward: F, dropout: 0.3, rng: new Rng(2) });
    const a = layer.forward(x, { pos, rng: new Rng(5) }).dataSync();
    expect(layer.forward(x, { pos, rng: new Rng(5) }).dataSync()).toEqual(a);
    expect(layer.forward(x, { pos, rng: new Rng(6) }).dataSync()).not.toEqual(a);
    layer.eval();
    const e = layer.forward(x, { pos }).dataSync();
    expect(layer.forward(x, { pos, rng: new Rng(6) }).dataSync()).toEqual(e);
  });

  it('does not leak tensors', () => {
    const layer = new TransformerEncoderLayer({ dimModel: D, nHeads: H, dimFeedforward: F, rng: new Rng(3) });
    layer.forward(x, { pos, rng: new Rng(1) }).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) layer.forward(x, { pos, keyPaddingMask: mask, rng: new Rng(i) }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('TransformerDecoderLayer', () => {
  const t = tf.tensor3d(pseudoRandom(B * T * D, 3), [B, T, D]);
  const mem = tf.tensor3d(pseudoRandom(B * S * D, 4), [B, S, D]);
  const qpos = tf.tensor2d(pseudoRandom(T * D, 5), [T, D]);
  const mpos = tf.tensor3d(pseudoRandom(B * S * D, 6), [B, S, D]);

  for (const preNorm of [false, true]) {
    it(`matches the reference formula (${preNorm ? 'pre' : 'post'}-norm)`, () => {
      const layer = new TransformerDecoderLayer({ dimModel: D, nHeads: H, dimFeedforward: F, preNorm, rng: new Rng(1) });
      randomise(layer, 20);
      layer.eval();
      const y = arr(layer.forward(t, mem, { decoderPos: qpos, encoderPos: mpos }));
      const ts = arr(t), ms = arr(mem), qs = qpos.arraySync() as M, mps = arr(mpos);
      for (let b = 0; b < B; b++) expectClose(y[b]!.flat(), refDecoder(layer, ts[b]!, ms[b]!, qs, mps[b]!, preNorm).flat(), 1e-4);
    });
  }

  it('masking memory tokens equals removing them', () => {
    const layer = new TransformerDecoderLayer({ dimModel: D, nHeads: H, dimFeedforward: F, rng: new Rng(3) }).eval();
    const mask = tf.tensor2d([[0, 0, 0, 1, 1], [0, 0, 0, 1, 1]], [B, S], 'bool');
    const masked = layer.forward(t, mem, { decoderPos: qpos, encoderPos: mpos, memoryKeyPaddingMask: mask });
    const cut = (x: tf.Tensor3D) => tf.slice(x, [0, 0, 0], [B, 3, D]) as tf.Tensor3D;
    const removed = layer.forward(t, cut(mem), { decoderPos: qpos, encoderPos: cut(mpos) });
    expectClose(masked.dataSync(), removed.dataSync(), 1e-5);
  });

  it('has LeRobot ACTDecoderLayer parameter names and count', () => {
    const layer = new TransformerDecoderLayer({ dimModel: D, nHeads: H, dimFeedforward: F });
    const names = [...layer.stateDict().keys()];
    expect(names.filter((n) => n.startsWith('multihead_attn.'))).toEqual([
      'multihead_attn.in_proj_weight', 'multihead_attn.in_proj_bias', 'multihead_attn.out_proj.weight', 'multihead_attn.out_proj.bias',
    ]);
    expect(names).toContain('norm3.bias');
    expect(names).toHaveLength(18);
    // act.md: 5,384,832 per decoder layer at D=512, FF=3200.
    expect(new TransformerDecoderLayer({ dimModel: 512, nHeads: 8, dimFeedforward: 3200 }).parameterCount()).toBe(5_384_832);
  });
});
