import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { IMAGES_PREFIX, imageKey, keySuffix, OBSERVATION_STATE, OBSERVATION_VELOCITY, TACTILE_PREFIX, TASK, TAXELS_PREFIX, type FeatureSpec, type FeatureStats, type ImageFrame } from '@actfusion/contracts';
import { DatasetFormatError } from './dataset-error.js';
import type { Episode, EpisodeCollection } from './episode.js';
import { FrameCache } from './frame-cache.js';
import { imageShape, parseFeatureStats, readJson, readJsonLines, readLeRobotInfo, type LeRobotInfo } from './lerobot-info.js';
import { cameraName, formatPathTemplate, insideDataset } from './lerobot-paths.js';

export { cameraName };
import { LeRobotEpisode, type VideoRef } from './lerobot-episode.js';
import { episodeArrays } from './lerobot-episode-rows.js';
import { readParquetRows, type ParquetRow } from './parquet-table.js';
import { taxelGrid } from './taxel-names.js';
import { decodeVideoFrames } from './video-codec.js';

export interface LeRobotDatasetOptions {
  readonly stateKey?: string;
  readonly actionKey?: string;
  /** Video feature keys to use (default: every feature of dtype `video`). */
  readonly videoKeys?: readonly string[];
  /** Byte budget of the decoded-frame cache (default 128 MiB). */
  readonly videoCacheBytes?: number;
  /** Frames decoded per ffmpeg call, starting at the requested one (default 1: best for random sampling; use 16-64 to read episodes in order). */
  readonly decodeWindow?: number;
  /** At most this many ffmpeg decoders run at once (default 2), which bounds their memory too. */
  readonly maxConcurrentDecodes?: number;
}


/** A LeRobotDataset (v2.0, v2.1 or v3.0) on disk: meta/, data/ Parquet and videos/ MP4. */
export class LeRobotDataset implements EpisodeCollection {
  readonly cache: FrameCache;
  /** v2.1 meta/episodes_stats.jsonl: episode index -> {feature: {min, max, mean, std, count}}. */
  episodeStats: ReadonlyMap<number, Record<string, unknown>> = new Map();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  episodes: readonly LeRobotEpisode[] = [];
  tasks: readonly string[] = [];
  /** meta/stats.json as stored, when present. */
  statsJson: Record<string, unknown> | undefined;
  readonly cameras: Record<string, readonly [number, number]> = {};
  stateDim = 0;
  actionDim = 0;
  /**
   * Every per-frame feature, by key: `observation.state` (as `stateKey` names it in the files), the
   * cameras (`image`), tactile videos (`observation.tactile.*`), further float vectors
   * (`observation.velocity`, `observation.taxels.*` with their grid, ...), `task` when every episode has one.
   */
  features: readonly FeatureSpec[] = [];
  private vectorKeys: string[] = [];
  private readonly videoShapes = new Map<string, readonly [number, number]>();

  private constructor(
    readonly root: string,
    readonly info: LeRobotInfo,
    private readonly options: LeRobotDatasetOptions,
  ) {
    this.cache = new FrameCache(options.videoCacheBytes ?? 128 * 1024 * 1024);
  }

  get fps(): number {
    return this.info.fps;
  }

  get version(): string {
    return this.info.codebase_version;
  }

  static async open(root: string, options: LeRobotDatasetOptions = {}): Promise<LeRobotDataset> {
    const dir = resolve(root);
    const infoFile = join(dir, 'meta/info.json');
    const ds = new LeRobotDataset(dir, await readLeRobotInfo(infoFile), options);
    await ds.load();
    return ds;
  }

  private get stateKey(): string {
    return this.options.stateKey ?? 'observation.state';
  }

  private get actionKey(): string {
    return this.options.actionKey ?? 'action';
  }

  private async load(): Promise<void> {
    const infoFile = join(this.root, 'meta/info.json');
    const { features } = this.info;
    for (const key of [this.stateKey, this.actionKey]) {
      const f = features[key];
      if (!f) throw new DatasetFormatError(infoFile, `features.${key}`, 'missing');
      if (f.shape.length !== 1) throw new DatasetFormatError(infoFile, `features.${key}.shape`, `expected [dim], got [${f.shape.join(', ')}]`);
    }
    this.stateDim = features[this.stateKey]!.shape[0]!;
    this.actionDim = features[this.actionKey]!.shape[0]!;
    const videoKeys = this.options.videoKeys ?? Object.keys(features).filter((k) => features[k]!.dtype === 'video');
    const stateNames = Array.isArray(features[this.stateKey]!.names) ? (features[this.stateKey]!.names as unknown[]).map(String) : undefined;
    const cameraSpecs: FeatureSpec[] = [];
    const specs: FeatureSpec[] = [];
    for (const key of videoKeys) {
      const f = features[key];
      if (!f || f.dtype !== 'video') throw new DatasetFormatError(infoFile, `features.${key}`, `expected a feature of dtype "video"`);
      const [h, w] = imageShape(infoFile, key, f);
      this.videoShapes.set(key, [h, w]);
      if (keySuffix(key, TACTILE_PREFIX) !== undefined) specs.push({ key, kind: 'tactile-image', shape: [h, w, 3] });
      else {
        this.cameras[cameraName(key)] = [h, w];
        cameraSpecs.push({ key: key.startsWith(IMAGES_PREFIX) ? key : imageKey(key), kind: 'image', shape: [h, w, 3] });
      }
    }
    const INDEX = new Set(['timestamp', 'frame_index', 'episode_index', 'index', 'task_index']);
    for (const [key, f] of Object.entries(features)) {
      if (key === this.stateKey || key === this.actionKey || INDEX.has(key) || !/^float(16|32|64)$/.test(f.dtype) || f.shape.length !== 1) continue;
      const n = f.shape[0]!;
      this.vectorKeys.push(key);
      const names = Array.isArray(f.names) ? (f.names as unknown[]).map(String) : undefined;
      if (keySuffix(key, TAXELS_PREFIX) !== undefined) specs.push({ key, kind: 'taxels', shape: taxelGrid(f.names, n) });
      else specs.push({ key, kind: key === OBSERVATION_VELOCITY ? 'velocity' : 'vector', shape: [n], ...(names ? { names } : {}) });
    }
    this.features = [
      { key: OBSERVATION_STATE, kind: 'state', shape: [this.stateDim], ...(stateNames?.length === this.stateDim ? { names: stateNames } : {}) },
      ...cameraSpecs,
      ...specs,
    ];
    if (videoKeys.length > 0 && typeof this.info.video_path !== 'string') {
      throw new DatasetFormatError(infoFile, 'video_path', 'is null but the dataset has video features');
    }
    const statsFile = join(this.root, 'meta/stats.json');
    const stats = await readJson(statsFile).catch((err: unknown) => {
      if (err instanceof DatasetFormatError && err.field === '(file)') return undefined;
      throw err;
    });
    if (stats && typeof stats === 'object') this.statsJson = stats as Record<string, unknown>;
    if (this.info.codebase_version === 'v3.0') await this.loadV3(videoKeys);
    else await this.loadV2(videoKeys);
    if (this.episodes.length !== this.info.total_episodes) {
      throw new DatasetFormatError(infoFile, 'total_episodes', `says ${this.info.total_episodes} but the episode metadata lists ${this.episodes.length}`);
    }
    if (this.episodes.length > 0 && this.episodes.every((e) => (e.tasks[0] ?? '') !== '')) this.features = [...this.features, { key: TASK, kind: 'text', shape: [] }];
  }

  private async loadV2(videoKeys: readonly string[]): Promise<void> {
    const meta = join(this.root, 'meta');
    const tasksFile = join(meta, 'tasks.jsonl');
    const taskRows = await readJsonLines(tasksFile);
    const tasks: string[] = [];
    taskRows.forEach((r, line) => {
      if (typeof r['task_index'] !== 'number' || typeof r['task'] !== 'string') throw new DatasetFormatError(tasksFile, `line ${line + 1}`, 'expected {"task_index": int, "task": str}');
      tasks[r['task_index']] = r['task'];
    });
    this.tasks = tasks;
    const epFile = join(meta, 'episodes.jsonl');
    const rows = await readJsonLines(epFile);
    const infoFile = join(meta, 'info.json');
    const episodes: LeRobotEpisode[] = [];
    for (const [line, r] of rows.entries()) {
      const index = r['episode_index'];
      const length = r['length'];
      if (typeof index !== 'number' || typeof length !== 'number') throw new DatasetFormatError(epFile, `line ${line + 1}`, 'expected {"episode_index": int, "length": int, "tasks": [str]}');
      const chunk = Math.floor(index / this.info.chunks_size);
      const dataRel = formatPathTemplate(infoFile, 'data_path', this.info.data_path, { episode_chunk: chunk, episode_index: index });
      const dataFile = insideDataset(this.root, dataRel, infoFile, 'data_path');
      const frames = (await readParquetRows(dataFile, [this.stateKey, this.actionKey, 'frame_index', ...this.vectorKeys], ['timestamp', 'task_index', 'episode_index'])).filter((row) => row['episode_index'] === undefined || Number(row['episode_index']) === index);
      const videos = new Map<string, VideoRef>();
      for (const key of videoKeys) {
        const rel = formatPathTemplate(infoFile, 'video_path', this.info.video_path!, { episode_chunk: chunk, episode_index: index, video_key: key });
        const [height, width] = this.videoShapes.get(key)!;
        videos.set(cameraName(key), { key, file: insideDataset(this.root, rel, infoFile, 'video_path'), fromTimestamp: 0, height, width });
      }
      const epTasks = Array.isArray(r['tasks']) ? (r['tasks'] as unknown[]).map(String) : [];
      episodes.push(this.makeEpisode(dataFile, index, length, frames, epTasks, videos));
    }
    this.episodes = episodes.sort((a, b) => a.index - b.index);
    if (this.info.codebase_version === 'v2.1') {
      const statsFile = join(meta, 'episodes_stats.jsonl');
      const lines = await readJsonLines(statsFile).catch((err: unknown) => {
        if (err instanceof DatasetFormatError && err.field === '(file)') return [];
        throw err;
      });
      const map = new Map<number, Record<string, unknown>>();
      lines.forEach((r, i) => {
        if (typeof r['episode_index'] !== 'number' || typeof r['stats'] !== 'object') throw new DatasetFormatError(statsFile, `line ${i + 1}`, 'expected {"episode_index": int, "stats": {...}}');
        map.set(r['episode_index'], r['stats'] as Record<string, unknown>);
      });
      this.episodeStats = map;
    }
  }

  private async loadV3(videoKeys: readonly string[]): Promise<void> {
    const meta = join(this.root, 'meta');
    const infoFile = join(meta, 'info.json');
    const tasksFile = join(meta, 'tasks.parquet');
    const tasks: string[] = [];
    for (const r of await readParquetRows(tasksFile)) {
      const name = r['task'] ?? r['__index_level_0__'];
      if (typeof name !== 'string' || r['task_index'] === undefined) throw new DatasetFormatError(tasksFile, 'task_index', 'expected columns task_index and task (or the pandas index __index_level_0__)');
      tasks[Number(r['task_index'])] = name;
    }
    this.tasks = tasks;
    const epDir = join(meta, 'episodes');
    const epFiles = (await readdir(epDir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
    if (epFiles.length === 0) throw new DatasetFormatError(epDir, 'chunk-*/file-*.parquet', 'no episode metadata files');
    const epRows: { file: string; row: ParquetRow }[] = [];
    for (const f of epFiles) for (const row of await readParquetRows(join(epDir, f))) epRows.push({ file: join(epDir, f), row });
    epRows.sort((a, b) => Number(a.row['episode_index']) - Number(b.row['episode_index']));
    const dataCache = new Map<string, ParquetRow[]>();
    const episodes: LeRobotEpisode[] = [];
    for (const { file, row } of epRows) {
      const int = (col: string): number => {
        const v = row[col];
        if (typeof v !== 'number' && typeof v !== 'bigint') throw new DatasetFormatError(file, `column ${col}`, `expected an integer for episode ${String(row['episode_index'])}, got ${String(v)}`);
        return Number(v);
      };
      const index = int('episode_index');
      const length = int('length');
      const dataRel = formatPathTemplate(infoFile, 'data_path', this.info.data_path, { chunk_index: int('data/chunk_index'), file_index: int('data/file_index') });
      const dataFile = insideDataset(this.root, dataRel, infoFile, 'data_path');
      let rows = dataCache.get(dataFile);
      if (!rows) {
        rows = await readParquetRows(dataFile, [this.stateKey, this.actionKey, 'episode_index', 'frame_index', ...this.vectorKeys], ['timestamp', 'task_index']);
        dataCache.set(dataFile, rows);
      }
      const frames = rows.filter((r) => Number(r['episode_index']) === index);
      const videos = new Map<string, VideoRef>();
      for (const key of videoKeys) {
        const rel = formatPathTemplate(infoFile, 'video_path', this.info.video_path!, {
          video_key: key,
          chunk_index: int(`videos/${key}/chunk_index`),
          file_index: int(`videos/${key}/file_index`),
        });
        const from = Number(row[`videos/${key}/from_timestamp`]);
        if (!Number.isFinite(from)) throw new DatasetFormatError(file, `column videos/${key}/from_timestamp`, `expected a number for episode ${index}`);
        const [height, width] = this.videoShapes.get(key)!;
        videos.set(cameraName(key), { key, file: insideDataset(this.root, rel, infoFile, 'video_path'), fromTimestamp: from, height, width });
      }
      const epTasks = Array.isArray(row['tasks']) ? (row['tasks'] as unknown[]).map(String) : [];
      episodes.push(this.makeEpisode(dataFile, index, length, frames, epTasks, videos));
    }
    this.episodes = episodes;
  }

  private makeEpisode(dataFile: string, index: number, length: number, frames: ParquetRow[], tasks: string[], videos: Map<string, VideoRef>): LeRobotEpisode {
    const vectorDims = new Map(this.vectorKeys.map((k) => [k, this.info.features[k]!.shape[0]!]));
    const a = episodeArrays(dataFile, index, length, frames, { stateKey: this.stateKey, actionKey: this.actionKey, stateDim: this.stateDim, actionDim: this.actionDim, vectorDims, fps: this.fps, tasks: this.tasks });
    const epTasks = a.task !== undefined ? [a.task, ...tasks.filter((x) => x !== a.task)] : tasks;
    return new LeRobotEpisode(this, index, length, this.stateDim, this.actionDim, a.qpos, a.action, a.timestamps, epTasks, videos, a.vectors);
  }

  /** Frame `t` of `camera` in `episode`: cached, else decoded with the next few frames. */
  async readFrame(episode: LeRobotEpisode, camera: string, t: number): Promise<ImageFrame> {
    const ref = episode.videos.get(camera);
    if (!ref) throw new DatasetFormatError(join(this.root, 'meta/info.json'), `features.observation.images.${camera}`, `no such video camera (have ${episode.cameras.join(', ')})`);
    if (!Number.isInteger(t) || t < 0 || t >= episode.length) throw new RangeError(`episode ${episode.index}: frame ${t} outside [0, ${episode.length})`);
    const key = `${episode.index}/${camera}/${t}`;
    return this.cache.getOrLoad(key, async () => {
      const window = Math.min(this.options.decodeWindow ?? 1, episode.length - t);
      const frames = await this.limited(() => decodeVideoFrames(ref.file, `stream ${ref.key} (episode ${episode.index}, frame ${t})`, {
        startSeconds: ref.fromTimestamp + episode.timestamps[t]!,
        count: window,
        height: ref.height,
        width: ref.width,
        fps: this.fps,
      }));
      for (let i = 1; i < frames.length; i++) this.cache.set(`${episode.index}/${camera}/${t + i}`, frames[i]!);
      return frames[0]!;
    });
  }

  private async limited<T>(job: () => Promise<T>): Promise<T> {
    const max = this.options.maxConcurrentDecodes ?? 2;
    while (this.running >= max) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Normalisation statistics of state and action from meta/stats.json, when stored. */
  storedStats(): { qpos: FeatureStats; action: FeatureStats } | undefined {
    if (!this.statsJson) return undefined;
    const file = join(this.root, 'meta/stats.json');
    return { qpos: parseFeatureStats(file, this.statsJson, this.stateKey), action: parseFeatureStats(file, this.statsJson, this.actionKey) };
  }

  async close(): Promise<void> {
    this.cache.clear();
  }

  /** A path relative to the dataset root (for messages). */
  relative(file: string): string {
    return relative(this.root, file);
  }
}

