import { join } from 'node:path';
import { writeFileAtomic } from '@actfusion/atomic-file';
import { V3_DATA_PATH, V3_VIDEO_PATH } from './lerobot-paths.js';
import { aggregateStats, LEROBOT_STAT_NAMES, statsJsonEntry, statValue } from './lerobot-stats.js';
import { writeParquetFile, type ParquetColumn } from './parquet-table.js';
import type { FullFeatureStats } from './streaming-stats.js';
import type { VideoCodec } from './video-codec.js';

/** A float32 vector feature (`observation.state`, `action`, `observation.taxels.<sensor>`, ...). */
export interface VectorFeature {
  readonly key: string;
  readonly dim: number;
  /** One name per element, as the robot names them; `null` when unknown. */
  readonly names: readonly string[] | null;
}

/** An RGB video feature (`observation.images.<camera>`, `observation.tactile.<sensor>`). */
export interface VideoFeature {
  readonly key: string;
  readonly height: number;
  readonly width: number;
}

/** Everything about a v3.0 dataset's layout that the writer fixes at creation. */
export interface V3Layout {
  readonly fps: number;
  readonly robotType: string | null;
  readonly codec: VideoCodec;
  readonly vectors: readonly VectorFeature[];
  readonly videos: readonly VideoFeature[];
  readonly chunksSize: number;
  readonly dataFilesSizeInMb: number;
  readonly videoFilesSizeInMb: number;
}

/** LeRobot's DEFAULT_FEATURES, in its order: every frame carries them, each of shape [1]. */
export const INDEX_FEATURES = [
  { key: 'timestamp', dtype: 'float32' },
  { key: 'frame_index', dtype: 'int64' },
  { key: 'episode_index', dtype: 'int64' },
  { key: 'index', dtype: 'int64' },
  { key: 'task_index', dtype: 'int64' },
] as const;

/** (chunk_index, file_index) of a data, video or episode-metadata file. */
export interface FilePointer {
  readonly chunk: number;
  readonly file: number;
}

/** LeRobot's `update_chunk_file_indices`: the file after `p` (a new chunk every `chunksSize` files). */
export function nextFile(p: FilePointer | undefined, chunksSize: number): FilePointer {
  if (!p) return { chunk: 0, file: 0 };
  return p.file + 1 >= chunksSize ? { chunk: p.chunk + 1, file: 0 } : { chunk: p.chunk, file: p.file + 1 };
}

export function laterFile(a: FilePointer | undefined, b: FilePointer): FilePointer {
  return !a || b.chunk > a.chunk || (b.chunk === a.chunk && b.file > a.file) ? b : a;
}

/** One row of meta/episodes. */
export interface EpisodeRecord {
  readonly index: number;
  readonly tasks: readonly string[];
  readonly length: number;
  readonly from: number;
  readonly data: FilePointer;
  readonly videos: Readonly<Record<string, FilePointer & { readonly fromTimestamp: number; readonly toTimestamp: number }>>;
  readonly meta: FilePointer;
  /** Feature key -> this episode's statistics (every feature but strings, LeRobot's `compute_episode_stats`). */
  readonly stats: Readonly<Record<string, FullFeatureStats>>;
}

/** Feature keys that have statistics, in info.json order. */
export function statFeatureKeys(layout: V3Layout): string[] {
  return [...layout.vectors.map((v) => v.key), ...layout.videos.map((v) => v.key), ...INDEX_FEATURES.map((f) => f.key)];
}

/** meta/info.json as LeRobot's DatasetInfo (v3.0) writes it. */
export function infoJson(layout: V3Layout, totals: { episodes: number; frames: number; tasks: number }): Record<string, unknown> {
  const features: Record<string, unknown> = {};
  for (const v of layout.vectors) features[v.key] = { dtype: 'float32', shape: [v.dim], names: v.names ? [...v.names] : null };
  for (const v of layout.videos) {
    features[v.key] = {
      dtype: 'video',
      shape: [v.height, v.width, 3],
      names: ['height', 'width', 'channels'],
      info: {
        'video.height': v.height,
        'video.width': v.width,
        'video.codec': layout.codec,
        'video.pix_fmt': 'yuv420p',
        // LeRobot's canonical key (dataset_metadata.update_video_info migrates the legacy `video.is_depth_map` to it).
        is_depth_map: false,
        'video.fps': layout.fps,
        'video.channels': 3,
        has_audio: false,
      },
    };
  }
  for (const f of INDEX_FEATURES) features[f.key] = { dtype: f.dtype, shape: [1], names: null };
  return {
    codebase_version: 'v3.0',
    robot_type: layout.robotType,
    total_episodes: totals.episodes,
    total_frames: totals.frames,
    total_tasks: totals.tasks,
    chunks_size: layout.chunksSize,
    data_files_size_in_mb: layout.dataFilesSizeInMb,
    video_files_size_in_mb: layout.videoFilesSizeInMb,
    fps: layout.fps,
    splits: { train: `0:${totals.episodes}` },
    data_path: V3_DATA_PATH,
    video_path: layout.videos.length > 0 ? V3_VIDEO_PATH : null,
    features,
  };
}

/**
 * The `huggingface` key of a data file's Parquet metadata: the HF `datasets.Features` of every
 * non-video feature (LeRobot's `get_hf_features_from_features`, serialised by datasets >= 4), so
 * vectors read back as fixed-length lists of their declared size.
 */
export function huggingfaceMetadata(layout: V3Layout): string {
  const features: Record<string, unknown> = {};
  for (const v of layout.vectors) features[v.key] = { feature: { dtype: 'float32', _type: 'Value' }, length: v.dim, _type: 'List' };
  for (const f of INDEX_FEATURES) features[f.key] = { dtype: f.dtype, _type: 'Value' };
  return JSON.stringify({ info: { features } });
}

/** The columns of one meta/episodes file. */
export function episodeColumns(layout: V3Layout, eps: readonly EpisodeRecord[]): ParquetColumn[] {
  const int = (name: string, f: (e: EpisodeRecord) => number): ParquetColumn => ({ name, type: 'INT64', data: eps.map(f) });
  const columns: ParquetColumn[] = [
    int('episode_index', (e) => e.index),
    { name: 'tasks', type: 'STRING_LIST', data: eps.map((e) => [...e.tasks]) },
    int('length', (e) => e.length),
    int('data/chunk_index', (e) => e.data.chunk),
    int('data/file_index', (e) => e.data.file),
    int('dataset_from_index', (e) => e.from),
    int('dataset_to_index', (e) => e.from + e.length),
  ];
  for (const { key } of layout.videos) {
    columns.push(
      int(`videos/${key}/chunk_index`, (e) => e.videos[key]!.chunk),
      int(`videos/${key}/file_index`, (e) => e.videos[key]!.file),
      { name: `videos/${key}/from_timestamp`, type: 'DOUBLE', data: eps.map((e) => e.videos[key]!.fromTimestamp) },
      { name: `videos/${key}/to_timestamp`, type: 'DOUBLE', data: eps.map((e) => e.videos[key]!.toTimestamp) },
    );
  }
  const images = new Set(layout.videos.map((v) => v.key));
  for (const key of statFeatureKeys(layout)) {
    for (const stat of LEROBOT_STAT_NAMES) {
      const name = `stats/${key}/${stat}`;
      const cells = eps.map((e) => statValue(e.stats[key]!, stat, images.has(key) && stat !== 'count'));
      if (stat === 'count') columns.push({ name, type: 'INT64_LIST', data: cells as number[][] });
      else if (images.has(key)) columns.push({ name, type: 'DOUBLE_LIST3', data: cells as number[][][][] });
      else columns.push({ name, type: 'DOUBLE_LIST', data: cells as number[][] });
    }
  }
  columns.push(int('meta/episodes/chunk_index', (e) => e.meta.chunk), int('meta/episodes/file_index', (e) => e.meta.file));
  return columns;
}

/** meta/stats.json: every feature's statistics aggregated over the episodes (LeRobot's `aggregate_stats`). */
export function statsJson(layout: V3Layout, eps: readonly EpisodeRecord[]): Record<string, unknown> {
  const images = new Set(layout.videos.map((v) => v.key));
  const out: Record<string, unknown> = {};
  if (eps.length === 0) return out;
  for (const key of statFeatureKeys(layout)) out[key] = statsJsonEntry(aggregateStats(eps.map((e) => e.stats[key]!)), images.has(key));
  return out;
}

/**
 * meta/tasks.parquet as `pandas.DataFrame({"task_index": ...}, index=pd.Index(tasks, name="task")).to_parquet()`
 * writes it: an int64 `task_index` column, then the index as a string column named `task`, with the
 * pandas metadata that makes `pd.read_parquet` restore `task` as the index.
 */
export async function writeTasksParquet(root: string, tasks: readonly string[]): Promise<void> {
  const pandas = {
    index_columns: ['task'],
    column_indexes: [{ name: null, field_name: null, pandas_type: 'unicode', numpy_type: 'object', metadata: { encoding: 'UTF-8' } }],
    columns: [
      { name: 'task_index', field_name: 'task_index', pandas_type: 'int64', numpy_type: 'int64', metadata: null },
      { name: 'task', field_name: 'task', pandas_type: 'unicode', numpy_type: 'object', metadata: null },
    ],
    creator: { library: 'pyarrow', version: '14.0.2' },
    pandas_version: '2.1.4',
  };
  await writeParquetFile(
    join(root, 'meta/tasks.parquet'),
    [
      { name: 'task_index', type: 'INT64', data: tasks.map((_, i) => i) },
      { name: 'task', type: 'STRING', data: [...tasks] },
    ],
    [{ key: 'pandas', value: JSON.stringify(pandas) }],
  );
}

export async function writeStatsAndInfo(root: string, layout: V3Layout, eps: readonly EpisodeRecord[], tasks: number): Promise<void> {
  await writeFileAtomic(join(root, 'meta/stats.json'), JSON.stringify(statsJson(layout, eps), null, 4));
  const frames = eps.reduce((a, e) => a + e.length, 0);
  await writeFileAtomic(join(root, 'meta/info.json'), JSON.stringify(infoJson(layout, { episodes: eps.length, frames, tasks }), null, 4));
}
