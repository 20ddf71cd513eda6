import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ImageFrame } from '@actfusion/contracts';

/** An ffmpeg input: `-f <format> [...args] -i <input>`. */
export interface FfmpegInput {
  readonly format?: string;
  readonly input: string;
  /** Extra input options placed before `-i`. */
  readonly args?: readonly string[];
}

export interface CameraOptions {
  /** Camera name in observations (`cam_high`, `top`, ...). */
  readonly name: string;
  /**
   * A V4L2 device (`/dev/video0`), an ffmpeg input spec `format:input`
   * (`lavfi:testsrc=size=640x480:rate=30`), a file/URL, or an explicit `FfmpegInput`.
   */
  readonly source: string | FfmpegInput;
  /** Output frame size; ffmpeg scales to it. */
  readonly width: number;
  readonly height: number;
  /** Capture rate asked of a V4L2 device (default 30). */
  readonly fps?: number;
  /** V4L2 `-input_format` (`mjpeg`, `yuyv422`). */
  readonly inputFormat?: string;
  /** V4L2 capture size if it differs from the output size, e.g. `640x480`. */
  readonly captureSize?: string;
  /** Pace a generated or file input at its native rate (`-re`); devices pace themselves. */
  readonly realtime?: boolean;
  /** Stop after this many frames (`-frames:v`). */
  readonly maxFrames?: number;
  readonly ffmpegPath?: string;
}

export interface CameraStats {
  framesRead: number;
  /** Frames replaced by a newer one before anybody took them with `next()`. */
  framesSkipped: number;
}

/** The ffmpeg command line a camera runs (exported for logs and tests). */
export function ffmpegArgs(o: CameraOptions): string[] {
  const input: string[] = [];
  const src = o.source;
  if (typeof src === 'string' && src.startsWith('/dev/')) {
    input.push('-f', 'v4l2', '-fflags', 'nobuffer', '-framerate', String(o.fps ?? 30));
    input.push('-video_size', o.captureSize ?? `${o.width}x${o.height}`);
    if (o.inputFormat) input.push('-input_format', o.inputFormat);
    input.push('-i', src);
  } else {
    const spec: FfmpegInput =
      typeof src !== 'string' ? src : /^[a-z0-9_]+:(?!\/\/)/i.test(src) ? { format: src.slice(0, src.indexOf(':')), input: src.slice(src.indexOf(':') + 1) } : { input: src };
    if (o.realtime) input.push('-re');
    if (spec.format) input.push('-f', spec.format);
    input.push(...(spec.args ?? []), '-i', spec.input);
  }
  const frames = o.maxFrames !== undefined ? ['-frames:v', String(o.maxFrames)] : [];
  return ['-hide_banner', '-loglevel', 'error', '-nostdin', ...input, '-an', ...frames, '-vf', `scale=${o.width}:${o.height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];
}

/**
 * A camera read through ffmpeg: V4L2 devices on real hardware, or any ffmpeg input (test
 * sources, files, streams). ffmpeg writes rgb24 frames to a pipe; frames are assembled as the
 * bytes stream in (never buffered whole) and each complete frame becomes the latest.
 */
export class Camera {
  readonly stats: CameraStats = { framesRead: 0, framesSkipped: 0 };
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  private current: Uint8Array;
  private filled = 0;
  private latest: ImageFrame | undefined;
  private taken = true;
  private waiters: Array<{ resolve: (f: ImageFrame) => void; reject: (e: Error) => void; fresh: boolean }> = [];
  private failure: Error | undefined;
  private stderr = '';
  private stopping = false;
  private readonly listeners = new Set<(frame: ImageFrame) => void>();
  private readonly endWaiters = new Set<() => void>();
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly options: CameraOptions) {
    if (!(Number.isInteger(options.width) && options.width > 0 && Number.isInteger(options.height) && options.height > 0)) {
      throw new RangeError(`camera ${options.name}: width and height must be positive integers, got ${options.width}x${options.height}`);
    }
    this.current = new Uint8Array(this.frameBytes);
  }

  get name(): string {
    return this.options.name;
  }
  get width(): number {
    return this.options.width;
  }
  get height(): number {
    return this.options.height;
  }
  get frameBytes(): number {
    return this.options.width * this.options.height * 3;
  }
  get running(): boolean {
    return this.child !== undefined;
  }

  private describe(): string {
    const s = this.options.source;
    return `camera ${this.options.name} (${typeof s === 'string' ? s : `${s.format ?? ''}:${s.input}`})`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.failure = undefined;
    this.stderr = '';
    const child = spawn(this.options.ffmpegPath ?? 'ffmpeg', ffmpegArgs(this.options), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => this.consume(chunk));
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.fail(new Error(`${this.describe()}: cannot run ffmpeg: ${err.message}`, { cause: err }));
        resolve();
      });
      child.once('close', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (this.stopping) {
          this.fail(new Error(`${this.describe()}: stopped`));
          return resolve();
        }
        const why = signal ? `signal ${signal}` : `code ${code}`;
        this.fail(new Error(`${this.describe()}: ffmpeg exited (${why})${this.stderr.trim() ? `: ${this.stderr.trim()}` : ''}`));
        resolve();
      });
    });
  }

  /** The newest complete frame; waits for the first one. */
  latestFrame(): Promise<ImageFrame> {
    if (this.latest) {
      this.taken = true;
      return Promise.resolve(this.latest);
    }
    return this.wait(false);
  }

  /** The next frame to complete after this call. */
  next(): Promise<ImageFrame> {
    return this.wait(true);
  }

  /** Call `listener` with every frame as it completes; returns an unsubscribe function. */
  onFrame(listener: (frame: ImageFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every frame from now on, none skipped, until ffmpeg ends (a finite source) or `stop()`. */
  async *frames(): AsyncGenerator<ImageFrame> {
    const queue: ImageFrame[] = [];
    let wake: (() => void) | undefined;
    const off = this.onFrame((f) => {
      queue.push(f);
      wake?.();
    });
    try {
      for (;;) {
        const frame = queue.shift();
        if (frame) {
          yield frame;
          continue;
        }
        if (!this.child) {
          if (this.failure && this.stats.framesRead === 0) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.endWaiters.add(resolve);
        });
        wake = undefined;
      }
    } finally {
      off();
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child) {
      this.child = undefined;
      this.stopping = true;
      child.kill('SIGTERM');
      await this.exited;
      this.stopping = false;
    }
    this.latest = undefined;
    this.filled = 0;
  }

  private wait(fresh: boolean): Promise<ImageFrame> {
    if (this.failure && (!this.child || fresh)) return Promise.reject(this.failure);
    if (!this.child && !this.failure) return Promise.reject(new Error(`${this.describe()}: not started`));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject, fresh }));
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.current.length - this.filled);
      this.current.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.current.length) {
        const frame: ImageFrame = { height: this.height, width: this.width, data: this.current };
        this.current = new Uint8Array(this.frameBytes);
        this.filled = 0;
        if (!this.taken) this.stats.framesSkipped++;
        this.latest = frame;
        this.taken = this.waiters.length > 0;
        this.stats.framesRead++;
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w.resolve(frame);
        for (const l of this.listeners) l(frame);
      }
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
    for (const end of this.endWaiters) end();
    this.endWaiters.clear();
  }
}
