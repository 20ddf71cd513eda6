import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerWasmGradientKernels, unregisterWasmGradientKernels } from '../src/training/index.js';
import { conv2dBackpropFilterWasm } from '../src/kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputWasm, type BackpropInputStrategy } from '../src/kernels/conv2d-backprop-input.js';
import { Rng } from '../src/random/rng.js';
import { expectWasmMatchesCpu, randomTensor, relativeError, runOn, useCpuAndWasmRuntimes } from '../src/testing/index.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: [number, number, number, number];
  f: [number, number, number, number];
  s: number | [number, number];
  pad: Pad;
}
const explicit = (t: number, b: number, l: number, r: number): Pad => [[0, 0], [t, b], [l, r], [0, 0]];

const FIXED: Case[] = [
  { x: [1, 7, 9, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [8, 6, 5, 4], f: [3, 3, 4, 5], s: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 6], s: 2, pad: 'same' },
  { x: [1, 10, 7, 5], f: [3, 3, 5, 6], s: 2, pad: 'valid' },
  { x: [8, 8, 8, 4], f: [3, 3, 4, 8], s: 2, pad: explicit(1, 1, 1, 1) }, // ResNet stride-2 3x3
  { x: [2, 13, 11, 3], f: [7, 7, 3, 8], s: 2, pad: explicit(3, 3, 3, 3) }, // ResNet conv1, odd size
  { x: [8, 8, 6, 4], f: [1, 1, 4, 6], s: 2, pad: 'valid' }, // ResNet downsample
  { x: [1, 9, 11, 4], f: [2, 4, 4, 6], s: [2, 3], pad: 'same' },
  { x: [1, 5, 5, 2], f: [3, 3, 2, 2], s: 3, pad: 'same' },
  { x: [2, 6, 7, 3], f: [2, 2, 3, 3], s: 1, pad: explicit(0, 2, 1, 0) },
  { x: [1, 4, 4, 24], f: [3, 3, 24, 40], s: 1, pad: 'same' }, // channels >= 16 (block copies)
];

function randomCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  while (cases.length < count) {
    const k = [1, 2, 3, 5, 7][rng.int(5)]!;
    const s = 1 + rng.int(2);
    const pad: Pad = (['same', 'valid', explicit(k >> 1, k >> 1, k >> 1, k >> 1)] as const)[rng.int(3)]!;
    const h = k + rng.int(9);
    const w = k + rng.int(9);
    cases.push({ x: [[1, 8][rng.int(2)]!, h, w, 1 + rng.int(6)], f: [k, k, 0, 1 + rng.int(7)], s, pad });
    cases[cases.length - 1]!.f[2] = cases[cases.length - 1]!.x[3];
  }
  return cases;
}

const CASES = [...FIXED, ...randomCases(8, 2024)];
const label = (c: Case): string => `x [${c.x}] f [${c.f}] stride ${JSON.stringify(c.s)} pad ${JSON.stringify(c.pad)}`;

useCpuAndWasmRuntimes('wasm'); // cvae-core's own wasm kernels, not the native ones that replace them by default

function tensors(c: Case): { x: tf.Tensor4D; w: tf.Tensor4D; dy: tf.Tensor4D } {
  const x = randomTensor(c.x, 11) as tf.Tensor4D;
  const w = randomTensor(c.f, 12) as tf.Tensor4D;
  const outShape = tf.conv2d(x, w, c.s, c.pad).shape;
  return { x, w, dy: randomTensor(outShape, 13) as tf.Tensor4D };
}

describe('conv2d gradients on wasm match the cpu backend', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s', (_, c) => {
    // Through tf.grads: the registered kernels, as training uses them.
    expectWasmMatchesCpu(() => {
      const { x, w, dy } = tensors(c);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy)))([x, w]);
    }, 1e-4, label(c));
  });
});

describe('conv2dTranspose (forward Conv2DBackpropInput) on wasm matches cpu', () => {
  it.each([
    [[2, 4, 5, 6], [3, 3, 4, 6], [2, 8, 10, 4], 2, 'same'],
    [[1, 3, 3, 8], [4, 4, 2, 8], [1, 8, 8, 2], 2, 'valid'],
    [[1, 5, 5, 3], [3, 3, 2, 3], [1, 5, 5, 2], 1, 'same'],
  ] as const)('dy %j filter %j -> %j stride %d %s', (dyShape, fShape, outShape, s, pad) => {
    expectWasmMatchesCpu(() => {
      const dy = randomTensor([...dyShape], 21) as tf.Tensor4D;
      const w = randomTensor([...fShape], 22) as tf.Tensor4D;
      const y = tf.conv2dTranspose(dy, w, [...outShape], s, pad);
      // and its gradients (Conv2D and Conv2DBackpropFilter)
      const [gdy, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [...outShape], s, pad))))([dy, w]);
      return [y, gdy!, gw!];
    }, 1e-4);
  });
});

function kernelOnWasm(fn: (backend: {}) => tf.TensorInfo): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(fn(tf.backend()));
}

describe('Conv2DBackpropInput: both formulations match the cpu kernel', () => {
  const strategies: BackpropInputStrategy[] = ['conv', 'matmul'];
  it.each(CASES.map((c) => [label(c), c] as const))('%s', (_, c) => {
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap;
    const [ref] = runOn('cpu', () => {
      const { w, dy } = tensors(c);
      return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, attrs) as tf.Tensor;
    });
    for (const strategy of strategies) {
      const [got] = runOn('wasm', () => {
        const { w, dy } = tensors(c);
        return kernelOnWasm((backend) => conv2dBackpropInputWasm({ inputs: { dy, filter: w }, backend, attrs }, strategy));
      });
      expect(got!.shape).toEqual(ref!.shape);
      expect(relativeError(got!.values, ref!.values), `${strategy}: ${label(c)}`).toBeLessThanOrEqual(1e-4);
    }
  });
});

describe('Conv2DBackpropFilter', () => {
  it('gives the same result when the im2col matrix is built in several blocks', () => {
    const c = FIXED[5]!; // 7x7 taps
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f } as unknown as tf.NamedAttrMap;
    const [ref] = runOn('cpu', () => {
      const { x, dy } = tensors(c);
      return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
    });
    const [blocked] = runOn('wasm', () => {
      const { x, dy } = tensors(c);
      const m = dy.shape[0] * dy.shape[1] * dy.shape[2];
      // room for 5 taps per block -> 10 blocks for 49 taps
      return kernelOnWasm((backend) => conv2dBackpropFilterWasm({ inputs: { x, dy }, backend, attrs }, 5 * m * c.x[3]));
    });
    expect(relativeError(blocked!.values, ref!.values)).toBeLessThanOrEqual(1e-4);
  });

  it('rejects NCHW and a dy that does not fit the convolution, naming the field', () => {
    tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 3]);
    const badDy = tf.zeros([1, 4, 5, 3]);
    const run = (inputs: tf.NamedTensorMap, attrs: object): unknown =>
      tf.engine().runKernel('Conv2DBackpropFilter', inputs, attrs as tf.NamedAttrMap);
    expect(() => run({ x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] })).toThrow(
      /Conv2DBackpropFilter .*dataFormat must be 'NHWC'.*got 'NCHW'/,
    );
    expect(() => run({ x, dy: badDy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] })).toThrow(
      /dy shape \[1, 4, 5, 3\] does not match .* expected \[1, 5, 5, 3\]/,
    );
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy: badDy, filter: tf.zeros([3, 3, 2, 3]) }, {
        strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 5, 5, 2],
      } as unknown as tf.NamedAttrMap),
    ).toThrow(/Conv2DBackpropInput .*expected \[1, 5, 5, 3\]/);
    tf.dispose([x, dy, badDy]);
  });
});

describe('registration', () => {
  it('unregistering restores the built-in Conv2DBackpropInput (working) and drops the added kernels', () => {
    const mine = tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc;
    unregisterWasmGradientKernels();
    try {
      expect(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc).not.toBe(mine);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
      const c = FIXED[2]!;
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap;
      expectWasmMatchesCpu(() => {
        const { w, dy } = tensors(c);
        return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, attrs) as tf.Tensor;
      }, 1e-4, 'built-in');
    } finally {
      expect(registerWasmGradientKernels()).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'UnsortedSegmentSum', 'Identity', 'Tile']);
    }
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc).toBe(mine);
  });
});

describe('memory', () => {
  it('leaves no tensor and no wasm buffer behind over repeated gradient steps', () => {
    tf.setBackend('wasm');
    const c = FIXED[4]!;
    const { x, w, dy } = tensors(c);
    const step = (): void => {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy)))([x, w]);
      tf.dispose(grads);
      // both Conv2DBackpropInput formulations, called directly
      for (const strategy of ['conv', 'matmul'] as const) {
        const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap;
        tf.dispose(kernelOnWasm((backend) => conv2dBackpropInputWasm({ inputs: { dy, filter: w }, backend, attrs }, strategy)));
      }
    };
    step();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) step();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([x, w, dy]);
  });
});
