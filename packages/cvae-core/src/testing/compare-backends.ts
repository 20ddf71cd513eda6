import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createRuntime, type TensorRuntime } from '../runtime/create-runtime.js';
import type { KernelPathRequest } from '../kernels/native/kernel-path.js';

/**
 * Initialise the `cpu` reference and the `wasm` backend (seed 0; `kernels` as given, default auto) for
 * this test file, and free them after it.
 */
export function useCpuAndWasmRuntimes(kernels: KernelPathRequest = 'auto'): void {
  let runtimes: TensorRuntime[] = [];
  beforeAll(async () => {
    runtimes = [await createRuntime({ backend: 'cpu', seed: 0 }), await createRuntime({ backend: 'wasm', seed: 0, kernels })];
  });
  afterAll(() => {
    for (const r of runtimes.reverse()) r.dispose();
  });
}

/** Runs `fn` on a tfjs backend (already initialised) and returns its outputs as plain arrays. */
export function runOn(backend: 'wasm' | 'cpu', fn: () => tf.Tensor | tf.Tensor[]): { shape: number[]; values: Float32Array }[] {
  const previous = tf.getBackend();
  tf.setBackend(backend);
  try {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const result = list.map((t) => ({ shape: t.shape.slice(), values: Float32Array.from(t.dataSync()) }));
    tf.dispose(list);
    return result;
  } finally {
    tf.setBackend(previous);
  }
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return diff / (scale || 1);
}

/** Runs `fn` on wasm and on the cpu reference and expects the same shapes and values to `tol` relative. */
export function expectWasmMatchesCpu(fn: () => tf.Tensor | tf.Tensor[], tol = 1e-4, label = ''): void {
  const wasm = runOn('wasm', fn);
  const cpu = runOn('cpu', fn);
  expect(wasm.length, label).toBe(cpu.length);
  cpu.forEach((ref, i) => {
    expect(wasm[i]!.shape, `${label} output ${i} shape`).toEqual(ref.shape);
    const err = relativeError(wasm[i]!.values, ref.values);
    expect(err, `${label} output ${i}: relative error ${err}`).toBeLessThanOrEqual(tol);
    // A comparison of two all-zero results would prove nothing.
    expect(ref.values.some((v) => v !== 0), `${label} output ${i} is all zeros`).toBe(true);
  });
}
