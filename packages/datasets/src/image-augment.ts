import type { ImageFrame, RandomSource } from '@actfusion/contracts';

export interface ImageAugmentOptions {
  /** Random crop covering a fraction of the area in [min, max], resized back (bilinear). */
  readonly randomResizedCrop?: { readonly scale: readonly [number, number] };
  /** Colour jitter factors, each drawn uniformly in [1 - x, 1 + x] (torchvision's ColorJitter). */
  readonly colorJitter?: { readonly brightness?: number; readonly contrast?: number; readonly saturation?: number };
}

/** Apply the configured augmentations with draws from `rng` (so a seeded run is reproducible). */
export function augmentImage(frame: ImageFrame, rng: RandomSource, options: ImageAugmentOptions): ImageFrame {
  let out = frame;
  if (options.randomResizedCrop) out = randomResizedCrop(out, rng, options.randomResizedCrop.scale);
  if (options.colorJitter) out = colorJitter(out, rng, options.colorJitter);
  return out;
}

export function randomResizedCrop(frame: ImageFrame, rng: RandomSource, scale: readonly [number, number]): ImageFrame {
  const { height: H, width: W } = frame;
  const area = rng.uniform(scale[0], scale[1]);
  const side = Math.sqrt(Math.min(1, Math.max(area, 1e-4)));
  const ch = Math.max(1, Math.round(H * side));
  const cw = Math.max(1, Math.round(W * side));
  const y0 = rng.int(H - ch + 1);
  const x0 = rng.int(W - cw + 1);
  return resizeBilinear(frame, { y0, x0, h: ch, w: cw }, H, W);
}

/** Bilinear resize of a region of `frame` to outH x outW (align_corners=false). */
export function resizeBilinear(
  frame: ImageFrame,
  region: { y0: number; x0: number; h: number; w: number },
  outH: number,
  outW: number,
): ImageFrame {
  const src = frame.data;
  const W = frame.width;
  const out = new Uint8Array(outH * outW * 3);
  const sy = region.h / outH;
  const sx = region.w / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), region.h - 1);
    const y1 = Math.floor(fy);
    const y2 = Math.min(y1 + 1, region.h - 1);
    const dy = fy - y1;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), region.w - 1);
      const x1 = Math.floor(fx);
      const x2 = Math.min(x1 + 1, region.w - 1);
      const dx = fx - x1;
      const a = ((region.y0 + y1) * W + region.x0 + x1) * 3;
      const b = ((region.y0 + y1) * W + region.x0 + x2) * 3;
      const c = ((region.y0 + y2) * W + region.x0 + x1) * 3;
      const d = ((region.y0 + y2) * W + region.x0 + x2) * 3;
      const o = (y * outW + x) * 3;
      for (let k = 0; k < 3; k++) {
        const top = src[a + k]! * (1 - dx) + src[b + k]! * dx;
        const bot = src[c + k]! * (1 - dx) + src[d + k]! * dx;
        out[o + k] = Math.round(top * (1 - dy) + bot * dy);
      }
    }
  }
  return { height: outH, width: outW, data: out };
}

export function colorJitter(
  frame: ImageFrame,
  rng: RandomSource,
  opts: { readonly brightness?: number; readonly contrast?: number; readonly saturation?: number },
): ImageFrame {
  const factor = (x: number | undefined) => (x ? rng.uniform(Math.max(0, 1 - x), 1 + x) : 1);
  const b = factor(opts.brightness);
  const c = factor(opts.contrast);
  const s = factor(opts.saturation);
  const src = frame.data;
  const n = frame.height * frame.width;
  let meanGray = 0;
  for (let i = 0; i < n; i++) meanGray += 0.299 * src[3 * i]! + 0.587 * src[3 * i + 1]! + 0.114 * src[3 * i + 2]!;
  meanGray = (meanGray / Math.max(n, 1)) * b;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < n; i++) {
    const r = src[3 * i]! * b;
    const g = src[3 * i + 1]! * b;
    const bl = src[3 * i + 2]! * b;
    const gray = 0.299 * r + 0.587 * g + 0.114 * bl;
    const px = [r, g, bl];
    for (let k = 0; k < 3; k++) {
      let v = gray + (px[k]! - gray) * s; // saturation
      v = meanGray + (v - meanGray) * c; // contrast
      out[3 * i + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return { height: frame.height, width: frame.width, data: out };
}
