import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import type { ImageFrame } from '@actfusion/contracts';

/**
 * Independent readers for the conformance test: Parquet through parquet-wasm (Rust arrow/parquet)
 * instead of hyparquet, video through a plain ffmpeg/ffprobe run instead of our decoder.
 */

export function readArrow(file: string): arrow.Table {
  return arrow.tableFromIPC(pw.readParquet(new Uint8Array(readFileSync(file))).intoIPCStream());
}

/** Key-value metadata of a Parquet footer (parquet-wasm copies it into the Arrow schema's metadata). */
export function parquetKv(file: string): Record<string, string> {
  return Object.fromEntries(readArrow(file).schema.metadata.entries());
}

/** Every frame of an MP4 as RGB, decoded by one ffmpeg run. */
export function decodeAll(file: string, height: number, width: number): ImageFrame[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg ${file}: ${r.stderr.toString()}`);
  const size = height * width * 3;
  const frames: ImageFrame[] = [];
  for (let o = 0; o + size <= r.stdout.length; o += size) frames.push({ height, width, data: new Uint8Array(r.stdout.subarray(o, o + size)) });
  return frames;
}

/** codec_name, width, height, nb_read_frames of the first video stream (ffprobe). */
export function probe(file: string): { codec: string; width: number; height: number; frames: number; pixFmt: string } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames,pix_fmt', '-of', 'json', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe ${file}: ${r.stderr}`);
  const s = JSON.parse(r.stdout).streams[0];
  return { codec: s.codec_name, width: s.width, height: s.height, frames: Number(s.nb_read_frames), pixFmt: s.pix_fmt };
}

/** Per-channel min/max/mean/std of frames over every pixel, in [0, 1] (two-pass, float64). */
export function channelStats(frames: readonly ImageFrame[]): { min: number[]; max: number[]; mean: number[]; std: number[] } {
  const out = { min: [255, 255, 255], max: [0, 0, 0], mean: [0, 0, 0], std: [0, 0, 0] };
  let n = 0;
  for (const f of frames) {
    for (let i = 0; i < f.data.length; i += 3) {
      for (let c = 0; c < 3; c++) {
        const v = f.data[i + c]!;
        out.mean[c]! += v;
        if (v < out.min[c]!) out.min[c] = v;
        if (v > out.max[c]!) out.max[c] = v;
      }
      n++;
    }
  }
  for (let c = 0; c < 3; c++) out.mean[c]! /= n;
  for (const f of frames) for (let i = 0; i < f.data.length; i += 3) for (let c = 0; c < 3; c++) out.std[c]! += (f.data[i + c]! - out.mean[c]!) ** 2;
  return {
    min: out.min.map((v) => v / 255),
    max: out.max.map((v) => v / 255),
    mean: out.mean.map((v) => v / 255),
    std: out.std.map((v) => Math.sqrt(v / n) / 255),
  };
}

/** Population mean/std/min/max per dimension of row vectors. */
export function columnStats(rows: readonly (readonly number[])[]): { min: number[]; max: number[]; mean: number[]; std: number[] } {
  const d = rows[0]!.length;
  const col = (j: number) => rows.map((r) => r[j]!);
  const mean = Array.from({ length: d }, (_, j) => col(j).reduce((a, b) => a + b, 0) / rows.length);
  return {
    min: Array.from({ length: d }, (_, j) => Math.min(...col(j))),
    max: Array.from({ length: d }, (_, j) => Math.max(...col(j))),
    mean,
    std: Array.from({ length: d }, (_, j) => Math.sqrt(col(j).reduce((a, b) => a + (b - mean[j]!) ** 2, 0) / rows.length)),
  };
}

/** Nesting depth and flat values of a stats cell/list ([[[x]]] -> depth 3). */
export function shapeOf(v: unknown): number[] {
  const shape: number[] = [];
  let x: unknown = v;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = x[0];
  }
  return shape;
}

export function flat(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [Number(v)];
}
