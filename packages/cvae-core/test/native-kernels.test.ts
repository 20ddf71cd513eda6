import * as tf from '@tensorflow/tfjs-core';
import { loadNativeKernels, NATIVE_ADDON_ENV } from '@actfusion/native-kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type TensorRuntime } from '../src/index.js';
import { nativeKernelsRegistered } from '../src/training/index.js';
import { expectWasmMatchesCpu, randomTensor } from '../src/testing/index.js';

const native = loadNativeKernels();
const needs = '(needs libopenblas-dev)';

type Pad = 'same' | 'valid' | number;
interface ConvCase {
  readonly label: string;
  readonly x: [number, number, number, number];
  readonly f: [number, number, number, number];
  readonly stride: number;
  readonly pad: Pad;
  readonly dilation?: number;
}

/**
 * act-small's ResNet18 layers (its 96x128 stem in full, the later layers' kernels, strides, paddings and
 * channels at a smaller extent: the cpu reference is slow), plus odd shapes and paddings.
 */
const CONVS: readonly ConvCase[] = [
  { label: 'stem 7x7 s2 p3, 96x128', x: [1, 96, 128, 3], f: [7, 7, 3, 64], stride: 2, pad: 3 },
  { label: 'layer1 3x3 s1 p1', x: [1, 12, 16, 64], f: [3, 3, 64, 64], stride: 1, pad: 1 },
  { label: 'layer2 3x3 s2 p1', x: [1, 24, 32, 64], f: [3, 3, 64, 128], stride: 2, pad: 1 },
  { label: 'layer2 downsample 1x1 s2', x: [2, 24, 32, 64], f: [1, 1, 64, 128], stride: 2, pad: 0 },
  { label: 'layer4 3x3 s1 p1, 3x4', x: [2, 3, 4, 256], f: [3, 3, 256, 64], stride: 1, pad: 1 },
  { label: 'pointwise 1x1 s1', x: [3, 5, 7, 16], f: [1, 1, 16, 24], stride: 1, pad: 0 },
  { label: "'same' 5x3 s2 odd sizes", x: [2, 11, 9, 5], f: [5, 3, 5, 7], stride: 2, pad: 'same' },
  { label: "'valid' 3x3 s3", x: [1, 10, 13, 4], f: [3, 3, 4, 6], stride: 3, pad: 'valid' },
  { label: 'dilation 2 (forward only)', x: [2, 12, 10, 6], f: [3, 3, 6, 5], stride: 1, pad: 'same', dilation: 2 },
];

interface MatMulCase {
  readonly label: string;
  readonly a: number[];
  readonly b: number[];
  readonly ta: boolean;
  readonly tb: boolean;
  /** tfjs's own BatchMatMul gradient does not reduce broadcast batch dimensions: forward only. */
  readonly forwardOnly?: boolean;
}

/** act-small's products (dim 256, FFN 1024, 8 heads, 14 memory tokens, 50 queries) and the transpose/broadcast variants. */
const MATMULS: readonly MatMulCase[] = [
  { label: 'linear 56x256 · (1024x256)ᵀ', a: [56, 256], b: [1024, 256], ta: false, tb: true },
  { label: 'FFN out 100x1024 · 1024x256', a: [100, 1024], b: [1024, 256], ta: false, tb: false },
  { label: 'weight grad (100x256)ᵀ · 100x1024', a: [100, 256], b: [100, 1024], ta: true, tb: false },
  { label: 'attention scores [4,8,50,32]·[4,8,14,32]ᵀ', a: [4, 8, 50, 32], b: [4, 8, 14, 32], ta: false, tb: true },
  { label: 'attention values [4,8,50,14]·[4,8,14,32]', a: [4, 8, 50, 14], b: [4, 8, 14, 32], ta: false, tb: false },
  { label: 'both transposed, batch 3', a: [3, 7, 5], b: [3, 9, 7], ta: true, tb: true },
  { label: 'broadcast batch of b', a: [2, 3, 6, 5], b: [5, 4], ta: false, tb: false, forwardOnly: true },
  { label: 'broadcast batch of a, transposed', a: [5, 6], b: [4, 5, 7], ta: true, tb: false, forwardOnly: true },
  { label: 'broadcast [2,1]·[1,3] (falls back to wasm)', a: [2, 1, 4, 5], b: [1, 3, 5, 6], ta: false, tb: false, forwardOnly: true },
];

interface PoolCase {
  readonly label: string;
  readonly x: [number, number, number, number];
  readonly k: number | [number, number];
  readonly stride: number;
  readonly pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  /** Input values: relu'd (half zeros: whole windows tie) or rounded to one decimal (ties among maxima). */
  readonly values: 'relu' | 'rounded';
}

/** ResNet's stem pool (3/2/1) on relu output, and other windows, strides and paddings. */
const POOLS: readonly PoolCase[] = [
  { label: 'stem 3x3 s2 p1 after relu', x: [2, 24, 32, 16], k: 3, stride: 2, pad: 1, values: 'relu' },
  { label: 'stem 3x3 s2 p1, odd size, rounded', x: [1, 15, 21, 8], k: 3, stride: 2, pad: 1, values: 'rounded' },
  { label: '2x2 s2 valid', x: [2, 8, 10, 3], k: 2, stride: 2, pad: 'valid', values: 'rounded' },
  { label: "3x3 s1 'same'", x: [1, 7, 9, 5], k: 3, stride: 1, pad: 'same', values: 'relu' },
  { label: 'explicit [1,1]x[0,0] 3x1 s2', x: [2, 9, 6, 4], k: [3, 1], stride: 2, pad: [[0, 0], [1, 1], [0, 0], [0, 0]], values: 'rounded' },
];

describe.skipIf(!native.ok)(`native kernels against the cpu backend ${needs}`, () => {
  let runtimes: TensorRuntime[] = [];
  beforeAll(async () => {
    runtimes = [await createRuntime({ backend: 'cpu', seed: 0 }), await createRuntime({ backend: 'wasm', seed: 0, kernels: 'native' })];
  });
  afterAll(() => {
    for (const r of runtimes.reverse()) r.dispose();
  });

  it('the wasm runtime runs the native kernels and says so', () => {
    const wasm = runtimes[1]!;
    expect(wasm.kernelPath).toBe('native');
    expect(wasm.kernelReason).toMatch(/^kernels: native \(OpenBLAS [\d.]+, .*\) for BatchMatMul, Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, MaxPoolGrad$/);
    expect(wasm.reason).toContain(wasm.kernelReason);
    expect(nativeKernelsRegistered()).toBe(true);
  });

  it.each(MATMULS)('BatchMatMul $label, forward and both gradients', ({ a, b, ta, tb, forwardOnly, label }) => {
    expectWasmMatchesCpu(() => {
      const x = randomTensor(a, 11);
      const y = randomTensor(b, 12);
      const f = (p: tf.Tensor, q: tf.Tensor): tf.Tensor => tf.matMul(p, q, ta, tb);
      const out = f(x, y);
      if (forwardOnly === true) return [out];
      const r = randomTensor(out.shape, 13);
      const [gx, gy] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), r)))([x, y]);
      return [out, gx!, gy!];
    }, 1e-4, label);
  });

  const convCase = ({ x: xs, f: fs, stride, pad, dilation, label }: ConvCase): void => {
    expectWasmMatchesCpu(() => {
      const x = randomTensor(xs, 21) as tf.Tensor4D;
      const w = randomTensor(fs, 22) as tf.Tensor4D;
      const conv = (p: tf.Tensor4D, q: tf.Tensor4D): tf.Tensor4D => tf.conv2d(p, q, stride, pad, 'NHWC', dilation ?? 1);
      const out = conv(x, w);
      if ((dilation ?? 1) > 1) return [out];
      const r = randomTensor(out.shape, 23);
      const [gx, gw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(conv(p as tf.Tensor4D, q as tf.Tensor4D), r)))([x, w]);
      return [out, gx!, gw!];
    }, 1e-4, label);
  };

  it.each(CONVS)('Conv2D $label, forward and both gradients', convCase);

  it.each(CONVS.filter((c) => c.x[1] * c.x[2] <= 200 && c.f[0] > 1))('Conv2D $label in small im2col blocks (the blocked path of large images)', (c) => {
    if (!native.ok) return;
    const previous = native.kernels.setIm2colBlockFloats(1000);
    try {
      convCase(c);
    } finally {
      native.kernels.setIm2colBlockFloats(previous);
    }
  });

  it.each(POOLS)('MaxPoolGrad $label matches the cpu backend (first maximum wins ties; float32 sums against float64 on cpu)', ({ x: xs, k, stride, pad, values, label }) => {
    expectWasmMatchesCpu(() => {
      const raw = randomTensor(xs, 31);
      const x = (values === 'relu' ? tf.relu(raw) : tf.div(tf.round(tf.mul(raw, 10)), 10)) as tf.Tensor4D;
      const pool = (p: tf.Tensor4D): tf.Tensor4D => tf.maxPool(p, k, stride, pad);
      const out = pool(x);
      const r = randomTensor(out.shape, 32);
      const gx = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(pool(p as tf.Tensor4D), r)))(x);
      return [out, gx];
    }, 1e-6, label);
  });

  it('leaves no tensors behind over repeated calls', () => {
    tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      tf.tidy(() => {
        const x = randomTensor([2, 9, 9, 4], i) as tf.Tensor4D;
        const w = randomTensor([3, 3, 4, 8], i + 1) as tf.Tensor4D;
        tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same')))([x, w]);
        tf.matMul(randomTensor([5, 6], i), randomTensor([6, 7], i), false, false).dataSync();
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('kernel path selection', () => {
  it('auto without the addon: wasm kernels, and the reason says why; native: an error naming the key', async () => {
    process.env[NATIVE_ADDON_ENV] = '/nonexistent/actfusion_native_kernels.node';
    try {
      const rt = await createRuntime({ backend: 'wasm', seed: 0 });
      expect(rt.kernelPath).toBe('wasm');
      expect(rt.kernelReason).toBe(`kernels: wasm (XNNPACK) because native addon not found at /nonexistent/actfusion_native_kernels.node (set by ${NATIVE_ADDON_ENV})`);
      expect(nativeKernelsRegistered()).toBe(false);
      await expect(createRuntime({ backend: 'wasm', seed: 0, kernels: 'native' })).rejects.toThrow(/runtime\.kernels = native, but native addon not found/);
      rt.dispose();
    } finally {
      delete process.env[NATIVE_ADDON_ENV];
    }
  });

  it('rejects an unknown kernel path; other backends keep their own kernels', async () => {
    await expect(createRuntime({ backend: 'wasm', seed: 0, kernels: 'blas' as never })).rejects.toThrow(/options\.kernels must be one of 'auto', 'native', 'wasm'; got "blas"/);
    const cpu = await createRuntime({ backend: 'cpu', seed: 0, kernels: 'native' });
    expect(cpu.kernelPath).toBeNull();
    cpu.dispose();
  });

  it.skipIf(!native.ok)('wasm after native puts the XNNPACK kernels back, and they still run (needs libopenblas-dev)', async () => {
    const a = await createRuntime({ backend: 'wasm', seed: 0, kernels: 'native' });
    expect(nativeKernelsRegistered()).toBe(true);
    const b = await createRuntime({ backend: 'wasm', seed: 0, kernels: 'wasm' });
    expect(b.kernelPath).toBe('wasm');
    expect(nativeKernelsRegistered()).toBe(false);
    const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 4])).dataSync());
    expect([...y]).toEqual(new Array(8).fill(3));
    b.dispose();
    a.dispose();
  });
});
