import * as tf from '@tensorflow/tfjs-core';
import { packConvGeometry, type NativeKernels } from '@actfusion/native-kernels';
import { convGeometryOf } from '../conv2d-geometry.js';
import { heapF32, type BackendWasm } from '../wasm-kernel-call.js';

interface MaxPoolGradAttrs {
  readonly filterSize: number | [number, number];
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * MaxPoolGrad (dx of `tf.maxPool`, NHWC float32) in one native pass over the windows, in place on the
 * wasm heap. tfjs-backend-wasm 4.22's own kernel re-scans every window for each input pixel it covers:
 * at ResNet18's stem on 4 x 480 x 640 images it took about 1 s of a 9 s training step.
 */
export function nativeMaxPoolGrad(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, input } = args.inputs;
    if (dy === undefined || input === undefined) throw new Error(`MaxPoolGrad (native): inputs 'dy' and 'input' are required`);
    if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4) return fallback(args);
    const attrs = args.attrs as unknown as MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`MaxPoolGrad (native): dy shape [${dy.shape}] does not match the pooling of input [${input.shape}] (filter ${JSON.stringify(attrs.filterSize)}, strides ${JSON.stringify(attrs.strides)}, pad ${JSON.stringify(attrs.pad)}): expected [${expected}]`);
    }
    const dx = backend.makeOutput([...input.shape], 'float32');
    native.maxPoolGrad(heapF32(backend, input), heapF32(backend, dy), heapF32(backend, dx), packConvGeometry(convGeometryOf(info)));
    return dx;
  };
}
