import type { ConvGeometry } from '@actfusion/native-kernels';
import * as tf from '@tensorflow/tfjs-core';

/** The attributes tfjs passes to Conv2DBackpropInput / Conv2DBackpropFilter. */
export interface Conv2DBackpropAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * tfjs's resolved convolution info as the addon's `ConvGeometry` (one field mapping for the wasm
 * gradients and the native kernels).
 */
export function convGeometryOf(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * Resolves the geometry of the forward convolution `x [N,H,W,Ci] * filter [fh,fw,Ci,Co] -> dy` the way
 * tfjs does (`computeConv2DInfo`: 'same' puts the odd pixel at the bottom/right, explicit padding as
 * given), and checks `dy` against it. Dilation is 1, as tfjs conv gradients require.
 */
export function conv2dGeometry(
  kernelName: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  dyShape: readonly number[],
  attrs: Conv2DBackpropAttrs,
): ConvGeometry {
  const format = attrs.dataFormat ?? 'NHWC';
  if (format !== 'NHWC') {
    throw new Error(`${kernelName} (cvae-core, wasm): attribute dataFormat must be 'NHWC' (the wasm Conv2D supports only channels-last), got '${format}'`);
  }
  if (inputShape.length !== 4) throw new Error(`${kernelName} (cvae-core, wasm): input shape must be [N, H, W, C], got [${inputShape.join(', ')}]`);
  if (filterShape.length !== 4) throw new Error(`${kernelName} (cvae-core, wasm): filter shape must be [fh, fw, Ci, Co], got [${filterShape.join(', ')}]`);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dyShape.length !== 4 || dyShape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `${kernelName} (cvae-core, wasm): dy shape [${dyShape.join(', ')}] does not match the convolution of input ` +
        `[${inputShape.join(', ')}] with filter [${filterShape.join(', ')}] (strides ${JSON.stringify(attrs.strides)}, ` +
        `pad ${JSON.stringify(attrs.pad)}): expected [${expected.join(', ')}]`,
    );
  }
  return convGeometryOf(info);
}

/** 2 * N * OH * OW * fh * fw * Ci * Co: the multiply-adds of the forward conv and of each of its gradients. */
export function conv2dFlops(g: ConvGeometry): number {
  return 2 * g.batch * g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
}
