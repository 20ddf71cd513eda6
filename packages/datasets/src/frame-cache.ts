import type { ImageFrame } from '@actfusion/contracts';

/**
 * A least-recently-used cache of decoded frames bounded by bytes (not entries), so a dataset
 * of any size is sampled in a fixed amount of memory. Concurrent requests for one key share
 * one decode.
 */
export class FrameCache {
  private readonly entries = new Map<string, ImageFrame>();
  private readonly pending = new Map<string, Promise<ImageFrame>>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new RangeError(`FrameCache: maxBytes must be >= 0, got ${maxBytes}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  get(key: string): ImageFrame | undefined {
    const f = this.entries.get(key);
    if (f) {
      this.entries.delete(key);
      this.entries.set(key, f);
    }
    return f;
  }

  set(key: string, frame: ImageFrame): void {
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.data.byteLength;
      this.entries.delete(key);
    }
    if (frame.data.byteLength > this.maxBytes) return;
    this.entries.set(key, frame);
    this.bytes += frame.data.byteLength;
    for (const [k, f] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= f.data.byteLength;
    }
  }

  /** The cached frame, or the result of `load` (cached). */
  async getOrLoad(key: string, load: () => Promise<ImageFrame>): Promise<ImageFrame> {
    const hit = this.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    this.misses++;
    const p = load().then(
      (f) => {
        this.pending.delete(key);
        this.set(key, f);
        return f;
      },
      (err: unknown) => {
        this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, p);
    return p;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
