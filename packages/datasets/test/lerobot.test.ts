import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@actfusion/cvae-core';
import type { ImageFrame } from '@actfusion/contracts';
import { describe, expect, it } from 'vitest';
import { ChunkSampler, LeRobotDataset, LeRobotV3Writer, VideoEncoder, readParquetRows, writeParquetFile } from '../src/index.js';
import { FIXTURES, meanAbsDiff, syntheticFrame, tempDir } from './helpers.js';

const H = 64;
const W = 64;

function episode(T: number, seed: number) {
  return {
    length: T,
    stateDim: 3,
    actionDim: 3,
    qpos: Float32Array.from({ length: T * 3 }, (_, i) => seed * 100 + i * 0.5),
    action: Float32Array.from({ length: T * 3 }, (_, i) => seed * 100 + i * 0.25),
    images: { top: Array.from({ length: T }, (_, t) => syntheticFrame(t, seed, H, W)) },
  };
}

async function expectFramesMatch(ds: LeRobotDataset, epIndex: number, seed: number, frames: number[]) {
  const ep = ds.episodes[epIndex]!;
  for (const t of frames) {
    const f = await ep.readImage('top', t);
    expect([f.height, f.width]).toEqual([H, W]);
    const own = meanAbsDiff(f.data, syntheticFrame(t, seed, H, W).data);
    const next = meanAbsDiff(f.data, syntheticFrame(t + 1, seed, H, W).data);
    const prev = meanAbsDiff(f.data, syntheticFrame(t - 1, seed, H, W).data);
    expect(own).toBeLessThan(9); // yuv420p chroma subsampling of a colourful pattern
    expect(next).toBeGreaterThan(own * 2);
    expect(prev).toBeGreaterThan(own * 2);
  }
}

describe.each(['h264', 'av1'] as const)('LeRobot v3.0 write -> read (%s)', (codec) => {
  it('round-trips tables exactly and video frames closely, with LeRobot layout and info.json', async () => {
    const root = join(tempDir(), 'ds');
    const writer = await LeRobotV3Writer.open(root, { fps: 30, robotType: 'aloha', stateDim: 3, actionDim: 3, cameras: { top: [H, W] }, codec });
    await writer.writeEpisode(episode(12, 1), 'pick the cube');
    await writer.writeEpisode(episode(9, 2), 'place the cube');
    const info = JSON.parse(readFileSync(join(root, 'meta/info.json'), 'utf8'));
    expect(info).toMatchObject({ codebase_version: 'v3.0', total_episodes: 2, total_frames: 21, total_tasks: 2, fps: 30, chunks_size: 1000, splits: { train: '0:2' } });
    expect(info.data_path).toBe('data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet');
    expect(info.features['observation.images.top'].info['video.codec']).toBe(codec);
    expect(readdirSync(join(root, 'videos/observation.images.top/chunk-000')).sort()).toEqual(['file-000.mp4']);
    expect(readdirSync(join(root, 'data/chunk-000')).sort()).toEqual(['file-000.parquet']);
    const epRows = await readParquetRows(join(root, 'meta/episodes/chunk-000/file-000.parquet'));
    expect(epRows.map((r) => [r['episode_index'], r['length'], r['dataset_from_index'], r['dataset_to_index']])).toEqual([[0n, 12n, 0n, 12n], [1n, 9n, 12n, 21n]]);
    expect(epRows[1]!['stats/action/max']).toEqual(Array.from(episode(9, 2).action.slice(-3)).map((v) => expect.closeTo(v, 5)));
    expect(epRows[1]!['stats/observation.state/count']).toEqual([9n]);
    const stats = JSON.parse(readFileSync(join(root, 'meta/stats.json'), 'utf8'));
    expect(stats['observation.state'].count).toEqual([21]);
    expect(stats['observation.images.top'].mean).toHaveLength(3);

    const ds = await LeRobotDataset.open(root, { decodeWindow: 4 });
    expect(ds.version).toBe('v3.0');
    expect(ds.tasks).toEqual(['pick the cube', 'place the cube']);
    expect(ds.cameras).toEqual({ top: [H, W] });
    const ep1 = ds.episodes[1]!;
    expect(ep1.instruction).toBe('place the cube');
    const stored = ds.storedStats()!;
    const allQ = [...episode(12, 1).qpos, ...episode(9, 2).qpos].filter((_, i) => i % 3 === 0);
    expect(stored.qpos.count).toBe(21);
    expect(stored.qpos.mean[0]).toBeCloseTo(allQ.reduce((a, b) => a + b, 0) / allQ.length, 3);
    expect(stored.action.max[2]).toBeCloseTo(Math.max(...episode(9, 2).action), 4);
    expect(Array.from(ep1.qpos)).toEqual(Array.from(episode(9, 2).qpos));
    expect(Array.from(ep1.action)).toEqual(Array.from(episode(9, 2).action));
    await expectFramesMatch(ds, 0, 1, [0, 5, 11]);
    await expectFramesMatch(ds, 1, 2, [3, 8]);
    // The sampler runs over it too.
    const sampler = new ChunkSampler(ds, { chunkSize: 4, sampling: 'frame', padding: 'repeat-last' });
    const batch = await sampler.sampleBatch(3, new Rng(0));
    expect(batch.map((b) => (b.observation['observation.images.top'] as ImageFrame).data.length)).toEqual([H * W * 3, H * W * 3, H * W * 3]);
    await ds.close();
  });
});

describe('LeRobot v3.0 writer', () => {
  it('appends to an existing dataset after reopening', async () => {
    const root = join(tempDir(), 'ds');
    const opts = { fps: 20, stateDim: 3, actionDim: 3, cameras: { top: [H, W] as const } };
    await (await LeRobotV3Writer.open(root, opts)).writeEpisode(episode(6, 1), 'a');
    const again = await LeRobotV3Writer.open(root, opts);
    expect(again.episodeCount).toBe(1);
    await again.writeEpisode(episode(5, 3), 'b');
    const ds = await LeRobotDataset.open(root);
    expect(ds.episodes.map((e) => e.length)).toEqual([6, 5]);
    expect(ds.tasks).toEqual(['a', 'b']);
    await expectFramesMatch(ds, 1, 3, [2]);
    await expectFramesMatch(ds, 0, 1, [4]);
  });
});

describe('LeRobot v3.0 writer on a dataset written elsewhere', () => {
  it('appends to the parquet-wasm fixture (no per-episode stats): recomputes them and continues in new files', async () => {
    const { cpSync } = await import('node:fs');
    const root = join(tempDir(), 'ds');
    cpSync(join(FIXTURES, 'lerobot-v3-parquet-wasm'), root, { recursive: true });
    const oldMeta = readFileSync(join(root, 'meta/episodes/chunk-000/file-000.parquet'));
    const w = await LeRobotV3Writer.open(root, { fps: 10, robotType: 'koch', stateDim: 2, actionDim: 2, cameras: { cam_high: [H, W] }, codec: 'av1' });
    expect(w.episodeCount).toBe(2);
    const ep = { ...episode(4, 7), stateDim: 2, actionDim: 2, qpos: Float32Array.from({ length: 8 }, (_, i) => i), action: Float32Array.from({ length: 8 }, (_, i) => -i), images: { cam_high: Array.from({ length: 4 }, (_, t) => syntheticFrame(t, 7, H, W)) } };
    await w.writeEpisode(ep, 'new task');
    // LeRobot resumes in the next files; the old episode metadata file is not rewritten.
    expect(readFileSync(join(root, 'meta/episodes/chunk-000/file-000.parquet')).equals(oldMeta)).toBe(true);
    const rows = await readParquetRows(join(root, 'meta/episodes/chunk-000/file-001.parquet'));
    expect(rows.map((r) => [r['episode_index'], r['data/file_index'], r['videos/observation.images.cam_high/file_index'], r['dataset_from_index']])).toEqual([[2n, 1n, 1n, 10n]]);
    const stats = JSON.parse(readFileSync(join(root, 'meta/stats.json'), 'utf8'));
    expect(stats['observation.images.cam_high'].count).toEqual([10 + 4]); // every frame of the fixture's short episodes + 4 new ones
    expect(stats['frame_index'].count).toEqual([14]);
    const ds = await LeRobotDataset.open(root);
    expect(ds.episodes.map((e) => [e.length, e.instruction])).toEqual([[6, 'stack the blocks'], [4, 'stack the blocks'], [4, 'new task']]);
    expect(Array.from(ds.episodes[2]!.qpos)).toEqual(Array.from(ep.qpos));
    const f = await ds.episodes[2]!.readImage('cam_high', 3);
    expect(meanAbsDiff(f.data, syntheticFrame(3, 7, H, W).data)).toBeLessThan(9);
    await ds.close();
  });
});

describe('LeRobot v2.1 read', () => {
  it('reads episodes.jsonl, tasks.jsonl, per-episode Parquet and per-episode H.264 videos', async () => {
    const root = tempDir();
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(root, 'meta'), { recursive: true });
    const eps = [episode(7, 4), episode(5, 5)];
    writeFileSync(join(root, 'meta/episodes_stats.jsonl'), eps.map((e, i) => JSON.stringify({ episode_index: i, stats: { action: { min: [0, 0, 0], max: [1, 1, 1], mean: [0.5, 0.5, 0.5], std: [0.1, 0.1, 0.1], count: [e.length] } } })).join('\n'));
    writeFileSync(join(root, 'meta/tasks.jsonl'), '{"task_index": 0, "task": "insert the peg"}\n');
    writeFileSync(join(root, 'meta/episodes.jsonl'), eps.map((e, i) => JSON.stringify({ episode_index: i, tasks: ['insert the peg'], length: e.length })).join('\n') + '\n');
    writeFileSync(
      join(root, 'meta/info.json'),
      JSON.stringify({
        codebase_version: 'v2.1', robot_type: 'aloha', total_episodes: 2, total_frames: 12, total_tasks: 1, total_videos: 2, total_chunks: 1, chunks_size: 1000, fps: 25,
        splits: { train: '0:2' },
        data_path: 'data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet',
        video_path: 'videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4',
        features: {
          'observation.images.top': { dtype: 'video', shape: [3, H, W], names: ['channels', 'height', 'width'], info: { 'video.fps': 25, 'video.codec': 'h264', 'video.height': H, 'video.width': W } },
          'observation.state': { dtype: 'float32', shape: [3], names: { motors: ['a', 'b', 'c'] } },
          action: { dtype: 'float32', shape: [3], names: { motors: ['a', 'b', 'c'] } },
        },
      }),
    );
    for (const [i, e] of eps.entries()) {
      const rows = Array.from({ length: e.length }, (_, t) => t);
      await writeParquetFile(join(root, `data/chunk-000/episode_${String(i).padStart(6, '0')}.parquet`), [
        { name: 'observation.state', type: 'FLOAT_LIST', data: rows.map((t) => Array.from(e.qpos.subarray(t * 3, t * 3 + 3))) },
        { name: 'action', type: 'FLOAT_LIST', data: rows.map((t) => Array.from(e.action.subarray(t * 3, t * 3 + 3))) },
        { name: 'timestamp', type: 'FLOAT', data: rows.map((t) => t / 25) },
        { name: 'frame_index', type: 'INT64', data: rows },
        { name: 'episode_index', type: 'INT64', data: rows.map(() => i) },
      ]);
      const enc = new VideoEncoder(join(root, `videos/chunk-000/observation.images.top/episode_${String(i).padStart(6, '0')}.mp4`), H, W, 25, 'h264');
      for (const f of e.images.top) await enc.write(f);
      await enc.finish();
    }
    const ds = await LeRobotDataset.open(root);
    expect(ds.version).toBe('v2.1');
    expect(ds.episodes.map((e) => e.length)).toEqual([7, 5]);
    expect(ds.episodes[1]!.instruction).toBe('insert the peg');
    expect((ds.episodeStats.get(1)!['action'] as { count: number[] }).count).toEqual([5]);
    expect(Array.from(ds.episodes[1]!.qpos)).toEqual(Array.from(eps[1]!.qpos));
    await expectFramesMatch(ds, 1, 5, [0, 4]);
    await expectFramesMatch(ds, 0, 4, [6]);
  });
});
