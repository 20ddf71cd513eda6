import * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from '@actfusion/native-kernels';
import { col2im } from './col2im.js';
import { callWasmKernel, heapF32, release, type BackendWasm } from './wasm-kernel-call.js';

/**
 * dx as one XNNPACK matrix product and a col2im: the column gradient (one row per filter tap and input
 * channel, one column per output pixel) is W [fh*fw*Ci, Co] x dyᵀ [Co, M], which needs no copy of the
 * filter (only dy is transposed), and col2im adds the columns back into dx. Best when the filter is
 * large and the image small (deep ResNet layers), where packing a flipped filter for a conv dominates.
 * When the filter is the smaller operand the product is taken the other way round,
 * dy [M, Co] x Wᵀ [Co, fh*fw*Ci], so that only the filter is transposed.
 */
export function backpropInputByMatMul(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const m = g.batch * g.outHeight * g.outWidth;
  const taps = g.filterHeight * g.filterWidth * g.inChannels;
  const dy2d = callWasmKernel(backend, 'Reshape', { x: dy }, { shape: [m, g.outChannels] });
  const w2d = callWasmKernel(backend, 'Reshape', { x: filter }, { shape: [taps, g.outChannels] });
  let cols: tf.TensorInfo;
  let layout: 'pixel-major' | 'tap-major';
  if (taps <= m) {
    const wT = callWasmKernel(backend, 'Transpose', { x: w2d }, { perm: [1, 0] });
    cols = callWasmKernel(backend, 'BatchMatMul', { a: dy2d, b: wT }, { transposeA: false, transposeB: false });
    release(backend, wT);
    layout = 'pixel-major';
  } else {
    const dyT = callWasmKernel(backend, 'Transpose', { x: dy2d }, { perm: [1, 0] });
    cols = callWasmKernel(backend, 'BatchMatMul', { a: w2d, b: dyT }, { transposeA: false, transposeB: false });
    release(backend, dyT);
    layout = 'tap-major';
  }
  release(backend, dy2d, w2d);
  const dx = backend.makeOutput([g.batch, g.inHeight, g.inWidth, g.inChannels], 'float32');
  const dxView = heapF32(backend, dx);
  dxView.fill(0);
  col2im(heapF32(backend, cols), layout, g, dxView);
  release(backend, cols);
  return dx;
}
