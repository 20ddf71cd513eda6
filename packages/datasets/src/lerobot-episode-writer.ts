import type { ImageFrame } from '@actfusion/contracts';
import { frameHistogram } from './lerobot-stats.js';
import type { V3Layout } from './lerobot-v3-meta.js';
import type { VideoEncoder } from './video-codec.js';

export interface LeRobotStep {
  readonly qpos: Float32Array;
  readonly action: Float32Array;
  /** Camera name (`top`) -> frame, for the `observation.images.<camera>` videos. */
  readonly images: Readonly<Record<string, ImageFrame>>;
  /** Any further feature by its key: float vectors (`observation.taxels.<sensor>`) or video frames (`observation.tactile.<sensor>`). */
  readonly features?: Readonly<Record<string, Float32Array | ImageFrame>>;
}

/** The episode a LeRobotEpisodeWriter hands over once its videos are closed. */
export interface FinishedEpisode {
  readonly index: number;
  readonly task: string;
  readonly length: number;
  /** Feature key -> [length * dim] values. */
  readonly vectors: ReadonlyMap<string, Float32Array>;
  /** Video key -> the episode's own MP4 (in the staging folder). */
  readonly videos: ReadonlyMap<string, string>;
  /** Video key -> per-frame pixel histograms. */
  readonly histograms: ReadonlyMap<string, readonly Uint32Array[]>;
}

/** What an episode writer hands its episode to (LeRobotV3Writer). */
export interface EpisodeCommitter {
  readonly layout: V3Layout;
  commitEpisode(episode: FinishedEpisode): Promise<void>;
  dropStaging(videos: ReadonlyMap<string, string>): Promise<void>;
}

/** One episode being recorded into a LeRobotV3Writer: frames stream into ffmpeg as they come. */
export class LeRobotEpisodeWriter {
  private readonly vectors = new Map<string, number[]>();
  private readonly histograms = new Map<string, Uint32Array[]>();
  private frames = 0;
  private done = false;

  constructor(
    private readonly writer: EpisodeCommitter,
    readonly index: number,
    readonly task: string,
    private readonly encoders: ReadonlyMap<string, VideoEncoder>,
    private readonly release: () => void,
  ) {
    for (const v of writer.layout.vectors) this.vectors.set(v.key, []);
    for (const key of encoders.keys()) this.histograms.set(key, []);
  }

  get length(): number {
    return this.frames;
  }

  async append(step: LeRobotStep): Promise<void> {
    if (this.done) throw new Error(`episode ${this.index} already finished or aborted`);
    const t = this.frames;
    const rows: [number[], Float32Array][] = [];
    for (const v of this.writer.layout.vectors) {
      const value = v.key === 'observation.state' ? step.qpos : v.key === 'action' ? step.action : step.features?.[v.key];
      if (!(value instanceof Float32Array)) throw new RangeError(`episode ${this.index} step ${t}: feature ${v.key} missing (expected float32[${v.dim}])`);
      if (value.length !== v.dim) throw new RangeError(`episode ${this.index} step ${t}: ${v.key} has ${value.length} values, expected ${v.dim}`);
      rows.push([this.vectors.get(v.key)!, value]);
    }
    for (const [key, enc] of this.encoders) {
      const camera = key.startsWith('observation.images.') ? key.slice('observation.images.'.length) : undefined;
      const frame = (camera !== undefined ? step.images[camera] : undefined) ?? step.features?.[key];
      if (!frame || frame instanceof Float32Array) throw new RangeError(`episode ${this.index} step ${t}: ${camera !== undefined ? `camera ${camera}` : `feature ${key}`} missing`);
      await enc.write(frame);
      this.histograms.get(key)!.push(frameHistogram(frame));
    }
    for (const [store, value] of rows) for (let j = 0; j < value.length; j++) store.push(value[j]!);
    this.frames++;
  }

  /** Close the videos, write the data file and the metadata. Returns the episode index. */
  async finish(): Promise<number> {
    if (this.done) throw new Error(`episode ${this.index} already finished or aborted`);
    this.done = true;
    const videos = new Map<string, string>();
    try {
      if (this.frames === 0) throw new Error(`episode ${this.index} has no frames`);
      for (const [key, enc] of this.encoders) videos.set(key, await enc.finish());
      const vectors = new Map([...this.vectors].map(([k, v]) => [k, Float32Array.from(v)]));
      await this.writer.commitEpisode({ index: this.index, task: this.task, length: this.frames, vectors, videos, histograms: this.histograms });
      return this.index;
    } catch (err) {
      for (const enc of this.encoders.values()) await enc.abort();
      throw err;
    } finally {
      await this.writer.dropStaging(videos);
      this.release();
    }
  }

  /** Drop this episode (its temporary video files); earlier episodes stay as they were. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const enc of this.encoders.values()) await enc.abort();
    this.release();
  }
}
