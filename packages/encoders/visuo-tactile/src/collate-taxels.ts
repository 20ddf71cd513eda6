import * as tf from '@tensorflow/tfjs-core';
import type { Observation } from '@actfusion/cvae-core';

/**
 * Stack the raw taxel grids of `sensors` (`Observation.tactile[s].data`, rows x cols forces) into
 * `ObservationBatch.tactile` entries [B, rows, cols, 1], optionally divided by `scale` (e.g. the
 * sensor's full-scale force). cvae-core's `collate` stacks tactile IMAGES; use this for the taxel path.
 */
export function collateTaxels(
  observations: readonly Observation[],
  sensors: readonly string[],
  options: { scale?: number } = {},
): Record<string, tf.Tensor4D> {
  const scale = options.scale ?? 1;
  const out: Record<string, tf.Tensor4D> = {};
  for (const s of sensors) {
    const first = observations[0]?.tactile?.[s];
    if (!first) throw new Error(`collateTaxels: sample 0 has no tactile reading 'tactile.${s}'`);
    const { rows, cols } = first;
    const data = new Float32Array(observations.length * rows * cols);
    observations.forEach((o, i) => {
      const f = o.tactile?.[s];
      if (!f) throw new Error(`collateTaxels: sample ${i} has no tactile reading 'tactile.${s}'`);
      if (f.rows !== rows || f.cols !== cols || f.data.length !== rows * cols) {
        throw new Error(`collateTaxels: sample ${i} 'tactile.${s}' is ${f.rows}x${f.cols} with ${f.data.length} values, expected ${rows}x${cols} (as sample 0)`);
      }
      for (let j = 0; j < f.data.length; j++) data[i * rows * cols + j] = f.data[j]! / scale;
    });
    out[s] = tf.tensor4d(data, [observations.length, rows, cols, 1]);
  }
  return out;
}
