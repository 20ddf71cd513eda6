import type { Conv2DGeometry } from './conv2d-geometry.js';

/**
 * Writes the im2col matrix of `x` for the filter taps [tapBegin, tapEnd) (tap = kh * fw + kw) into
 * `cols`, row-major [N * OH * OW, (tapEnd - tapBegin) * Ci]: row (n, oh, ow), column (tap, ci) holds
 * x[n, oh * sh + kh - padTop, ow * sw + kw - padLeft, ci], or 0 outside the input.
 * Both arrays are views on the wasm heap; nothing is copied anywhere else.
 */
export function im2col(x: Float32Array, g: Conv2DGeometry, tapBegin: number, tapEnd: number, cols: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterWidth: FW } = g;
  const taps = tapEnd - tapBegin;
  const rowLen = taps * C;
  if (cols.length !== batch * OH * OW * rowLen) throw new Error('im2col: output size does not match the geometry');
  const tapKh = new Int32Array(taps);
  const tapKw = new Int32Array(taps);
  for (let t = 0; t < taps; t++) {
    tapKh[t] = Math.floor((tapBegin + t) / FW);
    tapKw[t] = (tapBegin + t) % FW;
  }
  const small = C < 16;
  let row = 0;
  for (let n = 0; n < batch; n++) {
    const xBatch = n * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * g.strideHeight - g.padTop;
      for (let ow = 0; ow < OW; ow++, row += rowLen) {
        const iw0 = ow * g.strideWidth - g.padLeft;
        for (let t = 0; t < taps; t++) {
          const ih = ih0 + tapKh[t]!;
          const iw = iw0 + tapKw[t]!;
          const dst = row + t * C;
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
            cols.fill(0, dst, dst + C);
            continue;
          }
          const src = xBatch + (ih * W + iw) * C;
          if (small) {
            for (let c = 0; c < C; c++) cols[dst + c] = x[src + c]!;
          } else {
            cols.set(x.subarray(src, src + C), dst);
          }
        }
      }
    }
  }
}

/**
 * The transpose of `im2col` for the taps [tapBegin, tapEnd): `colsT` is row-major
 * [(tapEnd - tapBegin) * Ci, N * OH * OW], row (tap, ci) holding x[n, oh*sh + kh - pt, ow*sw + kw - pl, ci]
 * over the output pixels (n, oh, ow), 0 outside the input. Written in JavaScript straight into wasm memory.
 */
export function im2colTransposed(x: Float32Array, g: Conv2DGeometry, tapBegin: number, tapEnd: number, colsT: Float32Array): void {
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
