import type { FeatureSpec } from './feature-spec.js';
import type { ImageFrame } from './image-frame.js';
import type { Observation } from './observation.js';

/**
 * Read one feature of an observation with the type its `FeatureSpec` promises. Each function
 * throws an error naming `who`, the sample, the key, what was found and what was expected, so a
 * wrong dataset or robot fails at the first sample instead of deep inside a tensor op.
 */

function missing(o: Observation, key: string, who: string, sample: number): Error {
  return new Error(`${who}: sample ${sample} has no feature '${key}' (has ${Object.keys(o).join(', ') || 'none'})`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of ${(v as unknown as ArrayLike<number>).length} values`;
  return typeof v;
}

/** A Float32Array feature with `size` values (state, velocity, taxels). */
export function floatFeature(o: Observation, key: string, size: number, who: string, sample = 0): Float32Array {
  const v = o[key];
  if (v === undefined) throw missing(o, key, who, sample);
  if (!(v instanceof Float32Array)) throw new Error(`${who}: sample ${sample} feature '${key}' is ${describe(v)}, expected a Float32Array`);
  if (v.length !== size) throw new Error(`${who}: sample ${sample} feature '${key}' has ${v.length} values, expected ${size}`);
  return v;
}

/** An `ImageFrame` feature of `[height, width]` (cameras, tactile images). */
export function imageFeature(o: Observation, key: string, height: number, width: number, who: string, sample = 0): ImageFrame {
  const v = o[key] as Partial<ImageFrame> | undefined;
  if (v === undefined) throw missing(o, key, who, sample);
  if (typeof v !== 'object' || v === null || !(v.data instanceof Uint8Array)) {
    throw new Error(`${who}: sample ${sample} feature '${key}' is ${describe(v)}, expected an ImageFrame { height, width, data: Uint8Array }`);
  }
  if (v.height !== height || v.width !== width || v.data.length !== height * width * 3) {
    throw new Error(`${who}: sample ${sample} feature '${key}' is ${v.height}x${v.width} with ${v.data.length} bytes, expected ${height}x${width}x3 = ${height * width * 3} bytes`);
  }
  return v as ImageFrame;
}

/** A string feature (the instruction). */
export function textFeature(o: Observation, key: string, who: string, sample = 0): string {
  const v = o[key];
  if (v === undefined) throw missing(o, key, who, sample);
  if (typeof v !== 'string') throw new Error(`${who}: sample ${sample} feature '${key}' is ${describe(v)}, expected a string`);
  return v;
}

/** Number of values of a vector feature (product of its shape; 1 for a scalar). */
export function featureSize(f: FeatureSpec): number {
  return f.shape.reduce((a, b) => a * b, 1);
}
