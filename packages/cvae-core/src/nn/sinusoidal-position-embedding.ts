import * as tf from '@tensorflow/tfjs-core';

/**
 * ACT's fixed sinusoidal position embeddings.
 *
 * 1-D (`create_sinusoidal_pos_embedding` in LeRobot, `get_sinusoid_encoding_table` in the
 * original): `table[pos, j] = sin/cos(pos / 10000^(2·⌊j/2⌋/D))`, sin on even j, cos on odd j;
 * computed in float64 and rounded to float32, as the numpy original.
 *
 * 2-D (`ACTSinusoidalPositionEmbedding2d(F)`, DETR's `PositionEmbeddingSine(normalize=True)`):
 * for row i and column j, `y = (i+1)/(H+1e-6)·2π`, `x = (j+1)/(W+1e-6)·2π`,
 * `dim_t[c] = 10000^(2·⌊c/2⌋/F)`; channels `[sin(y/dim_t[0]), cos(y/dim_t[1]), …]` (F of them),
 * then the same for x: y first, then x, 2F channels. Computed in float32 steps like PyTorch.
 */

/** The 1-D table [numPositions, dimension]. */
export function sinusoidalPositionEmbedding1d(numPositions: number, dimension: number): tf.Tensor2D {
  const out = new Float32Array(numPositions * dimension);
  for (let pos = 0; pos < numPositions; pos++) {
    for (let j = 0; j < dimension; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dimension);
      out[pos * dimension + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tf.tensor2d(out, [numPositions, dimension]);
}

/** LeRobot's name for {@link sinusoidalPositionEmbedding1d}. */
export const createSinusoidalPosEmbedding = sinusoidalPositionEmbedding1d;

/** The 2-D table, channels last: [height, width, 2·dimension] (y channels, then x channels). */
export function sinusoidalPositionEmbedding2d(height: number, width: number, dimension: number): tf.Tensor3D {
  const f = Math.fround;
  const twoPi = f(2 * Math.PI);
  const invFreq = new Float32Array(dimension);
  for (let c = 0; c < dimension; c++) invFreq[c] = f(Math.pow(10000, f(f(2 * Math.floor(c / 2)) / dimension)));
  const channel = (v: number, c: number): number => {
    const a = f(v / invFreq[c]!);
    return c % 2 === 0 ? Math.sin(a) : Math.cos(a);
  };
  const C = 2 * dimension;
  const out = new Float32Array(height * width * C);
  const yDen = f(height + 1e-6);
  const xDen = f(width + 1e-6);
  for (let i = 0; i < height; i++) {
    const y = f(f((i + 1) / yDen) * twoPi);
    for (let j = 0; j < width; j++) {
      const x = f(f((j + 1) / xDen) * twoPi);
      const base = (i * width + j) * C;
      for (let c = 0; c < dimension; c++) {
        out[base + c] = channel(y, c);
        out[base + dimension + c] = channel(x, c);
      }
    }
  }
  return tf.tensor3d(out, [height, width, C]);
}

/**
 * LeRobot's `ACTSinusoidalPositionEmbedding2d(dimension)` for NHWC feature maps: `forward(x)`
 * with x [B, H, W, C] gives [1, H, W, 2·dimension] (PyTorch gives the same values as
 * [1, 2·dimension, H, W]). Tables are cached per (H, W); `dispose()` frees them.
 */
export class ACTSinusoidalPositionEmbedding2d {
  private readonly cache = new Map<string, tf.Tensor4D>();

  constructor(readonly dimension: number) {}

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [, h, w] = x.shape;
    return this.table(h, w);
  }

  /** The cached table [1, H, W, 2·dimension]; owned by this object, do not dispose it. */
  table(height: number, width: number): tf.Tensor4D {
    const key = `${height}x${width}`;
    let t = this.cache.get(key);
    if (!t) {
      t = tf.tidy(() => tf.expandDims(sinusoidalPositionEmbedding2d(height, width, this.dimension), 0)) as tf.Tensor4D;
      tf.keep(t);
      this.cache.set(key, t);
    }
    return t;
  }

  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
  }
}
