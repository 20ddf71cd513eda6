import type { ImageFrame } from '@actfusion/contracts';

/** Force (N) that maps to full intensity in the tactile image. */
export const TACTILE_FULL_SCALE = 5;

/**
 * Renders a taxel grid as an RGB image (`scale` pixels per taxel): black at zero force, through
 * red and yellow to white at `fullScale` newtons (a heat map, so an encoder sees contact shape and
 * strength).
 */
export function renderTactileImage(forces: ArrayLike<number>, rows: number, cols: number, scale = 4, fullScale = TACTILE_FULL_SCALE): ImageFrame {
  if (forces.length !== rows * cols) throw new Error(`tactile image: ${forces.length} forces for a ${rows}x${cols} grid`);
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`tactile image: scale must be a positive integer, got ${scale}`);
  const h = rows * scale;
  const w = cols * scale;
  const data = new Uint8Array(h * w * 3);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const t = Math.min(1, Math.max(0, forces[r * cols + c]! / fullScale));
      const rgb = [Math.min(1, 3 * t), Math.min(1, Math.max(0, 3 * t - 1)), Math.max(0, 3 * t - 2)].map((v) => Math.round(255 * v));
      for (let y = r * scale; y < (r + 1) * scale; y++) {
        for (let x = c * scale; x < (c + 1) * scale; x++) data.set(rgb, 3 * (y * w + x));
      }
    }
  }
  return { height: h, width: w, data };
}
