import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ImageFrame } from '@actfusion/contracts';
import { commitTemporary, temporaryPathFor } from '@actfusion/atomic-file';
import { DatasetFormatError } from './dataset-error.js';

export type VideoCodec = 'h264' | 'av1';

/** The ffmpeg encoder settings of each codec (AV1: LeRobot's default libsvtav1, g=2, crf=30). */
const ENCODER_ARGS: Record<VideoCodec, string[]> = {
  h264: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-g', '2', '-pix_fmt', 'yuv420p'],
  av1: ['-c:v', 'libsvtav1', '-preset', '10', '-crf', '30', '-g', '2', '-pix_fmt', 'yuv420p'],
};

/**
 * Encodes RGB frames to an MP4 through Debian's ffmpeg, streaming (one frame in memory at a
 * time), into a temporary file renamed into place by `finish()`.
 */
export class VideoEncoder {
  private readonly child;
  private readonly exited: Promise<{ code: number | null; stderr: string }>;
  private frames = 0;
  private closed = false;

  constructor(
    readonly finalPath: string,
    readonly height: number,
    readonly width: number,
    readonly fps: number,
    readonly codec: VideoCodec = 'h264',
    private readonly tmpPath = temporaryPathFor(finalPath, '.tmp.mp4'),
  ) {
    if (height % 2 !== 0 || width % 2 !== 0) throw new RangeError(`${finalPath}: yuv420p video needs even height and width, got ${height}x${width}`);
    mkdirSync(dirname(this.tmpPath), { recursive: true });
    this.child = spawn(
      'ffmpeg',
      ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', ...ENCODER_ARGS[codec], '-f', 'mp4', this.tmpPath],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    this.child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => resolve({ code, stderr }));
    });
    this.child.stdin.on('error', () => undefined);
  }

  get frameCount(): number {
    return this.frames;
  }

  /** Queue one frame (waits when ffmpeg's pipe is full). */
  async write(frame: ImageFrame): Promise<void> {
    if (frame.height !== this.height || frame.width !== this.width || frame.data.length !== this.height * this.width * 3) {
      throw new RangeError(`${this.finalPath}: frame ${this.frames} must be ${this.height}x${this.width}x3, got ${frame.height}x${frame.width}`);
    }
    this.frames++;
    if (!this.child.stdin.write(frame.data)) await new Promise<void>((r) => this.child.stdin.once('drain', () => r()));
  }

  async finish(): Promise<string> {
    this.closed = true;
    this.child.stdin.end();
    const { code, stderr } = await this.exited;
    if (code !== 0) {
      await rm(this.tmpPath, { force: true });
      throw new Error(`${this.finalPath}: ffmpeg (${this.codec}) failed with code ${code}: ${stderr.trim()}`);
    }
    await commitTemporary(this.tmpPath, this.finalPath);
    return this.finalPath;
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.child.kill('SIGKILL');
      await this.exited.catch(() => undefined);
    }
    await rm(this.tmpPath, { force: true });
  }
}

/**
 * Decode `count` frames starting at `startSeconds` (the first frame whose timestamp is at least
 * startSeconds - half a frame) as RGB. H.264 and AV1 (libdav1d) both work with Debian's ffmpeg.
 */
export async function decodeVideoFrames(
  file: string,
  field: string,
  opts: { startSeconds: number; count: number; height: number; width: number; fps: number },
): Promise<ImageFrame[]> {
  const { height, width, count, fps } = opts;
  const seek = Math.max(0, opts.startSeconds - 0.5 / fps);
  const frameBytes = height * width * 3;
  const child = spawn(
    'ffmpeg',
    ['-v', 'error', '-threads', '1', '-ss', seek.toFixed(6), '-i', file, '-map', '0:v:0', '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const frames: ImageFrame[] = [];
  let current = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - off);
      chunk.copy(current, filled, off, off + n);
      filled += n;
      off += n;
      if (filled === frameBytes) {
        frames.push({ height, width, data: new Uint8Array(current.buffer, current.byteOffset, frameBytes) });
        current = Buffer.allocUnsafe(frameBytes);
        filled = 0;
      }
    }
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new DatasetFormatError(file, field, `ffmpeg cannot decode the video at ${opts.startSeconds.toFixed(4)} s (corrupt or truncated?): ${stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  if (filled !== 0) {
    throw new DatasetFormatError(file, field, `decoded a partial frame: expected ${height}x${width} RGB frames (${frameBytes} bytes), the stream has another size`);
  }
  if (frames.length === 0) {
    throw new DatasetFormatError(file, field, `no frame at ${opts.startSeconds.toFixed(4)} s (video shorter than the episode says, or corrupt)`);
  }
  return frames;
}
