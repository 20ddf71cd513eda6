import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ResNet, BasicBlock, resnetFeatureSize } from '../src/resnet.js';
import { ResNetFilmGenerator } from '../src/resnet-film.js';
import { Rng } from '@actfusion/cvae-core';
import { expectClose, useCpuBackend } from '@actfusion/cvae-core/testing';

useCpuBackend();

/** The block's body by hand: relu(bn2(conv2(relu(bn1(conv1 x)))) * (1 + gamma) + beta + identity). */
function blockByHand(block: BasicBlock, x: tf.Tensor4D, gamma: number[][], beta: number[][]): tf.Tensor4D {
  return tf.tidy(() => {
    const y = block.bn2.forward(block.conv2.forward(tf.relu(block.bn1.forward(block.conv1.forward(x)))));
    const [b, , , c] = y.shape;
    const g = tf.reshape(tf.tensor2d(gamma), [b, 1, 1, c]);
    const be = tf.reshape(tf.tensor2d(beta), [b, 1, 1, c]);
    const id = block.downsample ? block.downsample.forward(x) : x;
    return tf.relu(tf.add(tf.add(tf.mul(y, tf.add(g, 1)), be), id));
  });
}

describe('ResNet FiLM (MT-ACT)', () => {
  it('BasicBlock applies (1 + gamma) * out + beta after bn2, before the residual add, per sample and channel', () => {
    const block = new BasicBlock(4, 8, 2, new Rng(1));
    const x = tf.randomNormal([2, 6, 6, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const gamma = [Array.from({ length: 8 }, (_, i) => 0.1 * i - 0.3), Array.from({ length: 8 }, (_, i) => -0.05 * i)];
    const beta = [Array.from({ length: 8 }, (_, i) => 0.2 - 0.03 * i), Array.from({ length: 8 }, (_, i) => 0.01 * i)];
    const film = { gamma: tf.tensor2d(gamma), beta: tf.tensor2d(beta) };
    const got = block.forward(x, film);
    const want = blockByHand(block, x, gamma, beta);
    expectClose(got.dataSync(), want.dataSync(), 1e-5);
    const zero = { gamma: tf.zeros([2, 8]) as tf.Tensor2D, beta: tf.zeros([2, 8]) as tf.Tensor2D };
    const plain = block.forward(x);
    expect([...block.forward(x, zero).dataSync()]).toEqual([...plain.dataSync()]);
    expect(() => block.forward(x, { gamma: tf.zeros([2, 4]) as tf.Tensor2D, beta: zero.beta })).toThrow(/FiLM gamma has shape \[2,4\], expected \[2, 8\]/);
    tf.dispose([x, film.gamma, film.beta, got, want, zero.gamma, zero.beta, plain]);
    block.dispose();
  });

  it('the generator output [B, blocks, 2, planes] gives block b gamma = [:, b, 0], beta = [:, b, 1]', () => {
    const net = new ResNet(18, 2, new Rng(2));
    const gen = new ResNetFilmGenerator(net, 3, [2]);
    expect(gen.namedParameters().map(([n, v]) => [n, v.shape])).toEqual([
      ['layer2.weight', [2 * 2 * 4, 3]],
      ['layer2.bias', [16]],
    ]);
    // Zero-initialised: identity.
    expect(Math.max(...gen.namedParameters().flatMap(([, v]) => [...v.dataSync()].map(Math.abs)))).toBe(0);
    const bias = tf.range(0, 16);
    gen.namedParameters()[1]![1].assign(bias);
    const c = tf.zeros([1, 3]) as tf.Tensor2D;
    const film = gen.forward(c);
    expect(film[0]).toBeUndefined();
    expect(film[1]).toHaveLength(2);
    expect([...film[1]![0]!.gamma.dataSync()]).toEqual([0, 1, 2, 3]);
    expect([...film[1]![0]!.beta.dataSync()]).toEqual([4, 5, 6, 7]);
    expect([...film[1]![1]!.gamma.dataSync()]).toEqual([8, 9, 10, 11]);
    expect([...film[1]![1]!.beta.dataSync()]).toEqual([12, 13, 14, 15]);
    tf.dispose([bias, c, ...film.flatMap((s) => (s ?? []).flatMap((t) => [t.gamma, t.beta]))]);
    gen.dispose();
    net.dispose();
  });

  it("MT-ACT's sizes: ResNet18 with FiLM in layers 2-4 driven by a 512-d vector has 1,838,592 FiLM parameters", () => {
    const net = new ResNet(18, 64);
    const gen = new ResNetFilmGenerator(net, 512);
    // 512 x 2 blocks x 2 x (128 + 256 + 512) weights + as many biases.
    expect(gen.parameterCount()).toBe(512 * 2 * 2 * (128 + 256 + 512) + 2 * 2 * (128 + 256 + 512));
    expect(gen.parameterCount()).toBe(1_838_592);
    gen.dispose();
    net.dispose();
  });

  it('resnetFeatureSize is the stride-32 map size', () => {
    expect([16, 32, 33, 64, 480, 640].map(resnetFeatureSize)).toEqual([1, 1, 2, 2, 15, 20]);
  });
});
