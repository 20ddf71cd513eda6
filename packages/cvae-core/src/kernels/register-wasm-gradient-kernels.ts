import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input.js';
import { identitySharedWasm } from './identity-shared.js';
import { tileWasm } from './tile.js';
import { unsortedSegmentSumWasm } from './unsorted-segment-sum.js';

/** The kernels cvae-core provides for the wasm backend, and whether tfjs 4.22 has its own. */
export const WASM_GRADIENT_KERNELS: readonly { readonly kernelName: string; readonly kernelFunc: tf.KernelFunc; readonly replacesBuiltIn: boolean }[] = [
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2dBackpropFilterWasm, replacesBuiltIn: false },
  { kernelName: 'Conv2DBackpropInput', kernelFunc: conv2dBackpropInputWasm, replacesBuiltIn: true },
  { kernelName: 'UnsortedSegmentSum', kernelFunc: unsortedSegmentSumWasm, replacesBuiltIn: false },
  { kernelName: 'Identity', kernelFunc: identitySharedWasm as tf.KernelFunc, replacesBuiltIn: true },
  { kernelName: 'Tile', kernelFunc: tileWasm as tf.KernelFunc, replacesBuiltIn: true },
];

/** Built-in kernels set aside when cvae-core replaced them, to restore on unregister. */
const replaced = new Map<string, tf.KernelConfig>();

/**
 * Registers cvae-core's wasm kernels in tfjs's global kernel registry: the gradient kernels the wasm
 * backend lacks (Conv2DBackpropFilter: conv weights; UnsortedSegmentSum: `tf.gather`/Embedding), a
 * faster Conv2DBackpropInput in place of the built-in one, an Identity that shares memory instead
 * of copying it (the engine clones every tensor a gradient saves), and a Tile by block copies (the
 * built-in one computes each element's source index: `tf.broadcastTo` of a position table). Idempotent; works before or after the
 * wasm backend is initialised (the kernels need no setup).
 * @returns the kernel names now provided by cvae-core.
 */
export function registerWasmGradientKernels(): string[] {
  for (const { kernelName, kernelFunc } of WASM_GRADIENT_KERNELS) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current?.kernelFunc === kernelFunc) continue;
    if (current != null) {
      replaced.set(kernelName, current);
      tf.unregisterKernel(kernelName, 'wasm');
    }
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  return WASM_GRADIENT_KERNELS.map((k) => k.kernelName);
}

/** Removes cvae-core's wasm kernels and puts back the built-in ones they replaced (for comparisons). */
export function unregisterWasmGradientKernels(): void {
  for (const { kernelName, kernelFunc } of WASM_GRADIENT_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')?.kernelFunc !== kernelFunc) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    const original = replaced.get(kernelName);
    if (original !== undefined) {
      tf.registerKernel(original);
      replaced.delete(kernelName);
      // A built-in replaced before the backend was initialised never ran its setup (its wasm bindings).
      const wasmBackend = tf.engine().registry['wasm'];
      if (wasmBackend !== undefined) original.setupFunc?.(wasmBackend);
    }
  }
}
