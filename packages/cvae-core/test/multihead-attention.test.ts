import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MultiheadAttention } from '../src/nn/multihead-attention.js';
import { Rng } from '../src/random/rng.js';
import { expectClose, pseudoRandom, useCpuBackend } from '../src/testing/index.js';
import { mha, type M } from './helpers/reference.js';

useCpuBackend();

const manualMha = (q: M, k: M, v: M, W: M, bias: number[], Wo: M, bo: number[], H: number, ignore: boolean[] = []) =>
  mha(q, k, v, { W, bias, Wo, bo, H }, ignore);

describe('MultiheadAttention', () => {
  const B = 2, T = 3, S = 4, D = 6, H = 2;
  const mha = new MultiheadAttention(D, H, { rng: new Rng(3) });
  // Non-zero biases so the test sees them.
  mha.inProjBias.assign(tf.tensor1d(pseudoRandom(3 * D, 11)));
  mha.outProj.bias!.assign(tf.tensor1d(pseudoRandom(D, 12)));
  const q = tf.tensor3d(pseudoRandom(B * T * D, 1), [B, T, D]);
  const k = tf.tensor3d(pseudoRandom(B * S * D, 2), [B, S, D]);
  const v = tf.tensor3d(pseudoRandom(B * S * D, 3), [B, S, D]);
  const W = mha.inProjWeight.arraySync() as M;
  const bias = Array.from(mha.inProjBias.dataSync());
  const Wo = mha.outProj.weight.arraySync() as M;
  const bo = Array.from(mha.outProj.bias!.dataSync());
  const qa = q.arraySync(), ka = k.arraySync(), va = v.arraySync();

  it('has PyTorch parameter names and shapes', () => {
    expect([...mha.stateDict().entries()].map(([n, t]) => [n, t.shape])).toEqual([
      ['in_proj_weight', [18, 6]],
      ['in_proj_bias', [18]],
      ['out_proj.weight', [6, 6]],
      ['out_proj.bias', [6]],
    ]);
    expect(mha.parameterCount()).toBe(3 * D * D + 3 * D + D * D + D);
  });

  it('matches a per-head softmax computed by hand', () => {
    const { output, weights } = mha.attention(q, k, v);
    expect(output.shape).toEqual([B, T, D]);
    const o = output.arraySync(), w = weights.arraySync();
    for (let b = 0; b < B; b++) {
      const ref = manualMha(qa[b]!, ka[b]!, va[b]!, W, bias, Wo, bo, H);
      expectClose(o[b]!.flat(), ref.out.flat(), 1e-5);
      expectClose(w[b]!.flat(), ref.avg.flat(), 1e-5);
    }
  });

  it('ignores keys where key_padding_mask is true', () => {
    const mask = tf.tensor2d([[false, false, true, false], [false, true, true, true]], [B, S], 'bool');
    const { output, weights } = mha.attention(q, k, v, { keyPaddingMask: mask });
    const ignore = mask.arraySync() as unknown as boolean[][];
    const o = output.arraySync(), w = weights.arraySync();
    for (let b = 0; b < B; b++) {
      const ref = manualMha(qa[b]!, ka[b]!, va[b]!, W, bias, Wo, bo, H, ignore[b]);
      expectClose(o[b]!.flat(), ref.out.flat(), 1e-5);
      expectClose(w[b]!.flat(), ref.avg.flat(), 1e-5);
    }
    expect(w[1]!.map((r) => r[1])).toEqual([0, 0, 0]);
    // A numeric 0/1 mask means the same.
    const numeric = mha.forward(q, k, v, { keyPaddingMask: tf.cast(mask, 'float32') });
    expectClose(numeric.dataSync(), output.dataSync(), 1e-6);
  });

  it('applies attention dropout only in training, seeded', () => {
    const m = new MultiheadAttention(D, H, { dropout: 0.5, rng: new Rng(4) });
    const a = m.forward(q, k, v, { rng: new Rng(1) }).dataSync();
    const b = m.forward(q, k, v, { rng: new Rng(1) }).dataSync();
    const c = m.forward(q, k, v, { rng: new Rng(2) }).dataSync();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    m.eval();
    expect(m.forward(q, k, v).dataSync()).toEqual(m.forward(q, k, v).dataSync());
  });

  it('applies a causal attn_mask (boolean [T, S], true = not allowed) like a per-query key mask', () => {
    const causal = tf.tensor2d([[false, true, true, true], [false, false, true, true], [false, false, false, true]], [T, S], 'bool');
    const o = mha.forward(q, k, v, { attnMask: causal }).arraySync();
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const ref = manualMha([qa[b]![t]!], ka[b]!, va[b]!, W, bias, Wo, bo, H, [0, 1, 2, 3].map((j) => j > t));
        expectClose(o[b]![t]!, ref.out[0]!, 1e-5);
      }
    // The same mask as an additive float mask.
    const additive = tf.where(causal, tf.fill([T, S], -Infinity), tf.zeros([T, S]));
    expectClose(mha.forward(q, k, v, { attnMask: additive }).dataSync(), o.flat(2), 1e-6);
  });

  it('rejects mismatched shapes', () => {
    expect(() => mha.forward(q, tf.zeros([B, S, 4]) as tf.Tensor3D, v)).toThrow(/expected 6/);
    expect(() => mha.forward(q, k, v, { keyPaddingMask: tf.zeros([B, T]) })).toThrow(/keyPaddingMask has shape \[2,3\], expected \[2, 4\]/);
    expect(() => new MultiheadAttention(6, 4)).toThrow(/not divisible/);
  });
});
