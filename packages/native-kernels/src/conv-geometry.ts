/** A convolution's shape, NHWC input, [fh, fw, Ci, Co] filter, padding resolved to top/left. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** The 15 int32 values the addon's convolution kernels take, in their order. */
export function packConvGeometry(g: ConvGeometry): Int32Array {
  const values = [
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft,
  ];
  for (const [i, v] of values.entries()) {
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new Error(`packConvGeometry: value ${i} (${String(v)}) must be an int32 >= 0`);
  }
  return Int32Array.from(values);
}
