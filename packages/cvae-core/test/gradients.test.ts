import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Embedding } from '../src/nn/embedding.js';
import { gelu } from '../src/nn/activations.js';
import { LayerNorm } from '../src/nn/layer-norm.js';
import { Linear } from '../src/nn/linear.js';
import type { Module } from '../src/nn/module.js';
import { MultiheadAttention } from '../src/nn/multihead-attention.js';
import { Rng } from '../src/random/rng.js';
import { Conv2d } from '../src/nn/conv2d.js';
import { MaxPool2d } from '../src/nn/max-pool2d.js';
import { TransformerDecoderLayer } from '../src/nn/transformer-decoder-layer.js';
import { TransformerEncoderLayer } from '../src/nn/transformer-encoder-layer.js';
import { pseudoRandom, useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

/** Every trainable parameter gets a finite, non-zero gradient, and it matches a central difference on one entry. */
function checkGrads(m: Module, loss: () => tf.Scalar): void {
  const named = m.trainableParameters();
  const { value, grads } = tf.variableGrads(loss, named.map(([, v]) => v));
  expect(Number.isFinite(value.dataSync()[0])).toBe(true);
  for (const [name, v] of named) {
    const g = grads[v.name];
    expect(g, name).toBeDefined();
    const gd = g!.dataSync();
    expect(gd.every(Number.isFinite), name).toBe(true);
    expect(gd.some((x) => x !== 0), `${name} has an all-zero gradient`).toBe(true);
    // Finite-difference check on the entry with the largest gradient.
    let i = 0;
    for (let j = 1; j < gd.length; j++) if (Math.abs(gd[j]!) > Math.abs(gd[i]!)) i = j;
    const orig = v.dataSync().slice();
    const eps = 1e-2;
    const at = (delta: number): number => {
      const d = orig.slice();
      d[i]! += delta;
      v.assign(tf.tensor(d, v.shape));
      return tf.tidy(() => loss().dataSync()[0]!);
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    v.assign(tf.tensor(orig, v.shape));
    expect(Math.abs(fd - gd[i]!), `${name}[${i}]: fd ${fd} vs grad ${gd[i]}`).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
  }
}

describe('gradients through the blocks (tf.variableGrads)', () => {
  const x = tf.tensor3d(pseudoRandom(2 * 3 * 4, 5), [2, 3, 4]);
  const target = tf.tensor3d(pseudoRandom(2 * 3 * 4, 6), [2, 3, 4]);
  const mse = (y: tf.Tensor): tf.Scalar => tf.mean(tf.square(tf.sub(y, target)));

  it('Linear + gelu', () => {
    const lin = new Linear(4, 4, { rng: new Rng(1) });
    checkGrads(lin, () => mse(gelu(lin.forward(x))));
  });

  it('LayerNorm', () => {
    const ln = new LayerNorm(4);
    ln.weight.assign(tf.tensor1d([1, 2, 0.5, -1]));
    checkGrads(ln, () => mse(ln.forward(x)));
  });

  it('Embedding', () => {
    const e = new Embedding(5, 4, { rng: new Rng(2) });
    checkGrads(e, () => mse(tf.reshape(e.forward([0, 1, 2, 3, 4, 0]), [2, 3, 4])));
  });

  it('MultiheadAttention with a key padding mask', () => {
    const m = new MultiheadAttention(4, 2, { rng: new Rng(3) });
    const mask = tf.tensor2d([[false, false, true], [false, false, false]], [2, 3], 'bool');
    checkGrads(m, () => mse(m.forward(x, x, x, { keyPaddingMask: mask })));
  });

  for (const preNorm of [false, true]) {
    it(`TransformerEncoderLayer and TransformerDecoderLayer (${preNorm ? 'pre' : 'post'}-norm, eval)`, () => {
      const pos = tf.tensor2d(pseudoRandom(12, 7), [3, 4]);
      const enc = new TransformerEncoderLayer({ dimModel: 4, nHeads: 2, dimFeedforward: 6, preNorm, rng: new Rng(4) }).eval();
      checkGrads(enc, () => mse(enc.forward(x, { pos })));
      const dec = new TransformerDecoderLayer({ dimModel: 4, nHeads: 2, dimFeedforward: 6, preNorm, rng: new Rng(5) }).eval();
      const mem = tf.tensor3d(pseudoRandom(2 * 3 * 4, 8), [2, 3, 4]);
      checkGrads(dec, () => mse(dec.forward(x, mem, { decoderPos: pos, encoderPos: pos })));
    });
  }

  it('through dropout in training mode (seeded, same mask in each evaluation)', () => {
    const enc = new TransformerEncoderLayer({ dimModel: 4, nHeads: 2, dimFeedforward: 6, dropout: 0.2, rng: new Rng(6) });
    checkGrads(enc, () => mse(enc.forward(x, { rng: new Rng(9) })));
  });

  it('Conv2d (stride 2, symmetric and asymmetric padding) → relu → MaxPool2d', () => {
    const img = tf.tensor4d(pseudoRandom(2 * 9 * 8 * 3, 11), [2, 9, 8, 3]);
    const conv = new Conv2d(3, 4, 3, { stride: 2, padding: 1, rng: new Rng(7) });
    const conv2 = new Conv2d(4, 2, [3, 1], { padding: [1, 0], rng: new Rng(8) });
    const pool = new MaxPool2d(3, 2, 1);
    const net = (): tf.Scalar => {
      const h = pool.forward(tf.relu(conv.forward(img)));
      return tf.mean(tf.square(tf.sub(conv2.forward(h), 0.3)));
    };
    checkGrads(conv, net);
    checkGrads(conv2, net);
  });
});
