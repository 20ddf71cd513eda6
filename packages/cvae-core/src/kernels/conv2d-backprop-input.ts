import * as tf from '@tensorflow/tfjs-core';
import { backpropInputByConv } from './backprop-input-by-conv.js';
import { backpropInputByMatMul } from './backprop-input-by-matmul.js';
import type { ConvGeometry } from '@actfusion/native-kernels';
import { conv2dGeometry, type Conv2DBackpropAttrs } from './conv2d-geometry.js';
import { callWasmKernel, requireFloat32, requireRank, type BackendWasm } from './wasm-kernel-call.js';

interface BackpropInputAttrs extends Conv2DBackpropAttrs {
  readonly inputShape: [number, number, number, number];
}

export type BackpropInputStrategy = 'conv' | 'matmul';

/**
 * Which formulation `conv2dBackpropInputWasm` uses: forward convolutions (`conv`) while the image is
 * large next to the filter, else one matrix product + col2im (`matmul`). Measured with
 * `npm run bench:kernels` on ResNet18 shapes.
 */
export function chooseBackpropInputStrategy(g: ConvGeometry): BackpropInputStrategy {
  const pixels = g.batch * g.outHeight * g.outWidth;
  return pixels >= 4 * g.outChannels ? 'conv' : 'matmul';
}

/**
 * Conv2DBackpropInput for the wasm backend, replacing the built-in one (a direct loop, 3-7 GFLOP/s in `npm run bench:kernels -- --builtin`):
 * dx[i] = sum over k, oh with oh*s + k - p = i of dy[oh] * w[k], computed on XNNPACK, see
 * `backpropInputByConv` and `backpropInputByMatMul`.
 */
export function conv2dBackpropInputWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: {}; attrs?: tf.NamedAttrMap },
  strategy?: BackpropInputStrategy,
): tf.TensorInfo {
  const name = 'Conv2DBackpropInput';
  const backend = args.backend as BackendWasm;
  const dy = args.inputs['dy'];
  const filter = args.inputs['filter'];
  if (dy === undefined || filter === undefined) throw new Error(`${name} (cvae-core, wasm): inputs 'dy' and 'filter' are required`);
  const attrs = args.attrs as unknown as BackpropInputAttrs;
  requireRank(name, 'dy', dy, 4);
  requireRank(name, 'filter', filter, 4);
  requireFloat32(name, 'dy', dy);
  requireFloat32(name, 'filter', filter);
  const g = conv2dGeometry(name, attrs.inputShape, filter.shape, dy.shape, attrs);
  const dxShape = [g.batch, g.inHeight, g.inWidth, g.inChannels];
  if (g.batch * g.inHeight * g.inWidth * g.inChannels === 0) return backend.makeOutput(dxShape, 'float32');
  if (g.outHeight * g.outWidth * g.outChannels === 0) {
    return callWasmKernel(backend, 'Fill', [], { shape: dxShape, value: 0, dtype: 'float32' });
  }
  return (strategy ?? chooseBackpropInputStrategy(g)) === 'conv'
    ? backpropInputByConv(backend, dy, filter, g)
    : backpropInputByMatMul(backend, dy, filter, g);
}
