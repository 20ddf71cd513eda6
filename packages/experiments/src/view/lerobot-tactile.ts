import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetFormatError, formatPathTemplate, insideDataset, readParquetRows, taxelGrid, type LeRobotDataset } from '@actfusion/datasets';

/** One tactile sensor over an episode: `frames[t]` holds rows * cols forces, row-major (the magnitude over channels when a taxel has several). */
export interface TactileSeries {
  readonly sensor: string;
  readonly rows: number;
  readonly cols: number;
  readonly frames: readonly number[][];
}

/**
 * Feature keys read as taxel grids: @actfusion/contracts' `observation.taxels.<sensor>` (forces,
 * [rows, cols] or [rows, cols, channels]) and numeric `observation.tactile.<sensor>` features
 * (tactile images stored as video are shown as cameras by the reader instead).
 */
export const TACTILE_PREFIXES = ['observation.taxels.', 'observation.tactile.'] as const;

const NUMERIC = new Set(['float32', 'float64', 'float16', 'int64', 'int32', 'int16', 'uint8']);

/**
 * Tactile readings of a LeRobot dataset: its numeric taxel features in meta/info.json (shape
 * [n], [rows, cols] or [rows, cols, channels]), read from the episode's data Parquet file on
 * request (one column, one episode at a time).
 */
export class LeRobotTactile {
  private constructor(
    readonly sensors: Readonly<Record<string, readonly [number, number]>>,
    private readonly channels: Readonly<Record<string, number>>,
    private readonly dataFiles: ReadonlyMap<number, string>,
  ) {}

  static async open(ds: LeRobotDataset): Promise<LeRobotTactile | undefined> {
    const infoFile = join(ds.root, 'meta/info.json');
    const sensors: Record<string, readonly [number, number]> = {};
    const channels: Record<string, number> = {};
    for (const [key, f] of Object.entries(ds.info.features)) {
      if (!TACTILE_PREFIXES.some((p) => key.startsWith(p)) || !NUMERIC.has(f.dtype)) continue;
      const s = f.shape;
      if (s.length < 1 || s.length > 3 || s.some((d) => !Number.isInteger(d) || d < 1)) {
        throw new DatasetFormatError(infoFile, `features.${key}.shape`, `expected [n], [rows, cols] or [rows, cols, channels] for a taxel grid, got [${s.join(', ')}]`);
      }
      // A flat [rows * cols] taxel vector keeps its grid in `names` (r<row>c<col>, as @actfusion/datasets writes it).
      sensors[key] = s.length === 1 ? taxelGrid(f.names, s[0]!) : [s[0]!, s[1]!];
      channels[key] = s[2] ?? 1;
    }
    if (Object.keys(sensors).length === 0) return undefined;
    return new LeRobotTactile(sensors, channels, await dataFiles(ds));
  }

  async read(episodeIndex: number, sensor: string): Promise<TactileSeries> {
    const shape = this.sensors[sensor];
    if (!shape) throw new RangeError(`no tactile sensor "${sensor}" (have ${Object.keys(this.sensors).join(', ')})`);
    const file = this.dataFiles.get(episodeIndex);
    if (!file) throw new RangeError(`episode ${episodeIndex} has no data file`);
    const [rows, cols] = shape;
    const c = this.channels[sensor] ?? 1;
    const frames = (await readParquetRows(file, [sensor, 'episode_index', 'frame_index']))
      .filter((r) => r['episode_index'] === undefined || Number(r['episode_index']) === episodeIndex)
      .sort((a, b) => Number(a['frame_index']) - Number(b['frame_index']))
      .map((r, t) => {
        const flat = flatten(r[sensor]);
        if (flat === undefined || flat.length !== rows * cols * c) {
          throw new DatasetFormatError(file, `column ${sensor}`, `row ${t} of episode ${episodeIndex}: expected ${rows * cols * c} numbers (shape [${rows}, ${cols}${c > 1 ? `, ${c}` : ''}]), got ${flat === undefined ? 'a non-numeric value' : flat.length}`);
        }
        return c === 1 ? flat : magnitudes(flat, c);
      });
    return { sensor, rows, cols, frames };
  }
}

/** Per taxel, the Euclidean norm over its `c` channels (normal and shear forces -> one number). */
function magnitudes(flat: readonly number[], c: number): number[] {
  return Array.from({ length: flat.length / c }, (_, i) => Math.hypot(...flat.slice(i * c, i * c + c)));
}

function flatten(v: unknown): number[] | undefined {
  if (typeof v === 'number') return [v];
  if (!Array.isArray(v)) return undefined;
  const out: number[] = [];
  for (const x of v) {
    const inner = flatten(x);
    if (!inner) return undefined;
    out.push(...inner);
  }
  return out;
}

/** Episode index -> its data Parquet file (v2.x: one file per episode; v3.0: from meta/episodes). */
async function dataFiles(ds: LeRobotDataset): Promise<Map<number, string>> {
  const infoFile = join(ds.root, 'meta/info.json');
  const out = new Map<number, string>();
  if (ds.version !== 'v3.0') {
    for (const ep of ds.episodes) {
      const rel = formatPathTemplate(infoFile, 'data_path', ds.info.data_path, { episode_chunk: Math.floor(ep.index / ds.info.chunks_size), episode_index: ep.index });
      out.set(ep.index, insideDataset(ds.root, rel, infoFile, 'data_path'));
    }
    return out;
  }
  const epDir = join(ds.root, 'meta/episodes');
  const files = (await readdir(epDir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
  for (const f of files) {
    for (const r of await readParquetRows(join(epDir, f), ['episode_index', 'data/chunk_index', 'data/file_index'])) {
      const rel = formatPathTemplate(infoFile, 'data_path', ds.info.data_path, { chunk_index: Number(r['data/chunk_index']), file_index: Number(r['data/file_index']) });
      out.set(Number(r['episode_index']), insideDataset(ds.root, rel, infoFile, 'data_path'));
    }
  }
  return out;
}
