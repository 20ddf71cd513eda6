import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ImageFrame } from '@actfusion/contracts';
import { writeFileAtomic } from './atomic-file.js';
import type { EpisodeData } from './episode.js';
import { cameraName, LeRobotDataset } from './lerobot-dataset.js';
import { formatPathTemplate, V3_DATA_PATH, V3_EPISODES_PATH, V3_VIDEO_PATH } from './lerobot-paths.js';
import { writeParquetFile, type ParquetColumn } from './parquet-table.js';
import { StreamingStats, type FullFeatureStats } from './streaming-stats.js';
import { VideoEncoder, type VideoCodec } from './video-codec.js';
import { addImageStats, IMAGE_STATS_FRAME_STRIDE, LeRobotEpisodeWriter } from './lerobot-episode-writer.js';

export interface LeRobotV3WriterOptions {
  readonly fps: number;
  readonly robotType?: string;
  readonly stateDim: number;
  readonly actionDim: number;
  readonly stateNames?: readonly string[];
  readonly actionNames?: readonly string[];
  /** Camera name (`top`) -> [height, width]; stored as `observation.images.<name>` videos. */
  readonly cameras: Readonly<Record<string, readonly [number, number]>>;
  /** Default `h264` (libx264); `av1` uses libsvtav1 like LeRobot's default. */
  readonly codec?: VideoCodec;
}


interface EpisodeRow {
  episode_index: number;
  tasks: string[];
  length: number;
  from: number;
  /** Per-episode statistics of observation.state and action (the `stats/<feature>/<stat>` columns). */
  stats: Record<string, FullFeatureStats>;
}

function episodeStats(qpos: ArrayLike<number>, action: ArrayLike<number>, S: number, A: number): Record<string, FullFeatureStats> {
  const s = new StreamingStats(S);
  const a = new StreamingStats(A);
  s.addRows(qpos);
  a.addRows(action);
  return { 'observation.state': s.result(), action: a.result() };
}

const EPISODE_STAT_NAMES = ['min', 'max', 'mean', 'std', 'q01', 'q10', 'q50', 'q90', 'q99'] as const;

const CHUNKS_SIZE = 1000;

/**
 * Writes a LeRobotDataset v3.0 (meta/info.json, meta/stats.json, meta/tasks.parquet,
 * meta/episodes/chunk-000/file-000.parquet, data/chunk-XXX/file-YYY.parquet, videos/<key>/chunk-XXX/file-YYY.mp4).
 * Each episode goes to its own data and video files (file_index = episode_index), written through
 * temporary files; the metadata is rewritten atomically after the episode's files are in place,
 * info.json last, so a crash mid-episode leaves every earlier episode readable.
 */
export class LeRobotV3Writer {
  private readonly episodes: EpisodeRow[] = [];
  private readonly tasks: string[] = [];
  private readonly stateStats: StreamingStats;
  private readonly actionStats: StreamingStats;
  private readonly imageStats = new Map<string, StreamingStats>();
  private active = false;

  private constructor(
    readonly root: string,
    readonly options: LeRobotV3WriterOptions,
  ) {
    this.stateStats = new StreamingStats(options.stateDim);
    this.actionStats = new StreamingStats(options.actionDim);
    for (const cam of Object.keys(options.cameras)) this.imageStats.set(cam, new StreamingStats(3, 256));
  }

  get codec(): VideoCodec {
    return this.options.codec ?? 'h264';
  }

  get episodeCount(): number {
    return this.episodes.length;
  }

  get frameCount(): number {
    return this.episodes.reduce((a, e) => a + e.length, 0);
  }

  /** Start a new dataset at `root`, or continue one written before (its layout must match). */
  static async open(root: string, options: LeRobotV3WriterOptions): Promise<LeRobotV3Writer> {
    const writer = new LeRobotV3Writer(resolve(root), options);
    if (existsSync(join(writer.root, 'meta/info.json'))) await writer.resume();
    return writer;
  }

  private async resume(): Promise<void> {
    const ds = await LeRobotDataset.open(this.root);
    try {
      const infoFile = join(this.root, 'meta/info.json');
      if (ds.version !== 'v3.0') throw new Error(`${infoFile}: codebase_version ${ds.version}; can only append to v3.0`);
      if (ds.fps !== this.options.fps || ds.stateDim !== this.options.stateDim || ds.actionDim !== this.options.actionDim) {
        throw new Error(`${infoFile}: fps/state/action ${ds.fps}/${ds.stateDim}/${ds.actionDim} differ from the writer's ${this.options.fps}/${this.options.stateDim}/${this.options.actionDim}`);
      }
      const want = Object.keys(this.options.cameras).sort().join(',');
      if (Object.keys(ds.cameras).sort().join(',') !== want) throw new Error(`${infoFile}: cameras ${Object.keys(ds.cameras).join(',')} differ from the writer's ${want}`);
      this.tasks.push(...ds.tasks);
      let from = 0;
      for (const ep of ds.episodes) {
        const stats = episodeStats(ep.qpos, ep.action, ep.stateDim, ep.actionDim);
        this.episodes.push({ episode_index: ep.index, tasks: [...ep.tasks], length: ep.length, from, stats });
        from += ep.length;
        this.stateStats.addRows(ep.qpos, ep.length);
        this.actionStats.addRows(ep.action, ep.length);
        for (const cam of ep.cameras) {
          for (let t = 0; t < ep.length; t += IMAGE_STATS_FRAME_STRIDE) addImageStats(this.imageStats.get(cam)!, await ep.readImage(cam, t));
        }
      }
    } finally {
      await ds.close();
    }
  }

  /** Begin recording an episode with its task (instruction) text. One episode at a time. */
  beginEpisode(task: string): LeRobotEpisodeWriter {
    if (this.active) throw new Error(`${this.root}: an episode is already being written`);
    this.active = true;
    const index = this.episodes.length;
    const file = { chunk_index: Math.floor(index / CHUNKS_SIZE), file_index: index };
    const encoders = new Map<string, VideoEncoder>();
    for (const [cam, [h, w]] of Object.entries(this.options.cameras)) {
      const rel = formatPathTemplate('info.json', 'video_path', V3_VIDEO_PATH, { ...file, video_key: `observation.images.${cam}` });
      encoders.set(cam, new VideoEncoder(join(this.root, rel), h, w, this.options.fps, this.codec));
    }
    return new LeRobotEpisodeWriter(this, index, task, encoders, () => (this.active = false));
  }

  /** Write a whole in-memory episode. Returns its index. */
  async writeEpisode(episode: EpisodeData, task: string): Promise<number> {
    const w = this.beginEpisode(task);
    try {
      for (let t = 0; t < episode.length; t++) {
        const images: Record<string, ImageFrame> = {};
        for (const [cam, frames] of Object.entries(episode.images)) images[cam] = frames[t]!;
        await w.append({
          qpos: episode.qpos.subarray(t * episode.stateDim, (t + 1) * episode.stateDim),
          action: episode.action.subarray(t * episode.actionDim, (t + 1) * episode.actionDim),
          images,
        });
      }
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w.finish();
  }

  /** @internal Called by LeRobotEpisodeWriter.finish once the videos are in place. */
  async commitEpisode(index: number, task: string, qpos: number[][], action: number[][], frameStats: Map<string, StreamingStats>): Promise<void> {
    const length = qpos.length;
    let taskIndex = this.tasks.indexOf(task);
    if (taskIndex < 0) {
      this.tasks.push(task);
      taskIndex = this.tasks.length - 1;
    }
    const from = this.frameCount;
    const fps = this.options.fps;
    const dataRel = formatPathTemplate('info.json', 'data_path', V3_DATA_PATH, { chunk_index: Math.floor(index / CHUNKS_SIZE), file_index: index });
    const range = Array.from({ length }, (_, t) => t);
    await writeParquetFile(join(this.root, dataRel), [
      { name: 'observation.state', type: 'FLOAT_LIST', data: qpos },
      { name: 'action', type: 'FLOAT_LIST', data: action },
      { name: 'timestamp', type: 'FLOAT', data: range.map((t) => t / fps) },
      { name: 'frame_index', type: 'INT64', data: range },
      { name: 'episode_index', type: 'INT64', data: range.map(() => index) },
      { name: 'index', type: 'INT64', data: range.map((t) => from + t) },
      { name: 'task_index', type: 'INT64', data: range.map(() => taskIndex) },
    ]);
    for (const row of qpos) this.stateStats.add(row);
    for (const row of action) this.actionStats.add(row);
    for (const [cam, st] of frameStats) this.imageStats.set(cam, mergeInto(this.imageStats.get(cam)!, st));
    const stats = episodeStats(qpos.flat(), action.flat(), this.options.stateDim, this.options.actionDim);
    this.episodes.push({ episode_index: index, tasks: [task], length, from, stats });
    await this.writeMeta();
  }

  private async writeMeta(): Promise<void> {
    const eps = this.episodes;
    const cams = Object.keys(this.options.cameras);
    const fps = this.options.fps;
    const columns: ParquetColumn[] = [
      { name: 'episode_index', type: 'INT64', data: eps.map((e) => e.episode_index) },
      { name: 'tasks', type: 'STRING_LIST', data: eps.map((e) => e.tasks) },
      { name: 'length', type: 'INT64', data: eps.map((e) => e.length) },
      { name: 'data/chunk_index', type: 'INT64', data: eps.map((e) => Math.floor(e.episode_index / CHUNKS_SIZE)) },
      { name: 'data/file_index', type: 'INT64', data: eps.map((e) => e.episode_index) },
      { name: 'dataset_from_index', type: 'INT64', data: eps.map((e) => e.from) },
      { name: 'dataset_to_index', type: 'INT64', data: eps.map((e) => e.from + e.length) },
    ];
    for (const cam of cams) {
      const key = `videos/observation.images.${cam}`;
      columns.push(
        { name: `${key}/chunk_index`, type: 'INT64', data: eps.map((e) => Math.floor(e.episode_index / CHUNKS_SIZE)) },
        { name: `${key}/file_index`, type: 'INT64', data: eps.map((e) => e.episode_index) },
        { name: `${key}/from_timestamp`, type: 'DOUBLE', data: eps.map(() => 0) },
        { name: `${key}/to_timestamp`, type: 'DOUBLE', data: eps.map((e) => e.length / fps) },
      );
    }
    columns.push(
      { name: 'meta/episodes/chunk_index', type: 'INT64', data: eps.map(() => 0) },
      { name: 'meta/episodes/file_index', type: 'INT64', data: eps.map(() => 0) },
    );
    for (const feature of ['observation.state', 'action']) {
      for (const stat of EPISODE_STAT_NAMES) {
        columns.push({ name: `stats/${feature}/${stat}`, type: 'DOUBLE_LIST', data: eps.map((e) => Array.from(e.stats[feature]![stat])) });
      }
      columns.push({ name: `stats/${feature}/count`, type: 'INT64_LIST', data: eps.map((e) => [e.stats[feature]!.count]) });
    }

    await writeParquetFile(join(this.root, formatPathTemplate('info.json', 'episodes', V3_EPISODES_PATH, { chunk_index: 0, file_index: 0 })), columns);
    await writeParquetFile(
      join(this.root, 'meta/tasks.parquet'),
      [
        { name: 'task_index', type: 'INT64', data: this.tasks.map((_, i) => i) },
        { name: '__index_level_0__', type: 'STRING', data: this.tasks },
      ],
      [{ key: 'pandas', value: JSON.stringify(PANDAS_TASKS_METADATA) }],
    );
    const stats: Record<string, unknown> = {
      'observation.state': statsJson(this.stateStats.result()),
      action: statsJson(this.actionStats.result()),
    };
    for (const [cam, st] of this.imageStats) if (st.count > 0) stats[`observation.images.${cam}`] = statsJson(st.result(), true);
    await writeFileAtomic(join(this.root, 'meta/stats.json'), JSON.stringify(stats, null, 2));
    await writeFileAtomic(join(this.root, 'meta/info.json'), JSON.stringify(this.info(), null, 4));
  }

  /** meta/info.json as LeRobot's DatasetInfo (v3.0) writes it. */
  info(): Record<string, unknown> {
    const { fps, stateDim, actionDim } = this.options;
    const names = (given: readonly string[] | undefined, n: number, prefix: string) => given ? [...given] : Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
    const features: Record<string, unknown> = {
      'observation.state': { dtype: 'float32', shape: [stateDim], names: names(this.options.stateNames, stateDim, 'joint') },
      action: { dtype: 'float32', shape: [actionDim], names: names(this.options.actionNames, actionDim, 'joint') },
    };
    for (const [cam, [h, w]] of Object.entries(this.options.cameras)) {
      features[`observation.images.${cam}`] = {
        dtype: 'video',
        shape: [h, w, 3],
        names: ['height', 'width', 'channels'],
        info: {
          'video.height': h,
          'video.width': w,
          'video.codec': this.codec,
          'video.pix_fmt': 'yuv420p',
          'video.is_depth_map': false,
          'video.fps': fps,
          'video.channels': 3,
          has_audio: false,
        },
      };
    }
    for (const key of ['timestamp']) features[key] = { dtype: 'float32', shape: [1], names: null };
    for (const key of ['frame_index', 'episode_index', 'index', 'task_index']) features[key] = { dtype: 'int64', shape: [1], names: null };
    return {
      codebase_version: 'v3.0',
      robot_type: this.options.robotType ?? null,
      total_episodes: this.episodes.length,
      total_frames: this.frameCount,
      total_tasks: this.tasks.length,
      chunks_size: CHUNKS_SIZE,
      data_files_size_in_mb: 100,
      video_files_size_in_mb: 200,
      fps,
      splits: { train: `0:${this.episodes.length}` },
      data_path: V3_DATA_PATH,
      video_path: Object.keys(this.options.cameras).length > 0 ? V3_VIDEO_PATH : null,
      features,
    };
  }
}

/** Fold the statistics of one episode into the running total. */
function mergeInto(total: StreamingStats, episode: StreamingStats): StreamingStats {
  return total.count === 0 ? episode : total.mergeFrom(episode);
}

function statsJson(s: FullFeatureStats, image = false): Record<string, unknown> {
  const v = (a: Float32Array) => (image ? Array.from(a, (x) => [[x]]) : Array.from(a));
  return { min: v(s.min), max: v(s.max), mean: v(s.mean), std: v(s.std), count: [s.count], q01: v(s.q01), q10: v(s.q10), q50: v(s.q50), q90: v(s.q90), q99: v(s.q99) };
}

const PANDAS_TASKS_METADATA = {
  index_columns: ['__index_level_0__'],
  column_indexes: [{ name: null, field_name: null, pandas_type: 'unicode', numpy_type: 'object', metadata: { encoding: 'UTF-8' } }],
  columns: [
    { name: 'task_index', field_name: 'task_index', pandas_type: 'int64', numpy_type: 'int64', metadata: null },
    { name: null, field_name: '__index_level_0__', pandas_type: 'unicode', numpy_type: 'object', metadata: null },
  ],
  creator: { library: 'pyarrow', version: '14.0.2' },
  pandas_version: '2.1.4',
};

