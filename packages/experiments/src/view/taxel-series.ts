/** One taxel sensor over an episode: `frames[t]` holds rows * cols forces, row-major (the magnitude over channels when a taxel has several). */
export interface TactileSeries {
  readonly sensor: string;
  readonly rows: number;
  readonly cols: number;
  readonly frames: readonly number[][];
}

/**
 * Splits a reader's taxel vector ([T * rows * cols * channels], row-major) into per-step grids;
 * with several channels (normal and shear forces) each taxel is their Euclidean norm.
 */
export function taxelSeries(sensor: string, shape: readonly number[], data: Float32Array, length: number): TactileSeries {
  const rows = shape.length >= 2 ? shape[0]! : 1;
  const cols = shape.length >= 2 ? shape[1]! : (shape[0] ?? 1);
  const channels = shape[2] ?? 1;
  const size = rows * cols * channels;
  if (data.length !== length * size) throw new RangeError(`${sensor}: expected ${length} x ${size} values (shape [${shape.join(', ')}]), got ${data.length}`);
  const frames = Array.from({ length }, (_, t) =>
    Array.from({ length: rows * cols }, (_, i) => {
      if (channels === 1) return data[t * size + i]!;
      let s = 0;
      for (let c = 0; c < channels; c++) s += data[t * size + i * channels + c]! ** 2;
      return Math.sqrt(s);
    }),
  );
  return { sensor, rows, cols, frames };
}
