import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetFormatError } from './dataset-error.js';
import { cameraName, LeRobotDataset } from './lerobot-dataset.js';
import type { LeRobotEpisode } from './lerobot-episode.js';
import { frameHistogram, imageStatsFromHistograms, sampleFrameIndices, statsFromEpisodeRow, vectorStats } from './lerobot-stats.js';
import { laterFile, nextFile, statFeatureKeys, type EpisodeRecord, type FilePointer, type V3Layout } from './lerobot-v3-meta.js';
import { readParquetRows, type ParquetRow } from './parquet-table.js';
import type { FullFeatureStats } from './streaming-stats.js';

/** What a writer needs to continue a v3.0 dataset on disk. */
export interface ResumeState {
  readonly episodes: EpisodeRecord[];
  readonly tasks: string[];
  /** New episodes go to new data, video and episode-metadata files, as LeRobot does when it resumes. */
  readonly nextMetaFile: FilePointer;
  readonly lastDataFile: FilePointer | undefined;
  readonly lastVideoFiles: Map<string, FilePointer>;
}

/** Read a v3.0 dataset back for appending; its layout must be the writer's. */
export async function resumeV3(root: string, layout: V3Layout): Promise<ResumeState> {
  const infoFile = join(root, 'meta/info.json');
  const ds = await LeRobotDataset.open(root);
  try {
    if (ds.version !== 'v3.0') throw new DatasetFormatError(infoFile, 'codebase_version', `is ${ds.version}; can only append to v3.0`);
    if (ds.fps !== layout.fps) throw new DatasetFormatError(infoFile, 'fps', `is ${ds.fps}, the writer's is ${layout.fps}`);
    for (const v of layout.vectors) {
      const f = ds.info.features[v.key];
      if (!f || f.shape.length !== 1 || f.shape[0] !== v.dim) throw new DatasetFormatError(infoFile, `features.${v.key}`, `expected float32 [${v.dim}] (the writer's layout), got ${f ? `[${f.shape.join(', ')}]` : 'nothing'}`);
    }
    const have = Object.keys(ds.info.features).filter((k) => ds.info.features[k]!.dtype === 'video').sort().join(', ');
    const want = layout.videos.map((v) => v.key).sort().join(', ');
    if (have !== want) throw new DatasetFormatError(infoFile, 'features', `video features ${have || '(none)'} differ from the writer's ${want || '(none)'}`);

    const epDir = join(root, 'meta/episodes');
    const files = (await readdir(epDir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
    const rows: ParquetRow[] = [];
    for (const f of files) rows.push(...(await readParquetRows(join(epDir, f))));
    rows.sort((a, b) => Number(a['episode_index']) - Number(b['episode_index']));
    const state: ResumeState = { episodes: [], tasks: [...ds.tasks], nextMetaFile: { chunk: 0, file: 0 }, lastDataFile: undefined, lastVideoFiles: new Map() };
    let lastMeta: FilePointer | undefined;
    for (const row of rows) {
      const int = (col: string) => Number(row[col]);
      const index = int('episode_index');
      const ep = ds.episodes.find((e) => e.index === index)!;
      const meta = { chunk: int('meta/episodes/chunk_index'), file: int('meta/episodes/file_index') };
      const data = { chunk: int('data/chunk_index'), file: int('data/file_index') };
      lastMeta = laterFile(lastMeta, meta);
      const stats: Record<string, FullFeatureStats> = {};
      for (const key of statFeatureKeys(layout)) stats[key] = statsFromEpisodeRow(row, key) ?? (await recompute(ds, ep, key, int('dataset_from_index'), layout));
      const videos: EpisodeRecord['videos'] = Object.fromEntries(
        layout.videos.map((v) => {
          const p = { chunk: int(`videos/${v.key}/chunk_index`), file: int(`videos/${v.key}/file_index`) };
          state.lastVideoFiles.set(v.key, laterFile(state.lastVideoFiles.get(v.key), p));
          return [v.key, { ...p, fromTimestamp: Number(row[`videos/${v.key}/from_timestamp`]), toTimestamp: Number(row[`videos/${v.key}/to_timestamp`]) }];
        }),
      );
      (state as { lastDataFile: FilePointer | undefined }).lastDataFile = laterFile(state.lastDataFile, data);
      state.episodes.push({ index, tasks: [...ep.tasks], length: ep.length, from: int('dataset_from_index'), data, videos, meta, stats });
    }
    return { ...state, nextMetaFile: nextFile(lastMeta, layout.chunksSize) };
  } finally {
    await ds.close();
  }
}

/** An episode's statistics of `key` from its data, for datasets whose meta/episodes lack them. */
async function recompute(ds: LeRobotDataset, ep: LeRobotEpisode, key: string, from: number, layout: V3Layout): Promise<FullFeatureStats> {
  const T = ep.length;
  const range = Array.from({ length: T }, (_, t) => t);
  if (layout.videos.some((v) => v.key === key)) {
    const sampled = sampleFrameIndices(T);
    const hists: Uint32Array[] = [];
    for (const t of sampled) hists.push(frameHistogram(await ep.readImage(cameraName(key), t)));
    return imageStatsFromHistograms(hists, sampled.length);
  }
  switch (key) {
    case 'observation.state':
      return vectorStats(ep.qpos, ep.stateDim);
    case 'action':
      return vectorStats(ep.action, ep.actionDim);
    case 'timestamp':
      return vectorStats(ep.timestamps, 1);
    case 'frame_index':
      return vectorStats(range, 1);
    case 'episode_index':
      return vectorStats(range.map(() => ep.index), 1);
    case 'index':
      return vectorStats(range.map((t) => from + t), 1);
    case 'task_index':
      return vectorStats(range.map(() => Math.max(0, ds.tasks.indexOf(ep.tasks[0] ?? ''))), 1);
    default:
      throw new DatasetFormatError(join(ds.root, 'meta/episodes'), `stats/${key}`, `missing for episode ${ep.index}; cannot append without it`);
  }
}
