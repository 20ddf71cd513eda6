import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { Conv2d } from '../src/nn/conv2d.js';
import { MaxPool2d } from '../src/nn/max-pool2d.js';
import type { Module } from '../src/nn/module.js';
import { TransformerDecoderLayer } from '../src/nn/transformer-decoder-layer.js';
import { TransformerEncoderLayer } from '../src/nn/transformer-encoder-layer.js';
import { Rng } from '../src/random/rng.js';
import { expectWasmMatchesCpu, randomTensor, useCpuAndWasmRuntimes } from '../src/testing/index.js';

/** The blocks (forward and every parameter gradient) give the cpu reference's numbers on wasm. */
useCpuAndWasmRuntimes();

/** Output and the gradient of a fixed loss with respect to every trainable parameter. */
function forwardAndGrads(m: Module, f: () => tf.Tensor): () => tf.Tensor[] {
  return () => {
    const params = m.trainableParameters();
    const loss = (): tf.Scalar => {
      const y = f();
      return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
    };
    const { value, grads } = tf.variableGrads(loss, params.map(([, v]) => v));
    const out = f();
    return [out, value, ...params.map(([, v]) => grads[v.name]!)];
  };
}

describe('network blocks on wasm match cpu', () => {
  it('convolution stem: Conv2d 7x7/2 pad 3 → relu → MaxPool2d 3/2/1', () => {
    tf.setBackend('cpu');
    const conv = new Conv2d(3, 8, 7, { stride: 2, padding: 3, bias: false, rng: new Rng(3) });
    const pool = new MaxPool2d(3, 2, 1);
    const img = randomTensor([2, 19, 23, 3], 5) as tf.Tensor4D;
    expectWasmMatchesCpu(forwardAndGrads(conv, () => pool.forward(tf.relu(conv.forward(img)))), 1e-4, 'stem');
  });

  it('encoder layer (padding mask, dropout with a fixed seed) and decoder layer', () => {
    tf.setBackend('cpu');
    const enc = new TransformerEncoderLayer({ dimModel: 16, nHeads: 4, dimFeedforward: 24, dropout: 0.1, rng: new Rng(1) });
    const dec = new TransformerDecoderLayer({ dimModel: 16, nHeads: 4, dimFeedforward: 24, dropout: 0.1, rng: new Rng(2) });
    const x = randomTensor([2, 7, 16], 1) as tf.Tensor3D;
    const pos = randomTensor([7, 16], 2);
    const mask = tf.tensor2d([[0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 0]], [2, 7], 'bool');
    const q = randomTensor([2, 5, 16], 3) as tf.Tensor3D;
    const qpos = randomTensor([5, 16], 4);
    expectWasmMatchesCpu(forwardAndGrads(enc, () => enc.forward(x, { pos, keyPaddingMask: mask, rng: new Rng(9) })), 1e-4, 'encoder');
    expectWasmMatchesCpu(forwardAndGrads(dec, () => dec.forward(q, x, { decoderPos: qpos, encoderPos: pos, rng: new Rng(9) })), 1e-4, 'decoder');
  });
});
