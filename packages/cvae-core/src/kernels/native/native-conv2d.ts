import * as tf from '@tensorflow/tfjs-core';
import { packConvGeometry, type NativeKernels } from '@actfusion/native-kernels';
import { convGeometryOf } from '../conv2d-geometry.js';
import { heapF32, type BackendWasm } from '../wasm-kernel-call.js';

interface ConvAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dilations?: number | [number, number];
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** tfjs's geometry of x [N,H,W,Ci] * filter [fh,fw,Ci,Co], packed for the addon; null for what it does not cover. */
function geometryOf(inputShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs): { packed: Int32Array; outShape: number[] } | null {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || inputShape.length !== 4 || filterShape.length !== 4) return null;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const packed = packConvGeometry(convGeometryOf(info));
  return { packed, outShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels] };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function inputs(kernel: string, args: Parameters<tf.KernelFunc>[0], first: string, second: string): [tf.TensorInfo, tf.TensorInfo] {
  const p = args.inputs[first];
  const q = args.inputs[second];
  if (p === undefined || q === undefined) throw new Error(`${kernel} (native): inputs '${first}' and '${second}' are required`);
  return [p, q];
}

/** Conv2D (NHWC, any stride/padding/dilation) on OpenBLAS (im2col + sgemm), in place on the wasm heap. */
export function nativeConv2D(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const [x, filter] = inputs('Conv2D', args, 'x', 'filter');
    const g = x.dtype === 'float32' && filter.dtype === 'float32' ? geometryOf(x.shape, filter.shape, args.attrs as unknown as ConvAttrs) : null;
    if (g === null) return fallback(args);
    const y = backend.makeOutput(g.outShape, 'float32');
    native.conv2d(heapF32(backend, x), heapF32(backend, filter), heapF32(backend, y), g.packed);
    return y;
  };
}

/** Conv2DBackpropInput (dx from dy and the filter) on OpenBLAS (sgemm + col2im). */
export function nativeConv2DBackpropInput(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const [dy, filter] = inputs('Conv2DBackpropInput', args, 'dy', 'filter');
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const g = dy.dtype === 'float32' && filter.dtype === 'float32' ? geometryOf(attrs.inputShape, filter.shape, { ...attrs, dilations: 1 }) : null;
    if (g === null) return fallback(args);
    if (!sameShape(dy.shape, g.outShape)) {
      throw new Error(`Conv2DBackpropInput (native): dy shape [${dy.shape}] does not match the convolution's output [${g.outShape}] (input [${attrs.inputShape}], filter [${filter.shape}])`);
    }
    const dx = backend.makeOutput([...attrs.inputShape], 'float32');
    native.conv2dBackpropInput(heapF32(backend, dy), heapF32(backend, filter), heapF32(backend, dx), g.packed);
    return dx;
  };
}

/** Conv2DBackpropFilter (dW from x and dy) on OpenBLAS (im2col + sgemm, blocks accumulated). */
export function nativeConv2DBackpropFilter(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const [x, dy] = inputs('Conv2DBackpropFilter', args, 'x', 'dy');
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    const g = x.dtype === 'float32' && dy.dtype === 'float32' ? geometryOf(x.shape, attrs.filterShape, { ...attrs, dilations: 1 }) : null;
    if (g === null) return fallback(args);
    if (!sameShape(dy.shape, g.outShape)) {
      throw new Error(`Conv2DBackpropFilter (native): dy shape [${dy.shape}] does not match the convolution's output [${g.outShape}] (input [${x.shape}], filter [${attrs.filterShape}])`);
    }
    const dw = backend.makeOutput([...attrs.filterShape], 'float32');
    native.conv2dBackpropFilter(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, dw), g.packed);
    return dw;
  };
}
