import type { ConvGeometry } from '@actfusion/native-kernels';

/**
 * The transposed im2col matrix of `x` for the filter taps [tapBegin, tapEnd) (tap = kh * fw + kw): `colsT` is row-major
 * [(tapEnd - tapBegin) * Ci, N * OH * OW], row (tap, ci) holding x[n, oh*sh + kh - pt, ow*sw + kw - pl, ci]
 * over the output pixels (n, oh, ow), 0 outside the input. Written in JavaScript straight into wasm memory.
 */
export function im2colTransposed(x: Float32Array, g: ConvGeometry, tapBegin: number, tapEnd: number, colsT: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterWidth: FW } = g;
  const sw = g.strideWidth;
  const m = batch * OH * OW;
  if (colsT.length !== (tapEnd - tapBegin) * C * m) throw new Error('im2colTransposed: output size does not match the geometry');
  for (let tap = tapBegin; tap < tapEnd; tap++) {
    const kh = Math.floor(tap / FW);
    const kw = tap % FW;
    // ow range with an in-range iw = ow*sw + kw - pl
    const owBegin = Math.min(OW, Math.max(0, Math.ceil((g.padLeft - kw) / sw)));
    const owEnd = Math.max(owBegin, Math.min(OW, Math.floor((W - 1 + g.padLeft - kw) / sw) + 1));
    const rowBase = (tap - tapBegin) * C * m;
    for (let n = 0; n < batch; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const ih = oh * g.strideHeight + kh - g.padTop;
        const pixel0 = (n * OH + oh) * OW;
        if (ih < 0 || ih >= H) {
          for (let c = 0; c < C; c++) colsT.fill(0, rowBase + c * m + pixel0, rowBase + c * m + pixel0 + OW);
          continue;
        }
        const srcRow = ((n * H + ih) * W + owBegin * sw + kw - g.padLeft) * C;
        const step = sw * C;
        for (let c = 0; c < C; c++) {
          const dst = rowBase + c * m + pixel0;
          if (owBegin > 0) colsT.fill(0, dst, dst + owBegin);
          let src = srcRow + c;
          for (let ow = owBegin; ow < owEnd; ow++, src += step) colsT[dst + ow] = x[src]!;
          if (owEnd < OW) colsT.fill(0, dst + owEnd, dst + OW);
        }
      }
    }
  }
}
