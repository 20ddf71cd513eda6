import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { pseudoRandom, relativeError, useCpuAndWasmRuntimes } from '../src/testing/index.js';

/**
 * A miniature ACT training step written on tfjs-core ops, with every op kind the real network uses:
 * a ResNet stem and a stride-2 basic block with 1x1 downsample (conv2d, frozen batch norm, relu,
 * maxPool, add), image features flattened into tokens, a learned position table read with gather
 * (Embedding), a latent token concatenated, layer norm from moments, multi-head attention
 * (reshape, transpose, batched matMul, softmax), seeded dropout, slice, and an L1 loss.
 */
const PARAM_SHAPES: Record<string, number[]> = {
  conv1: [7, 7, 3, 8], bn1Scale: [8], bn1Shift: [8],
  blockConvA: [3, 3, 8, 16], blockConvB: [3, 3, 16, 16], downsample: [1, 1, 8, 16],
  proj: [16, 32], posTable: [40, 32], latent: [1, 32], lnGamma: [32], lnBeta: [32],
  wq: [32, 32], wk: [32, 32], wv: [32, 32], wo: [32, 32], head: [32, 4],
};

function makeParams(): Record<string, tf.Variable> {
  const params: Record<string, tf.Variable> = {};
  Object.entries(PARAM_SHAPES).forEach(([name, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const scale = name.startsWith('bn1Scale') || name === 'lnGamma' ? 0 : 1 / Math.sqrt(n / shape[shape.length - 1]!);
    const values = pseudoRandom(n, 100 + i).map((v) => (scale === 0 ? 1 + 0.1 * v : v * scale));
    params[name] = tf.variable(tf.tensor(values, shape), true, `act_${name}`);
  });
  return params;
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
}

function loss(p: Record<string, tf.Variable>, image: tf.Tensor4D, target: tf.Tensor, dropoutSeed: number): tf.Scalar {
  const heads = 4;
  const pad = (k: number): [[number, number], [number, number], [number, number], [number, number]] => [[0, 0], [k, k], [k, k], [0, 0]];
  // ResNet stem
  let x = tf.conv2d(image, p['conv1'] as tf.Tensor4D, 2, pad(3));
  x = tf.relu(tf.add(tf.mul(x, p['bn1Scale']!), p['bn1Shift']!));
  x = tf.maxPool(x as tf.Tensor4D, 3, 2, 'same');
  // stride-2 basic block with downsample
  const identity = tf.conv2d(x as tf.Tensor4D, p['downsample'] as tf.Tensor4D, 2, 'valid');
  let y = tf.relu(tf.conv2d(x as tf.Tensor4D, p['blockConvA'] as tf.Tensor4D, 2, pad(1)));
  y = tf.conv2d(y as tf.Tensor4D, p['blockConvB'] as tf.Tensor4D, 1, pad(1));
  const features = tf.relu(tf.add(y, identity));
  // tokens
  const [b, h, w, c] = features.shape as [number, number, number, number];
  let tokens = tf.matMul(tf.reshape(features, [b * h * w, c]), p['proj']!);
  tokens = tf.reshape(tokens, [b, h * w, 32]);
  const positions = tf.gather(p['posTable']!, tf.range(0, h * w, 1, 'int32'));
  tokens = tf.add(tokens, positions);
  const latent = tf.tile(tf.reshape(p['latent']!, [1, 1, 32]), [b, 1, 1]);
  tokens = tf.concat([latent, tokens], 1);
  const t = h * w + 1;
  // attention
  const normed = layerNorm(tokens, p['lnGamma']!, p['lnBeta']!);
  const flat = tf.reshape(normed, [b * t, 32]);
  const split = (m: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(tf.matMul(flat, m), [b, t, heads, 8]), [0, 2, 1, 3]);
  const q = split(p['wq']!);
  const k = split(p['wk']!);
  const v = split(p['wv']!);
  const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(8)));
  const mixed = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b * t, 32]);
  const out = tf.add(tokens, tf.reshape(tf.dropout(tf.matMul(mixed, p['wo']!), 0.1, undefined, dropoutSeed), [b, t, 32]));
  const first = tf.reshape(tf.slice(out, [0, 0, 0], [b, 1, 32]), [b, 32]);
  const action = tf.matMul(first, p['head']!);
  return tf.mean(tf.abs(tf.sub(action, target))) as tf.Scalar;
}

function gradients(backend: 'wasm' | 'cpu'): { loss: number; grads: Record<string, Float32Array> } {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const params = makeParams();
    const image = tf.tensor(pseudoRandom(2 * 32 * 40 * 3, 7), [2, 32, 40, 3]) as tf.Tensor4D;
    const target = tf.tensor(pseudoRandom(2 * 4, 8), [2, 4]);
    const { value, grads } = tf.variableGrads(() => loss(params, image, target, 1234));
    const out: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries(params)) out[name] = Float32Array.from(grads[v.name]!.dataSync());
    const lossValue = value.dataSync()[0]!;
    Object.values(params).forEach((v) => v.dispose());
    return { loss: lossValue, grads: out };
  });
}

useCpuAndWasmRuntimes();

describe('a miniature ACT training step', () => {
  it('has the same loss and parameter gradients on wasm as on cpu', () => {
    const wasm = gradients('wasm');
    const cpu = gradients('cpu');
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-5);
    for (const name of Object.keys(PARAM_SHAPES)) {
      expect(cpu.grads[name]!.some((g) => g !== 0), `${name} gradient is all zeros`).toBe(true);
      const err = relativeError(wasm.grads[name]!, cpu.grads[name]!);
      expect(err, `${name}: relative error ${err}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('runs the cvae-core wasm kernels and leaks nothing across steps', async () => {
    tf.setBackend('wasm');
    const profile = await tf.profile(() => {
      gradients('wasm');
    });
    const kernels = new Set(profile.kernelNames);
    for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'UnsortedSegmentSum']) expect(kernels.has(name), name).toBe(true);
    gradients('wasm');
    const before = tf.memory();
    gradients('wasm');
    gradients('wasm');
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });
});
