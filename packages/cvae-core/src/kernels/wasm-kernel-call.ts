import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };

type Inputs = tf.NamedTensorInfoMap | tf.TensorInfo[];

/**
 * Runs a kernel registered for the wasm backend directly (no engine bookkeeping, no tape), for
 * composing kernels inside a kernelFunc. The caller owns the result and must release it with
 * `release` unless it is the value the composed kernel returns.
 */
export function callWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: Inputs,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (kernel == null) throw new Error(`cvae-core wasm kernels: kernel '${kernelName}' is not registered for 'wasm'`);
  const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs });
  if (Array.isArray(out)) throw new Error(`cvae-core wasm kernels: '${kernelName}' returned several outputs`);
  return out;
}

/** Releases intermediates made by `callWasmKernel` or `backend.makeOutput`. */
export function release(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A Float32Array view on the wasm heap. Re-take views after any allocation (the heap may grow). */
export function heapF32(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function requireFloat32(kernelName: string, field: string, info: tf.TensorInfo): void {
  if (info.dtype !== 'float32') {
    throw new Error(`${kernelName} (cvae-core, wasm): input '${field}' must be float32, got ${info.dtype} with shape [${info.shape.join(', ')}]`);
  }
}

export function requireRank(kernelName: string, field: string, info: tf.TensorInfo, rank: number): void {
  if (info.shape.length !== rank) {
    throw new Error(`${kernelName} (cvae-core, wasm): input '${field}' must have rank ${rank}, got shape [${info.shape.join(', ')}]`);
  }
}
