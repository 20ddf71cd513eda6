import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ImageFrame } from '@actfusion/contracts';
import { commitTemporary } from '@actfusion/atomic-file';
import type { EpisodeData } from './episode.js';
import { LeRobotEpisodeWriter, type FinishedEpisode } from './lerobot-episode-writer.js';

export type { FinishedEpisode };
import { formatPathTemplate, V3_DATA_PATH, V3_EPISODES_PATH, V3_VIDEO_PATH } from './lerobot-paths.js';
import { imageStatsFromHistograms, sampleFrameIndices, vectorStats } from './lerobot-stats.js';
import {
  episodeColumns,
  huggingfaceMetadata,
  INDEX_FEATURES,
  nextFile,
  writeStatsAndInfo,
  writeTasksParquet,
  type EpisodeRecord,
  type FilePointer,
  type V3Layout,
} from './lerobot-v3-meta.js';
import { resumeV3 } from './lerobot-v3-resume.js';
import { writeParquetFile, type ParquetColumn } from './parquet-table.js';
import type { FullFeatureStats } from './streaming-stats.js';
import { VideoEncoder, type VideoCodec } from './video-codec.js';
import { appendVideo } from './video-concat.js';

export interface LeRobotV3WriterOptions {
  readonly fps: number;
  readonly robotType?: string;
  readonly stateDim: number;
  readonly actionDim: number;
  /** The robot's joint names (features[...].names); `null` in info.json when not given. */
  readonly stateNames?: readonly string[];
  readonly actionNames?: readonly string[];
  /** Camera name (`top`) -> [height, width]; stored as `observation.images.<name>` videos. */
  readonly cameras: Readonly<Record<string, readonly [number, number]>>;
  /** Further float32 vector features by key (`observation.taxels.<sensor>`): their length and element names. */
  readonly vectors?: Readonly<Record<string, { readonly dim: number; readonly names?: readonly string[] }>>;
  /** Further video features by key (`observation.tactile.<sensor>`) -> [height, width]. */
  readonly videos?: Readonly<Record<string, readonly [number, number]>>;
  /** Default `h264` (libx264); `av1` uses libsvtav1 like LeRobot's default. */
  readonly codec?: VideoCodec;
  /** Files per chunk folder (LeRobot default 1000). */
  readonly chunksSize?: number;
  /** A data file takes episodes until it would reach this size (LeRobot default 100 MB). */
  readonly dataFilesSizeInMb?: number;
  /** A video file takes episodes until it would reach this size (LeRobot default 200 MB). */
  readonly videoFilesSizeInMb?: number;
}


interface DataFile {
  readonly pointer: FilePointer;
  readonly columns: Map<string, unknown[]>;
  mb: number;
}

interface VideoFile {
  readonly pointer: FilePointer;
  bytes: number;
  frames: number;
}

/**
 * Writes a LeRobotDataset v3.0 as LeRobot's own writer lays it out: episodes packed into data files
 * up to `data_files_size_in_mb` and per-camera video files up to `video_files_size_in_mb`
 * (`chunks_size` files per chunk folder); meta/episodes rows point into them and carry every
 * feature's per-episode statistics; meta/stats.json aggregates those. Files are replaced
 * atomically and the metadata is rewritten after an episode's files are in place, info.json last,
 * so a crash mid-episode leaves every earlier episode readable. Reopening continues in new files.
 */
export class LeRobotV3Writer {
  readonly layout: V3Layout;
  private readonly episodes: EpisodeRecord[] = [];
  private readonly tasks: string[] = [];
  private metaFile: FilePointer = { chunk: 0, file: 0 };
  private lastDataFile: FilePointer | undefined;
  private readonly lastVideoFile = new Map<string, FilePointer>();
  private dataFile: DataFile | undefined;
  private readonly videoFiles = new Map<string, VideoFile>();
  private active = false;

  private constructor(
    readonly root: string,
    readonly options: LeRobotV3WriterOptions,
  ) {
    const names = (n: readonly string[] | undefined, dim: number, key: string) => {
      if (n && n.length !== dim) throw new RangeError(`LeRobotV3Writer: ${key} has ${dim} values but ${n.length} names`);
      return n ? [...n] : null;
    };
    this.layout = {
      fps: options.fps,
      robotType: options.robotType ?? null,
      codec: options.codec ?? 'h264',
      vectors: [
        { key: 'observation.state', dim: options.stateDim, names: names(options.stateNames, options.stateDim, 'observation.state') },
        { key: 'action', dim: options.actionDim, names: names(options.actionNames, options.actionDim, 'action') },
        ...Object.entries(options.vectors ?? {}).map(([key, v]) => ({ key, dim: v.dim, names: names(v.names, v.dim, key) })),
      ],
      videos: [
        ...Object.entries(options.cameras).map(([cam, [height, width]]) => ({ key: `observation.images.${cam}`, height, width })),
        ...Object.entries(options.videos ?? {}).map(([key, [height, width]]) => ({ key, height, width })),
      ],
      chunksSize: options.chunksSize ?? 1000,
      dataFilesSizeInMb: options.dataFilesSizeInMb ?? 100,
      videoFilesSizeInMb: options.videoFilesSizeInMb ?? 200,
    };
  }

  get codec(): VideoCodec {
    return this.layout.codec;
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
    if (existsSync(join(writer.root, 'meta/info.json'))) {
      const state = await resumeV3(writer.root, writer.layout);
      writer.episodes.push(...state.episodes);
      writer.tasks.push(...state.tasks);
      writer.metaFile = state.nextMetaFile;
      writer.lastDataFile = state.lastDataFile;
      for (const [k, p] of state.lastVideoFiles) writer.lastVideoFile.set(k, p);
    }
    return writer;
  }

  /** Begin recording an episode with its task (instruction) text. One episode at a time. */
  beginEpisode(task: string): LeRobotEpisodeWriter {
    if (this.active) throw new Error(`${this.root}: an episode is already being written`);
    this.active = true;
    const index = this.episodes.length;
    const encoders = new Map<string, VideoEncoder>();
    for (const v of this.layout.videos) {
      encoders.set(v.key, new VideoEncoder(this.stagingPath(v.key, index), v.height, v.width, this.layout.fps, this.codec));
    }
    return new LeRobotEpisodeWriter(this, index, task, encoders, () => (this.active = false));
  }

  /** Write a whole in-memory episode (its `features` must be in the writer's layout). Returns its index. */
  async writeEpisode(episode: EpisodeData, task = episode.instruction ?? ''): Promise<number> {
    const w = this.beginEpisode(task);
    try {
      for (let t = 0; t < episode.length; t++) {
        const images: Record<string, ImageFrame> = {};
        for (const [cam, frames] of Object.entries(episode.images)) images[cam] = frames[t]!;
        const features: Record<string, ImageFrame | Float32Array> = {};
        for (const [key, f] of Object.entries(episode.features ?? {})) features[key] = f.frames[t]!;
        await w.append({
          qpos: episode.qpos.subarray(t * episode.stateDim, (t + 1) * episode.stateDim),
          action: episode.action.subarray(t * episode.actionDim, (t + 1) * episode.actionDim),
          images,
          features,
        });
      }
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w.finish();
  }

  private stagingPath(key: string, index: number): string {
    return join(this.root, '.staging', key, `episode_${index}.mp4`);
  }

  /** @internal Remove what is left of an episode's staged videos. */
  async dropStaging(videos: ReadonlyMap<string, string>): Promise<void> {
    for (const file of videos.values()) await rm(file, { force: true });
    await rm(join(this.root, '.staging'), { recursive: true, force: true });
  }

  /** @internal Called by LeRobotEpisodeWriter.finish once the episode's videos are closed. */
  async commitEpisode(ep: FinishedEpisode): Promise<void> {
    const { fps, chunksSize } = this.layout;
    const taskIndex = this.tasks.includes(ep.task) ? this.tasks.indexOf(ep.task) : this.tasks.length;
    const from = this.frameCount;
    const T = ep.length;
    const range = Array.from({ length: T }, (_, t) => t);
    const index: Record<string, number[]> = {
      timestamp: range.map((t) => Math.fround(t / fps)),
      frame_index: range,
      episode_index: range.map(() => ep.index),
      index: range.map((t) => from + t),
      task_index: range.map(() => taskIndex),
    };
    const stats: Record<string, FullFeatureStats> = {};
    for (const v of this.layout.vectors) stats[v.key] = vectorStats(ep.vectors.get(v.key)!, v.dim);
    const sampled = sampleFrameIndices(T);
    for (const v of this.layout.videos) stats[v.key] = imageStatsFromHistograms(sampled.map((t) => ep.histograms.get(v.key)![t]!), sampled.length);
    for (const f of INDEX_FEATURES) stats[f.key] = vectorStats(index[f.key]!, 1);

    try {
      // Data: append to the current file unless it would pass data_files_size_in_mb.
      const rowBytes = this.layout.vectors.reduce((a, v) => a + 4 * v.dim, 0) + 4 + 8 * 4;
      const epMb = (T * rowBytes) / 2 ** 20;
      let data = this.dataFile;
      if (!data || data.mb + epMb >= this.layout.dataFilesSizeInMb) {
        data = { pointer: nextFile(this.lastDataFile, chunksSize), columns: new Map(), mb: 0 };
        this.lastDataFile = data.pointer;
      }
      const columns = new Map([...data.columns].map(([k, v]) => [k, [...v]]));
      const add = (key: string, values: unknown[]) => columns.set(key, [...(columns.get(key) ?? []), ...values]);
      for (const v of this.layout.vectors) {
        const flat = ep.vectors.get(v.key)!;
        add(v.key, range.map((t) => Array.from(flat.subarray(t * v.dim, (t + 1) * v.dim))));
      }
      for (const f of INDEX_FEATURES) add(f.key, index[f.key]!);
      await writeParquetFile(join(this.root, this.path('data_path', V3_DATA_PATH, data.pointer)), this.dataColumns(columns), [
        { key: 'huggingface', value: huggingfaceMetadata(this.layout) },
      ]);

      // Videos: append to the camera's current file unless it would pass video_files_size_in_mb.
      const videos: Record<string, FilePointer & { fromTimestamp: number; toTimestamp: number }> = {};
      const nextVideoFiles = new Map<string, VideoFile>();
      for (const v of this.layout.videos) {
        const staged = ep.videos.get(v.key)!;
        const size = (await stat(staged)).size;
        let file = this.videoFiles.get(v.key);
        let fromTimestamp = 0;
        if (!file || file.bytes + size >= this.layout.videoFilesSizeInMb * 2 ** 20) {
          const pointer = nextFile(this.lastVideoFile.get(v.key), chunksSize);
          this.lastVideoFile.set(v.key, pointer);
          const target = join(this.root, this.path('video_path', V3_VIDEO_PATH, pointer, v.key));
          await commitTemporary(staged, target);
          file = { pointer, bytes: size, frames: T };
        } else {
          const target = join(this.root, this.path('video_path', V3_VIDEO_PATH, file.pointer, v.key));
          await appendVideo(target, staged);
          fromTimestamp = file.frames / fps;
          file = { pointer: file.pointer, bytes: (await stat(target)).size, frames: file.frames + T };
        }
        nextVideoFiles.set(v.key, file);
        videos[v.key] = { chunk: file.pointer.chunk, file: file.pointer.file, fromTimestamp, toTimestamp: fromTimestamp + T / fps };
      }
      this.dataFile = { pointer: data.pointer, columns, mb: data.mb + epMb };
      for (const [k, f] of nextVideoFiles) this.videoFiles.set(k, f);
      if (taskIndex === this.tasks.length) this.tasks.push(ep.task);
      this.episodes.push({ index: ep.index, tasks: [ep.task], length: T, from, data: data.pointer, videos, meta: this.metaFile, stats });
    } catch (err) {
      // Whatever this episode half-wrote stays behind the committed episodes; the next one starts new files.
      this.dataFile = undefined;
      this.videoFiles.clear();
      throw err;
    }
    await this.writeMeta();
  }

  private path(field: string, template: string, p: FilePointer, videoKey?: string): string {
    return formatPathTemplate('info.json', field, template, { chunk_index: p.chunk, file_index: p.file, ...(videoKey ? { video_key: videoKey } : {}) });
  }

  private dataColumns(columns: Map<string, unknown[]>): ParquetColumn[] {
    const out: ParquetColumn[] = this.layout.vectors.map((v) => ({ name: v.key, type: 'FLOAT_LIST', data: columns.get(v.key) as number[][] }));
    for (const f of INDEX_FEATURES) {
      const data = columns.get(f.key) as number[];
      out.push(f.dtype === 'float32' ? { name: f.key, type: 'FLOAT', data } : { name: f.key, type: 'INT64', data });
    }
    return out;
  }

  private async writeMeta(): Promise<void> {
    const own = this.episodes.filter((e) => e.meta.chunk === this.metaFile.chunk && e.meta.file === this.metaFile.file);
    await writeParquetFile(join(this.root, this.path('episodes', V3_EPISODES_PATH, this.metaFile)), episodeColumns(this.layout, own));
    await writeTasksParquet(this.root, this.tasks);
    await writeStatsAndInfo(this.root, this.layout, this.episodes, this.tasks.length);
  }
}

