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

/**
 * What meta/info.json may claim, checked before anything is allocated from it (a frame buffer of
 * height x width x 3 bytes, vectors of frames x shape floats).
 */
export const LEROBOT_LIMITS = {
  /** Frames per second. */
  fps: 1000,
  /** Height and width of an image or video feature. */
  imageSide: 4096,
  /** Values per frame of any other feature. */
  featureValues: 1_000_000,
} as const;

/** Every axis a positive integer; images up to `imageSide` per side, other features up to `featureValues` values. */
function checkFeatureShape(file: string, key: string, feature: LeRobotFeature): void {
  const shape = feature.shape as unknown[];
  const field = `features.${key}.shape`;
  shape.forEach((n, i) => {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new DatasetFormatError(file, field, `axis ${i} is ${JSON.stringify(n)}; expected a positive integer`);
  });
  const dims = shape as number[];
  if (feature.dtype === 'video' || feature.dtype === 'image') {
    const [h, w] = imageShape(file, key, feature);
    const channels = dims.find((n) => n !== h && n !== w) ?? 3;
    if (h > LEROBOT_LIMITS.imageSide || w > LEROBOT_LIMITS.imageSide || channels > 4) {
      throw new DatasetFormatError(file, field, `claims ${h}x${w} frames with ${channels} channels; expected at most ${LEROBOT_LIMITS.imageSide}x${LEROBOT_LIMITS.imageSide} and 4 channels (a corrupt or hostile file?)`);
    }
    return;
  }
  const values = dims.reduce((a, b) => a * b, 1);
  if (values > LEROBOT_LIMITS.featureValues) {
    throw new DatasetFormatError(file, field, `[${dims.join(', ')}] claims ${values} values per frame; expected at most ${LEROBOT_LIMITS.featureValues} (a corrupt or hostile file?)`);
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
  if (!((info['fps'] as number) > 0 && (info['fps'] as number) <= LEROBOT_LIMITS.fps)) {
    throw new DatasetFormatError(file, 'fps', `expected a positive number of frames per second up to ${LEROBOT_LIMITS.fps}, got ${JSON.stringify(info['fps'])}`);
  }
  for (const key of ['total_episodes', 'total_frames', 'chunks_size'] as const) {
    const v = num(key, key === 'chunks_size' ? 1000 : undefined);
    if (!Number.isSafeInteger(v) || (key === 'chunks_size' && v < 1)) throw new DatasetFormatError(file, key, `expected a${key === 'chunks_size' ? ' positive' : ' non-negative'} integer, got ${JSON.stringify(info[key])}`);
  }
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
    checkFeatureShape(file, key, feat as LeRobotFeature);
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
