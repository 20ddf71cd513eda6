import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendNotInstalledError, createRuntime, type TensorRuntime } from '../src/index.js';
import { isPackageInstalled } from '../src/runtime/optional-backend.js';

const live: TensorRuntime[] = [];
async function make(...args: Parameters<typeof createRuntime>): Promise<TensorRuntime> {
  const rt = await createRuntime(...args);
  live.push(rt);
  return rt;
}
afterEach(() => {
  for (const rt of live.splice(0)) rt.dispose();
});

const tfjsNodeInstalled = isPackageInstalled('@tensorflow/tfjs-node');
const tfjsNodeGpuInstalled = isPackageInstalled('@tensorflow/tfjs-node-gpu');

describe('createRuntime', () => {
  it('runs on wasm with SIMD, registers the missing kernels and the gradients', async () => {
    const rt = await make({ backend: 'wasm', seed: 3 });
    expect(rt.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(rt.reason).toMatch(/^requested wasm: using wasm \(SIMD, 1 thread\)/);
    expect(rt.customKernels).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'UnsortedSegmentSum', 'Identity', 'Tile']);
    for (const name of rt.customKernels) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    // Gradients work (tfjs-core alone registers none on Node).
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, -2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, -4, 6]);
  });

  it('can be called again, with the same or another backend, without registering twice', async () => {
    const a = await make({ backend: 'wasm', seed: 1 });
    const b = await make({ backend: 'wasm', seed: 1 });
    expect(b.backend).toBe('wasm');
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    for (const name of a.customKernels) expect(names.filter((n) => n === name)).toHaveLength(1);
    const c = await make({ backend: 'cpu' });
    expect(c.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(c.reason).toMatch(/^requested cpu: using cpu/);
    expect(Array.from(tf.add(tf.tensor1d([1]), tf.tensor1d([2])).dataSync())).toEqual([3]);
  });

  it.skipIf(tfjsNodeInstalled || tfjsNodeGpuInstalled)('auto falls back to wasm and says why', async () => {
    const rt = await make();
    expect(rt.backend).toBe('wasm');
    expect(rt.reason).toMatch(
      /^auto: @tensorflow\/tfjs-node-gpu not installed; @tensorflow\/tfjs-node not installed; using wasm \(SIMD, 1 thread\)/,
    );
    expect(Number.isInteger(rt.seed)).toBe(true);
  });

  it.skipIf(tfjsNodeInstalled)("'tensorflow' without @tensorflow/tfjs-node says how to install it", async () => {
    const error = await createRuntime({ backend: 'tensorflow' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendNotInstalledError);
    const message = (error as Error).message;
    expect(message).toContain('npm install @tensorflow/tfjs-node@4.22.0');
    expect(message).toContain('libtensorflow 2.9.1');
  });

  it.skipIf(tfjsNodeGpuInstalled)("'tensorflow-gpu' without @tensorflow/tfjs-node-gpu names CUDA 11.2 and cuDNN 8.1", async () => {
    const error = await createRuntime({ backend: 'tensorflow-gpu' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendNotInstalledError);
    const message = (error as Error).message;
    expect(message).toContain('npm install @tensorflow/tfjs-node-gpu@4.22.0');
    expect(message).toContain('CUDA 11.2');
    expect(message).toContain('cuDNN 8.1');
  });

  it('rejects an unknown backend and a bad seed, naming the option', async () => {
    await expect(createRuntime({ backend: 'webgl' as never })).rejects.toThrow(/options\.backend must be one of 'auto', 'tensorflow-gpu'.*got "webgl"/);
    await expect(createRuntime({ backend: 'cpu', seed: -1 })).rejects.toThrow(/options\.seed must be an integer in \[0, 2\^32\), got -1/);
    await expect(createRuntime({ backend: 'cpu', seed: 1.5 })).rejects.toThrow(/options\.seed/);
  });

  it('frees every tensor when the last runtime is disposed, and can start again', async () => {
    const a = await createRuntime({ backend: 'wasm', seed: 0 });
    const b = await createRuntime({ backend: 'wasm', seed: 0 });
    tf.tensor1d([1, 2, 3]);
    a.dispose();
    a.dispose(); // idempotent
    expect(a.disposed).toBe(true);
    expect(tf.memory().numTensors).toBeGreaterThan(0); // b still alive
    b.dispose();
    expect(tf.engine().state.numTensors).toBe(0);
    expect(tf.engine().registry['wasm']).toBeUndefined(); // the wasm heap is released
    const c = await make({ backend: 'wasm', seed: 0 });
    expect(c.backend).toBe('wasm');
    const y = tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 1, 'valid');
    expect(Array.from(y.dataSync())).toEqual([4, 4, 4, 4]);
  });
});
