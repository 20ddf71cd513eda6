import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernels } from '@actfusion/native-kernels';
import { nativeBatchMatMul } from './native-batch-matmul.js';
import { nativeConv2D, nativeConv2DBackpropFilter, nativeConv2DBackpropInput } from './native-conv2d.js';
import { nativeMaxPoolGrad } from './native-max-pool-grad.js';

type Factory = (native: NativeKernels, fallback: tf.KernelFunc) => tf.KernelFunc;

/** The wasm kernels the native path replaces (the hot ones of an ACT training step). */
export const NATIVE_KERNELS: readonly { readonly kernelName: string; readonly make: Factory }[] = [
  { kernelName: 'BatchMatMul', make: nativeBatchMatMul },
  { kernelName: 'Conv2D', make: nativeConv2D },
  { kernelName: 'Conv2DBackpropInput', make: nativeConv2DBackpropInput },
  { kernelName: 'Conv2DBackpropFilter', make: nativeConv2DBackpropFilter },
  { kernelName: 'MaxPoolGrad', make: nativeMaxPoolGrad },
];

/** The wasm kernel configs set aside, by name, with the native kernelFunc put in their place. */
const replaced = new Map<string, { readonly original: tf.KernelConfig; readonly nativeFunc: tf.KernelFunc }>();

function wasmBackend(): tf.KernelBackend | undefined {
  return tf.engine().registry['wasm'];
}

/**
 * Puts the native kernels in place of the wasm backend's (call after the wasm backend is initialised,
 * and after cvae-core's wasm kernels are registered: the native kernels fall back to what they replace
 * for cases they do not cover). Idempotent. @returns the kernel names now native.
 */
export function registerNativeKernels(native: NativeKernels): string[] {
  const backend = wasmBackend();
  if (backend === undefined) throw new Error('registerNativeKernels: the wasm backend is not initialised (call after tf.setBackend("wasm"))');
  for (const { kernelName, make } of NATIVE_KERNELS) {
    if (replaced.has(kernelName)) continue;
    const original = tf.getKernel(kernelName, 'wasm');
    if (original === undefined) throw new Error(`registerNativeKernels: no wasm kernel '${kernelName}' to replace`);
    // The fallback's wasm bindings must belong to this backend instance (it may have been re-created
    // by an engine reset while another kernel was registered under this name).
    original.setupFunc?.(backend);
    const nativeFunc = make(native, original.kernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: nativeFunc });
    replaced.set(kernelName, { original, nativeFunc });
  }
  return NATIVE_KERNELS.map((k) => k.kernelName);
}

/** Puts the wasm kernels back (idempotent), re-binding them to the live wasm backend. */
export function unregisterNativeKernels(): void {
  const backend = wasmBackend();
  for (const [kernelName, { original, nativeFunc }] of replaced) {
    if (tf.getKernel(kernelName, 'wasm')?.kernelFunc === nativeFunc) tf.unregisterKernel(kernelName, 'wasm');
    if (tf.getKernel(kernelName, 'wasm') === undefined) tf.registerKernel(original);
    if (backend !== undefined) original.setupFunc?.(backend);
    replaced.delete(kernelName);
  }
}

/** True while the native kernels are registered. */
export function nativeKernelsRegistered(): boolean {
  return replaced.size > 0;
}
