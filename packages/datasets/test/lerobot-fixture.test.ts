import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { AlohaDataset, LeRobotDataset, LeRobotV3Writer, exportAlohaEpisodes } from '../src/index.js';
import { FIXTURES, meanAbsDiff, tempDir } from './helpers.js';

/** frame(globalT) of test/fixtures/make-lerobot-v3-parquet-wasm.mjs */
function fixtureFrame(g: number): Uint8Array {
  const H = 64, W = 64;
  const d = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    d[(y * W + x) * 3 + c] = Math.round(127 + 100 * Math.sin(0.2 * x + 0.15 * y + 0.5 * g + c));
  }
  return d;
}

describe('LeRobot v3.0 dataset written by parquet-wasm (independent writer, ZSTD, shared files)', () => {
  it('reads tables, tasks and AV1 frames at from_timestamp offsets', async () => {
    const ds = await LeRobotDataset.open(join(FIXTURES, 'lerobot-v3-parquet-wasm'));
    try {
      expect(ds.version).toBe('v3.0');
      expect(ds.fps).toBe(10);
      expect(ds.episodes.map((e) => e.length)).toEqual([6, 4]);
      expect(ds.tasks).toEqual(['stack the blocks']);
      const ep1 = ds.episodes[1]!;
      expect(ep1.instruction).toBe('stack the blocks');
      expect(Array.from(ep1.qpos.subarray(4, 6))).toEqual([Math.fround(1.2), -2]);
      expect(ep1.action[1]).toBe(-0.5);
      for (const [e, t, g] of [[0, 0, 0], [0, 5, 5], [1, 0, 6], [1, 3, 9]] as const) {
        const f = await ds.episodes[e]!.readImage('cam_high', t);
        const own = meanAbsDiff(f.data, fixtureFrame(g));
        expect(own).toBeLessThan(9);
        expect(meanAbsDiff(f.data, fixtureFrame(g + 1))).toBeGreaterThan(2 * own);
        expect(meanAbsDiff(f.data, fixtureFrame(g - 1))).toBeGreaterThan(2 * own);
      }
    } finally {
      await ds.close();
    }
  });

  it('exports to ACT HDF5 episodes with the same tables and frames', async () => {
    const src = await LeRobotDataset.open(join(FIXTURES, 'lerobot-v3-parquet-wasm'), { decodeWindow: 4 });
    const dir = tempDir();
    const paths = await exportAlohaEpisodes(src, dir);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(['episode_0.hdf5', 'episode_1.hdf5']);
    const out = await AlohaDataset.open(dir);
    try {
      expect(out.fps).toBe(10);
      expect(out.cameras).toEqual({ cam_high: [64, 64] });
      expect(Array.from(out.episodes[1]!.action)).toEqual(Array.from(src.episodes[1]!.action));
      expect(out.episodes[1]!.instruction).toBe('stack the blocks');
      const a = await out.episodes[1]!.readImage('cam_high', 2);
      const b = await src.episodes[1]!.readImage('cam_high', 2);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
    } finally {
      await out.close();
      await src.close();
    }
  });

  it('our Parquet files read back in parquet-wasm as list<float32> and int64', async () => {
    const root = join(tempDir(), 'ds');
    const w = await LeRobotV3Writer.open(root, { fps: 10, stateDim: 2, actionDim: 2, cameras: {} });
    await w.writeEpisode(
      { length: 3, stateDim: 2, actionDim: 2, qpos: Float32Array.from([1, 2, 3, 4, 5, 6]), action: Float32Array.from([0.5, 1, 1.5, 2, 2.5, 3]), images: {} },
      'task',
    );
    const bytes = readFileSync(join(root, 'data/chunk-000/file-000.parquet'));
    const table = arrow.tableFromIPC(pw.readParquet(new Uint8Array(bytes)).intoIPCStream());
    const state = table.getChild('observation.state')!;
    expect(String(state.type)).toMatch(/List<Float32>/i);
    expect(Array.from(state.get(2) as Iterable<number>)).toEqual([5, 6]);
    expect(String(table.getChild('index')!.type)).toBe('Int64');
    expect(table.getChild('task_index')!.get(0)).toBe(0n);
  });
});

