import type { ImageFrame } from '@actfusion/contracts';
import type { LeRobotV3Writer } from './lerobot-v3-writer.js';
import { StreamingStats } from './streaming-stats.js';
import type { VideoEncoder } from './video-codec.js';

export interface LeRobotStep {
  readonly qpos: Float32Array;
  readonly action: Float32Array;
  readonly images: Readonly<Record<string, ImageFrame>>;
}

/** Every n-th frame of an episode enters the image statistics. */
export const IMAGE_STATS_FRAME_STRIDE = 4;
/** Every n-th pixel (both directions) of such a frame enters them. */
const IMAGE_STATS_PIXEL_STRIDE = 8;

/** One episode being recorded into a LeRobotV3Writer: frames stream into ffmpeg as they come. */
export class LeRobotEpisodeWriter {
  private readonly qpos: number[][] = [];
  private readonly action: number[][] = [];
  private readonly frameStats = new Map<string, StreamingStats>();
  private done = false;

  constructor(
    private readonly writer: LeRobotV3Writer,
    readonly index: number,
    readonly task: string,
    private readonly encoders: Map<string, VideoEncoder>,
    private readonly release: () => void,
  ) {
    for (const cam of encoders.keys()) this.frameStats.set(cam, new StreamingStats(3, 256));
  }

  get length(): number {
    return this.qpos.length;
  }

  async append(step: LeRobotStep): Promise<void> {
    if (this.done) throw new Error(`episode ${this.index} already finished or aborted`);
    const { stateDim, actionDim } = this.writer.options;
    if (step.qpos.length !== stateDim || step.action.length !== actionDim) {
      throw new RangeError(`episode ${this.index} step ${this.length}: expected qpos[${stateDim}] and action[${actionDim}], got ${step.qpos.length} and ${step.action.length}`);
    }
    const t = this.length;
    for (const [cam, enc] of this.encoders) {
      const frame = step.images[cam];
      if (!frame) throw new RangeError(`episode ${this.index} step ${t}: camera ${cam} missing`);
      await enc.write(frame);
      if (t % IMAGE_STATS_FRAME_STRIDE === 0) addImageStats(this.frameStats.get(cam)!, frame);
    }
    this.qpos.push(Array.from(step.qpos));
    this.action.push(Array.from(step.action));
  }

  /** Close the videos, write the data file and the metadata. Returns the episode index. */
  async finish(): Promise<number> {
    if (this.done) throw new Error(`episode ${this.index} already finished or aborted`);
    this.done = true;
    try {
      if (this.length === 0) throw new Error(`episode ${this.index} has no frames`);
      for (const enc of this.encoders.values()) await enc.finish();
      await this.writer.commitEpisode(this.index, this.task, this.qpos, this.action, this.frameStats);
      return this.index;
    } catch (err) {
      for (const enc of this.encoders.values()) await enc.abort();
      throw err;
    } finally {
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

export function addImageStats(st: StreamingStats, f: ImageFrame): void {
  const px = new Float32Array(3);
  for (let y = 0; y < f.height; y += IMAGE_STATS_PIXEL_STRIDE) {
    for (let x = 0; x < f.width; x += IMAGE_STATS_PIXEL_STRIDE) {
      const o = (y * f.width + x) * 3;
      px[0] = f.data[o]! / 255;
      px[1] = f.data[o + 1]! / 255;
      px[2] = f.data[o + 2]! / 255;
      st.add(px);
    }
  }
}

