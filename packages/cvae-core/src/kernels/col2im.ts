import type { ConvGeometry } from '@actfusion/native-kernels';

/**
 * Adds a column matrix back into the image (the adjoint of im2col): dx[n, oh*sh + kh - pt, ow*sw + kw - pl, ci]
 * += cols[(n, oh, ow), (kh, kw, ci)] for in-range pixels. `dx` must be zeroed by the caller.
 * `layout` says how `cols` is stored: 'pixel-major' [M, fh*fw*Ci] or 'tap-major' [fh*fw*Ci, M]
 * (M = N*OH*OW). Both arrays are views on the wasm heap.
 */
export function col2im(cols: Float32Array, layout: 'pixel-major' | 'tap-major', g: ConvGeometry, dx: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const sh = g.strideHeight;
  const sw = g.strideWidth;
  const m = batch * OH * OW;
  const rowLen = FH * FW * C;
  for (let kh = 0; kh < FH; kh++) {
    for (let kw = 0; kw < FW; kw++) {
      const tap = kh * FW + kw;
      // ow range with an in-range iw = ow*sw + kw - pl
      const owBegin = Math.max(0, Math.ceil((g.padLeft - kw) / sw));
      const owEnd = Math.min(OW, Math.floor((W - 1 + g.padLeft - kw) / sw) + 1);
      if (owEnd <= owBegin) continue;
      for (let n = 0; n < batch; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh + kh - g.padTop;
          if (ih < 0 || ih >= H) continue;
          const pixel0 = (n * OH + oh) * OW; // m index of (n, oh, 0)
          const dxRow = (n * H + ih) * W;
          if (layout === 'pixel-major') {
            for (let ow = owBegin; ow < owEnd; ow++) {
              const src = (pixel0 + ow) * rowLen + tap * C;
              const dst = (dxRow + ow * sw + kw - g.padLeft) * C;
              for (let c = 0; c < C; c++) dx[dst + c]! += cols[src + c]!;
            }
          } else {
            for (let c = 0; c < C; c++) {
              const src = (tap * C + c) * m + pixel0;
              let dst = (dxRow + owBegin * sw + kw - g.padLeft) * C + c;
              const step = sw * C;
              for (let ow = owBegin; ow < owEnd; ow++, dst += step) dx[dst]! += cols[src + ow]!;
            }
          }
        }
      }
    }
  }
}
