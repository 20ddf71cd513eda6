import { readFile } from 'node:fs/promises';
import type { FeatureStats } from '@actfusion/contracts';
import { DatasetFormatError, describeError } from './dataset-error.js';

export interface LeRobotFeature {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly names?: unknown;
  readonly info?: Readonly<Record<string, unknown>>;
  readonly video_info?: Readonly<Record<string, unknown>>;
}

/** The fields of meta/info.json this package reads (v2.0, v2.1, v3.0). */
export interface LeRobotInfo {
  readonly codebase_version: 'v2.0' | 'v2.1' | 'v3.0';
  readonly robot_type?: string | null;
  readonly fps: number;
  readonly total_episodes: number;
  readonly total_frames: number;
  readonly total_tasks?: number;
  readonly chunks_size: number;
  readonly data_path: string;
  readonly video_path?: string | null;
  readonly features: Readonly<Record<string, LeRobotFeature>>;
  readonly [key: string]: unknown;
}

export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetFormatError(file, '(file)', `cannot read: ${describeError(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DatasetFormatError(file, '(json)', `not valid JSON: ${describeError(err)}`, { cause: err });
  }
}

/** Read and check meta/info.json. */
export async function readLeRobotInfo(file: string): Promise<LeRobotInfo> {
  const raw = await readJson(file);
  if (raw === null || typeof raw !== 'object') throw new DatasetFormatError(file, '(root)', 'expected a JSON object');
  const info = raw as Record<string, unknown>;
  const version = info['codebase_version'];
  if (version !== 'v2.0' && version !== 'v2.1' && version !== 'v3.0') {
    throw new DatasetFormatError(file, 'codebase_version', `expected "v2.0", "v2.1" or "v3.0", got ${JSON.stringify(version)}`);
  }
  const num = (key: string, fallback?: number) => {
    const v = info[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DatasetFormatError(file, key, `expected a non-negative number, got ${JSON.stringify(v)}`);
    return v;
  };
  num('fps');
  if (!((info['fps'] as number) > 0)) throw new DatasetFormatError(file, 'fps', `expected a positive number, got ${JSON.stringify(info['fps'])}`);
  num('total_episodes');
  num('total_frames');
  num('chunks_size', 1000);
  if (typeof info['data_path'] !== 'string') throw new DatasetFormatError(file, 'data_path', `expected a path template string, got ${JSON.stringify(info['data_path'])}`);
  if (info['video_path'] !== undefined && info['video_path'] !== null && typeof info['video_path'] !== 'string') {
    throw new DatasetFormatError(file, 'video_path', `expected a path template string or null, got ${JSON.stringify(info['video_path'])}`);
  }
  const features = info['features'];
  if (features === null || typeof features !== 'object') throw new DatasetFormatError(file, 'features', 'expected an object of feature descriptions');
  for (const [key, f] of Object.entries(features as Record<string, unknown>)) {
    const feat = f as Partial<LeRobotFeature> | null;
    if (!feat || typeof feat.dtype !== 'string' || !Array.isArray(feat.shape)) {
      throw new DatasetFormatError(file, `features.${key}`, 'expected {dtype: string, shape: number[]}');
    }
  }
  return { chunks_size: 1000, ...info } as unknown as LeRobotInfo;
}

/** [height, width] of an image/video feature, from its `names` (older files: HWC, newer: CHW). */
export function imageShape(file: string, key: string, feature: LeRobotFeature): [number, number] {
  const names = Array.isArray(feature.names) ? (feature.names as unknown[]).map(String) : undefined;
  const s = feature.shape;
  if (s.length !== 3) throw new DatasetFormatError(file, `features.${key}.shape`, `expected 3 dimensions, got [${s.join(', ')}]`);
  let h = s[0]!;
  let w = s[1]!;
  if (names) {
    const hi = names.indexOf('height');
    const wi = names.indexOf('width');
    if (hi >= 0 && wi >= 0) {
      h = s[hi]!;
      w = s[wi]!;
    }
  } else if (s[0] === 3 && s[2] !== 3) {
    h = s[1]!;
    w = s[2]!;
  }
  const info = feature.info ?? feature.video_info;
  const ih = info?.['video.height'];
  const iw = info?.['video.width'];
  if (typeof ih === 'number' && typeof iw === 'number' && (ih !== h || iw !== w)) {
    throw new DatasetFormatError(file, `features.${key}.info`, `video.height/width ${ih}x${iw} disagree with shape ${h}x${w}`);
  }
  return [h, w];
}

/** One feature's entry of stats.json as FeatureStats (mean, std, min, max required; q01, q99, count optional). */
export function parseFeatureStats(file: string, stats: Record<string, unknown>, key: string): FeatureStats {
  const f = stats[key] as Record<string, unknown> | undefined;
  const arr = (name: string, required: boolean): Float32Array | undefined => {
    const v = f?.[name];
    if (v === undefined && !required) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new DatasetFormatError(file, `${key}.${name}`, 'expected a list of numbers');
    return Float32Array.from(v);
  };
  const count = Array.isArray(f?.['count']) ? Number((f['count'] as unknown[])[0]) : undefined;
  const q01 = arr('q01', false);
  const q99 = arr('q99', false);
  return {
    mean: arr('mean', true)!,
    std: arr('std', true)!,
    min: arr('min', true)!,
    max: arr('max', true)!,
    ...(q01 ? { q01 } : {}),
    ...(q99 ? { q99 } : {}),
    ...(count !== undefined ? { count } : {}),
  };
}

/** Read a JSON Lines file (LeRobot v2 meta/*.jsonl). */
export async function readJsonLines(file: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetFormatError(file, '(file)', `cannot read: ${String(err)}`, { cause: err });
  }
  return text
    .split('\n')
    .map((l, i) => [l.trim(), i] as const)
    .filter(([l]) => l.length > 0)
    .map(([l, i]) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new DatasetFormatError(file, `line ${i + 1}`, 'not valid JSON');
      }
    });
}
