import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernels } from '@actfusion/native-kernels';
import { heapF32, type BackendWasm } from '../wasm-kernel-call.js';

/**
 * BatchMatMul for the wasm backend on OpenBLAS: reads a and b and writes the product straight in the
 * wasm heap (no copies), transposes by BLAS flags. Batch shapes that are equal or of size 1 on one
 * side run natively; other broadcasts and non-float32 inputs go to `fallback` (the kernel replaced).
 */
export function nativeBatchMatMul(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs;
    if (a === undefined || b === undefined) throw new Error(`BatchMatMul (native): inputs 'a' and 'b' are required`);
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return fallback(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    if (k !== kb) {
      throw new Error(
        `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
      );
    }
    const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const batch = tf.util.sizeFromShape(outer);
    if (!(batchA === batchB || batchA === 1 || batchB === 1) || batch !== Math.max(batchA, batchB)) return fallback(args);
    const out = backend.makeOutput([...outer, m, n], 'float32');
    // Views after the allocation: growing the heap detaches older views.
    native.matMul(heapF32(backend, a), heapF32(backend, b), heapF32(backend, out), batchA, batchB, m, n, k, transposeA, transposeB);
    return out;
  };
}
