import * as tf from '@tensorflow/tfjs-core';
import type { DatasetStats, FeatureStats } from '@actfusion/contracts';

/** LeRobot's `NormalizationMode` names. */
export type NormalizationMode = 'MEAN_STD' | 'MIN_MAX' | 'IDENTITY';

export interface NormalizerOptions {
  /** Mode for `qpos` (LeRobot STATE). Default MEAN_STD. */
  readonly qposMode?: NormalizationMode;
  /** Mode for actions (LeRobot ACTION). Default MEAN_STD. */
  readonly actionMode?: NormalizationMode;
  /**
   * MEAN_STD: the std actually used is `max(std, stdFloor) + stdEps`. ACT clips std at 1e-2
   * (default); LeRobot adds 1e-8 instead (`stdFloor: 0, stdEps: 1e-8`).
   */
  readonly stdFloor?: number;
  readonly stdEps?: number;
  /** MIN_MAX: the range used is `max(max - min, rangeEps)`. Default 1e-8. */
  readonly rangeEps?: number;
}

/** One feature's affine map `y = (x - shift) / scale` (MIN_MAX: then `* 2 - 1`). */
interface FeatureMap {
  readonly mode: NormalizationMode;
  readonly dim: number;
  /** MEAN_STD: mean; MIN_MAX: min. */
  readonly shift: Float32Array;
  /** MEAN_STD: effective std; MIN_MAX: effective range. */
  readonly scale: Float32Array;
}

/** What a checkpoint stores to rebuild the same `Normalizer`. */
export interface NormalizerJson {
  readonly qpos: { mode: NormalizationMode; shift: number[]; scale: number[] };
  readonly action: { mode: NormalizationMode; shift: number[]; scale: number[] };
}

/**
 * Normalises `qpos` and actions with dataset statistics (ACT's `get_norm_stats` / LeRobot's
 * `NormalizerProcessorStep`), and unnormalises predicted actions. The inverse uses the same
 * effective std / range as the forward map, so `unnormalize(normalize(x)) == x`.
 */
export class Normalizer {
  private constructor(
    readonly qpos: FeatureMap,
    readonly action: FeatureMap,
  ) {}

  static fromStats(stats: DatasetStats, options: NormalizerOptions = {}): Normalizer {
    return new Normalizer(
      featureMap('observation.state', stats['observation.state'], options.qposMode ?? 'MEAN_STD', options),
      featureMap('action', stats.action, options.actionMode ?? 'MEAN_STD', options),
    );
  }

  /** Identity maps of the given widths (inputs go to the network as given). */
  static identity(stateDim: number, actionDim: number): Normalizer {
    const id = (dim: number): FeatureMap => ({
      mode: 'IDENTITY',
      dim,
      shift: new Float32Array(dim),
      scale: new Float32Array(dim).fill(1),
    });
    return new Normalizer(id(stateDim), id(actionDim));
  }

  static fromJSON(json: NormalizerJson, source = 'normalizer'): Normalizer {
    const read = (name: 'qpos' | 'action'): FeatureMap => {
      const f = json[name];
      if (!f || !['MEAN_STD', 'MIN_MAX', 'IDENTITY'].includes(f.mode)) {
        throw new Error(`${source}: field '${name}.mode' must be MEAN_STD, MIN_MAX or IDENTITY`);
      }
      if (!Array.isArray(f.shift) || !Array.isArray(f.scale) || f.shift.length !== f.scale.length) {
        throw new Error(`${source}: fields '${name}.shift' and '${name}.scale' must be arrays of equal length`);
      }
      f.scale.forEach((s, i) => {
        if (!(s > 0)) throw new Error(`${source}: '${name}.scale[${i}]' must be > 0, got ${s}`);
      });
      return { mode: f.mode, dim: f.shift.length, shift: Float32Array.from(f.shift), scale: Float32Array.from(f.scale) };
    };
    return new Normalizer(read('qpos'), read('action'));
  }

  toJSON(): NormalizerJson {
    const w = (f: FeatureMap) => ({ mode: f.mode, shift: [...f.shift], scale: [...f.scale] });
    return { qpos: w(this.qpos), action: w(this.action) };
  }

  /** Normalise one or more qpos vectors laid out back to back (length a multiple of stateDim). */
  normalizeQpos(x: Float32Array): Float32Array {
    return forward(this.qpos, x, 'qpos');
  }

  /** Normalise one or more actions laid out back to back (e.g. a [k * A] chunk). */
  normalizeAction(x: Float32Array): Float32Array {
    return forward(this.action, x, 'action');
  }

  unnormalizeAction(x: Float32Array): Float32Array {
    return inverse(this.action, x, 'action');
  }

  /** Unnormalise an action tensor whose last axis is the action dimension. */
  unnormalizeActionTensor<T extends tf.Tensor>(x: T): T {
    const f = this.action;
    if (x.shape[x.rank - 1] !== f.dim) {
      throw new Error(`Normalizer.unnormalizeActionTensor: last axis is ${x.shape[x.rank - 1]}, expected ${f.dim}`);
    }
    if (f.mode === 'IDENTITY') return tf.clone(x);
    return tf.tidy(() => {
      const scale = tf.tensor1d(f.scale);
      const shift = tf.tensor1d(f.shift);
      const y = f.mode === 'MIN_MAX' ? tf.div(tf.add(x, 1), 2) : x;
      return tf.add(tf.mul(y, scale), shift) as T;
    });
  }
}

function featureMap(name: string, s: FeatureStats, mode: NormalizationMode, o: NormalizerOptions): FeatureMap {
  const dim = s.mean.length;
  for (const key of ['std', 'min', 'max'] as const) {
    if (s[key].length !== dim) {
      throw new Error(`Normalizer: stats '${name}.${key}' has ${s[key].length} values, expected ${dim} (as '${name}.mean')`);
    }
  }
  const shift = new Float32Array(dim);
  const scale = new Float32Array(dim).fill(1);
  for (let i = 0; i < dim; i++) {
    const values = [s.mean[i]!, s.std[i]!, s.min[i]!, s.max[i]!];
    if (values.some((v) => !Number.isFinite(v))) {
      throw new Error(`Normalizer: stats '${name}' has a non-finite value at index ${i}`);
    }
    if (mode === 'MEAN_STD') {
      shift[i] = s.mean[i]!;
      scale[i] = Math.max(s.std[i]!, o.stdFloor ?? 1e-2) + (o.stdEps ?? 0);
    } else if (mode === 'MIN_MAX') {
      shift[i] = s.min[i]!;
      scale[i] = Math.max(s.max[i]! - s.min[i]!, o.rangeEps ?? 1e-8);
    }
    if (mode !== 'IDENTITY' && !(scale[i]! > 0)) {
      throw new Error(`Normalizer: stats '${name}' give a zero scale at index ${i}; set stdFloor or stdEps > 0`);
    }
  }
  return { mode, dim, shift, scale };
}

function checkLength(f: FeatureMap, x: Float32Array, name: string): void {
  if (x.length % f.dim !== 0) {
    throw new Error(`Normalizer: '${name}' has ${x.length} values, expected a multiple of ${f.dim}`);
  }
}

function forward(f: FeatureMap, x: Float32Array, name: string): Float32Array {
  checkLength(f, x, name);
  const out = new Float32Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const i = j % f.dim;
    const y = (x[j]! - f.shift[i]!) / f.scale[i]!;
    out[j] = f.mode === 'MIN_MAX' ? y * 2 - 1 : y;
  }
  return out;
}

function inverse(f: FeatureMap, x: Float32Array, name: string): Float32Array {
  checkLength(f, x, name);
  const out = new Float32Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const i = j % f.dim;
    const y = f.mode === 'MIN_MAX' ? (x[j]! + 1) / 2 : x[j]!;
    out[j] = y * f.scale[i]! + f.shift[i]!;
  }
  return out;
}
