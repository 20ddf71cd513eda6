import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Conv2d } from '../src/nn/conv2d.js';
import { MaxPool2d } from '../src/nn/max-pool2d.js';
import { Rng } from '../src/random/rng.js';
import { expectClose, pseudoRandom, useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

/** Naive PyTorch-semantics conv: x NCHW (flat), w [O, I, kh, kw]; returns NHWC flat + shape. */
function naiveConv(x: Float32Array, [B, C, H, W]: number[], w: Float32Array, b: Float32Array, O: number, kh: number, kw: number, s: [number, number], p: [number, number], d: [number, number] = [1, 1]) {
  const Ho = Math.floor((H + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const Wo = Math.floor((W + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const out = new Float32Array(B * Ho * Wo * O);
  for (let n = 0; n < B; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let acc = b[o]!;
          for (let c = 0; c < C; c++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const y = i * s[0] - p[0] + u * d[0], xx = j * s[1] - p[1] + v * d[1];
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                acc += x[((n * C + c) * H + y) * W + xx]! * w[((o * C + c) * kh + u) * kw + v]!;
              }
          out[((n * Ho + i) * Wo + j) * O + o] = acc;
        }
  return { out, shape: [B, Ho, Wo, O] };
}

const nchwToNhwc = (x: Float32Array, shape: [number, number, number, number]) =>
  tf.transpose(tf.tensor4d(x, shape), [0, 2, 3, 1]) as tf.Tensor4D;

describe('Conv2d', () => {
  const B = 2, C = 3, H = 7, W = 6, O = 4;
  const xs = pseudoRandom(B * C * H * W, 1);
  const x = nchwToNhwc(xs, [B, C, H, W]);

  const cases: { k: [number, number]; s: [number, number]; p: [number, number]; d?: [number, number] }[] = [
    { k: [3, 3], s: [1, 1], p: [1, 1] },
    { k: [3, 3], s: [2, 2], p: [1, 1] },
    { k: [1, 1], s: [2, 2], p: [0, 0] },
    { k: [5, 3], s: [2, 1], p: [2, 0] },
    { k: [3, 3], s: [1, 1], p: [2, 2], d: [2, 2] },
  ];
  for (const { k, s, p, d } of cases) {
    it(`matches a naive convolution: kernel ${k}, stride ${s}, padding ${p}${d ? `, dilation ${d}` : ''}`, () => {
      const conv = new Conv2d(C, O, k, { stride: s, padding: p, dilation: d, rng: new Rng(2) });
      const ref = naiveConv(xs, [B, C, H, W], conv.weight.dataSync() as Float32Array, conv.bias!.dataSync() as Float32Array, O, k[0], k[1], s, p, d);
      const y = conv.forward(x);
      expect(y.shape).toEqual(ref.shape);
      expectClose(y.dataSync(), ref.out, 1e-5);
    });
  }

  it('exposes PyTorch names and layout [out, in, kh, kw] and loads a state dict in that layout', () => {
    const conv = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false, rng: new Rng(3) });
    expect([...conv.stateDict().entries()].map(([n, v]) => [n, v.shape])).toEqual([['weight', [64, 3, 7, 7]]]);
    const w = tf.tensor4d(pseudoRandom(64 * 3 * 49, 9), [64, 3, 7, 7]);
    conv.loadStateDict(new Map([['weight', w]]));
    expect(conv.weight.dataSync()).toEqual(w.dataSync());
    expect(conv.forward(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D).shape).toEqual([1, 16, 16, 64]);
  });

  it('rejects a wrong channel count', () => {
    expect(() => new Conv2d(3, 4, 3).forward(tf.zeros([1, 5, 5, 2]) as tf.Tensor4D)).toThrow(/expected NHWC \[B, H, W, 3\]/);
  });
});

describe('MaxPool2d', () => {
  it('3x3 / stride 2 / pad 1 pads with −∞ (all-negative input keeps negative maxima at the border)', () => {
    // 1 x 4 x 5 x 1, all negative: zero padding would give 0 at the border.
    const vals = Array.from({ length: 20 }, (_, i) => -1 - i);
    const y = new MaxPool2d(3, 2, 1).forward(tf.tensor4d(vals, [1, 4, 5, 1]));
    expect(y.shape).toEqual([1, 2, 3, 1]);
    // Naive PyTorch max pool.
    const ref: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) {
        let m = -Infinity;
        for (let u = 0; u < 3; u++)
          for (let v = 0; v < 3; v++) {
            const r = i * 2 - 1 + u, c = j * 2 - 1 + v;
            if (r >= 0 && r < 4 && c >= 0 && c < 5) m = Math.max(m, vals[r * 5 + c]!);
          }
        ref.push(m);
      }
    expect(Array.from(y.dataSync())).toEqual(ref);
    expect(ref[0]).toBe(-1);
  });

  it('gives PyTorch output sizes (112 → 56 for the ResNet stem, odd sizes too)', () => {
    const pool = new MaxPool2d(3, 2, 1);
    expect(pool.forward(tf.zeros([1, 112, 112, 1]) as tf.Tensor4D).shape).toEqual([1, 56, 56, 1]);
    expect(pool.forward(tf.zeros([1, 15, 20, 1]) as tf.Tensor4D).shape).toEqual([1, 8, 10, 1]);
    expect(() => new MaxPool2d(3, 2, 2)).toThrow(/at most half/);
  });
});
