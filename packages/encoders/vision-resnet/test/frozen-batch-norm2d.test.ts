import * as tf from '@tensorflow/tfjs-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { Rng } from '@actfusion/cvae-core';
import { Conv2d, MaxPool2d, type Module } from '@actfusion/cvae-core/nn';
import {
  expectClose,
  expectWasmMatchesCpu,
  pseudoRandom,
  randomTensor,
  useCpuAndWasmRuntimes,
} from '@actfusion/cvae-core/testing';
import { FrozenBatchNorm2d } from '../src/frozen-batch-norm2d.js';

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

describe('FrozenBatchNorm2d', () => {
  beforeEach(() => tf.setBackend('cpu'));

  it('applies (x − mean)/√(var + 1e-5)·w + b per channel (last axis), with buffers only', () => {
    const bn = new FrozenBatchNorm2d(2);
    bn.loadStateDict(new Map<string, tf.Tensor>([
      ['weight', tf.tensor1d([2, -1])],
      ['bias', tf.tensor1d([0.5, 1])],
      ['running_mean', tf.tensor1d([1, -2])],
      ['running_var', tf.tensor1d([4, 0.25])],
    ]));
    const x = tf.tensor4d([1, 0, 3, -2, -1, 2, 5, 4], [1, 2, 2, 2]);
    const e = [1, 0, 3, -2, -1, 2, 5, 4].map((v, i) =>
      i % 2 === 0 ? ((v - 1) / Math.sqrt(4 + 1e-5)) * 2 + 0.5 : ((v + 2) / Math.sqrt(0.25 + 1e-5)) * -1 + 1,
    );
    expectClose(bn.forward(x).dataSync(), e, 1e-6);
    expect(bn.parameterCount()).toBe(0);
    expect(bn.trainableParameters()).toEqual([]);
    expect([...bn.stateDict().keys()]).toEqual(['weight', 'bias', 'running_mean', 'running_var']);
  });

  it('loads a torchvision BN state once num_batches_tracked is ignored', () => {
    const bn = new FrozenBatchNorm2d(2);
    const state = new Map<string, tf.Tensor>([
      ['weight', tf.ones([2])], ['bias', tf.zeros([2])], ['running_mean', tf.zeros([2])], ['running_var', tf.ones([2])],
      ['num_batches_tracked', tf.scalar(0, 'int32')],
    ]);
    expect(() => bn.loadStateDict(state, { source: 'resnet18.safetensors' })).toThrow(/resnet18.safetensors: .*unexpected 1 \[num_batches_tracked\]/);
    expect(bn.loadStateDict(state, { ignore: (n) => n.endsWith('num_batches_tracked') })).toEqual({ missing: [], unexpected: [] });
  });

  it('has no trainable state; the input gets its gradient through BN and the pool', () => {
    const bn = new FrozenBatchNorm2d(4);
    bn.runningVar.assign(tf.tensor1d([0.5, 2, 1, 3]));
    bn.runningMean.assign(tf.tensor1d([0.1, -0.1, 0.2, 0]));
    const pool = new MaxPool2d(3, 2, 1);
    expect(bn.trainableParameters()).toEqual([]);
    const gx = tf.grad((x: tf.Tensor) => tf.sum(pool.forward(bn.forward(x as tf.Tensor4D))))(tf.tensor4d(pseudoRandom(1 * 4 * 4 * 4, 3), [1, 4, 4, 4]));
    // Each pooled output routes its gradient (scale = w/√(var+eps)) to exactly one input.
    const scale = [0.5, 2, 1, 3].map((v) => 1 / Math.sqrt(v + 1e-5));
    const gsum = [0, 1, 2, 3].map((c) => Array.from(gx.dataSync()).filter((_, i) => i % 4 === c).reduce((a, b) => a + b, 0));
    gsum.forEach((g, c) => expect(g).toBeCloseTo(4 * scale[c]!, 4));
  });

  it('ResNet stem on wasm matches cpu: Conv2d 7x7/2 pad 3 → FrozenBatchNorm2d → relu → MaxPool2d 3/2/1', () => {
    tf.setBackend('cpu');
    const conv = new Conv2d(3, 8, 7, { stride: 2, padding: 3, bias: false, rng: new Rng(3) });
    const bn = new FrozenBatchNorm2d(8);
    bn.runningVar.assign(tf.fill([8], 0.5));
    const pool = new MaxPool2d(3, 2, 1);
    const img = randomTensor([2, 19, 23, 3], 5) as tf.Tensor4D;
    expectWasmMatchesCpu(forwardAndGrads(conv, () => pool.forward(tf.relu(bn.forward(conv.forward(img))))), 1e-4, 'stem');
  });
});
