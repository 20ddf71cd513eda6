import type { DatasetSummary, EpisodeSeries } from '../../src/view/dataset-view.js';
import type { EvalData } from '../../src/view/eval-view.js';
import type { TactileSeries } from '../../src/view/taxel-series.js';
import type { RunData } from '../../src/view/run-view.js';
import type { RolloutLog } from '../../src/pipeline/rollout-log.js';

export type { DatasetSummary, EpisodeSeries, EvalData, RolloutLog, RunData, TactileSeries };

export interface ViewInfo {
  readonly path: string;
  readonly dataset: boolean;
  readonly run: boolean;
  readonly eval: boolean;
}

/** An RGB frame as the server sends it (raw bytes, size in X-Width / X-Height). */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

async function ok(res: Response, url: string): Promise<Response> {
  if (res.ok) return res;
  let message = `${res.status} ${res.statusText}`;
  try {
    message = ((await res.json()) as { error?: string }).error ?? message;
  } catch {
    /* not JSON */
  }
  throw new Error(`${url}: ${message}`);
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await ok(await fetch(url), url);
  return (await res.json()) as T;
}

export async function getFrame(episode: number, camera: string, t: number, signal?: AbortSignal): Promise<RgbFrame> {
  const url = `api/dataset/episodes/${episode}/frames/${encodeURIComponent(camera)}/${t}`;
  const res = await ok(await fetch(url, signal ? { signal } : {}), url);
  const width = Number(res.headers.get('x-width'));
  const height = Number(res.headers.get('x-height'));
  const data = new Uint8Array(await res.arrayBuffer());
  if (data.length !== width * height * 3) throw new Error(`${url}: expected ${width}x${height}x3 bytes, got ${data.length}`);
  return { width, height, data };
}
