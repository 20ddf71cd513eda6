import * as tf from '@tensorflow/tfjs-core';
import { conv2dGeometry, type Conv2DBackpropAttrs } from './conv2d-geometry.js';
import { im2colTransposed } from './im2col.js';
import { callWasmKernel, heapF32, release, requireFloat32, requireRank, type BackendWasm } from './wasm-kernel-call.js';

/** Largest im2col block built at once (floats): 16 Mi floats = 64 MiB of wasm heap. */
const MAX_COLS_FLOATS = 16 * 1024 * 1024;

interface BackpropFilterAttrs extends Conv2DBackpropAttrs {
  readonly filterShape: [number, number, number, number];
}

/**
 * Conv2DBackpropFilter for the wasm backend (tfjs 4.22 has none): the filter gradient
 * dW[kh, kw, ci, co] = sum over (n, oh, ow) of x[n, oh*sh + kh - pt, ow*sw + kw - pl, ci] * dy[n, oh, ow, co].
 *
 * It is one matrix product on XNNPACK, im2col(x)ᵀ [fh*fw*Ci, M] x dy [M, Co] (M = N*OH*OW), whose result
 * is dW in tfjs layout. The transposed im2col matrix is written in JavaScript straight into wasm memory
 * (in blocks of taps when it would exceed 64 MiB), so neither dy nor the result needs a transpose (the
 * wasm BatchMatMul is slow with transpose flags and the wasm Transpose kernel is slow on large arrays).
 */
export function conv2dBackpropFilterWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: {}; attrs?: tf.NamedAttrMap },
  maxColsFloats = MAX_COLS_FLOATS,
): tf.TensorInfo {
  const name = 'Conv2DBackpropFilter';
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'];
  const dy = args.inputs['dy'];
  if (x === undefined || dy === undefined) throw new Error(`${name} (cvae-core, wasm): inputs 'x' and 'dy' are required`);
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  requireRank(name, 'x', x, 4);
  requireRank(name, 'dy', dy, 4);
  requireFloat32(name, 'x', x);
  requireFloat32(name, 'dy', dy);
  const g = conv2dGeometry(name, x.shape, attrs.filterShape, dy.shape, attrs);
  const taps = g.filterHeight * g.filterWidth;
  const m = g.batch * g.outHeight * g.outWidth;
  const filterShape = [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
  if (m === 0 || g.inChannels === 0 || g.outChannels === 0) {
    return callWasmKernel(backend, 'Fill', [], { shape: filterShape, value: 0, dtype: 'float32' });
  }

  const dy2d = callWasmKernel(backend, 'Reshape', { x: dy }, { shape: [m, g.outChannels] });
  const tapsPerBlock = Math.max(1, Math.min(taps, Math.floor(maxColsFloats / (m * g.inChannels))));
  const parts: tf.TensorInfo[] = [];
  for (let t0 = 0; t0 < taps; t0 += tapsPerBlock) {
    const t1 = Math.min(taps, t0 + tapsPerBlock);
    const colsT = backend.makeOutput([(t1 - t0) * g.inChannels, m], 'float32');
    // Views are taken after the allocation: growing the heap detaches older views.
    im2colTransposed(heapF32(backend, x), g, t0, t1, heapF32(backend, colsT));
    parts.push(callWasmKernel(backend, 'BatchMatMul', { a: colsT, b: dy2d }, { transposeA: false, transposeB: false }));
    release(backend, colsT);
  }
  release(backend, dy2d);
  const grad = parts.length === 1 ? parts[0]! : callWasmKernel(backend, 'Concat', parts, { axis: 0 });
  if (parts.length > 1) release(backend, ...parts);
  const out = callWasmKernel(backend, 'Reshape', { x: grad }, { shape: filterShape });
  release(backend, grad);
  return out;
}
