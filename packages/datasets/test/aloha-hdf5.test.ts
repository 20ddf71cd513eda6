import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@actfusion/cvae-core';
import type { ImageFrame } from '@actfusion/contracts';
import { AlohaDataset, AlohaHdf5Episode, AlohaEpisodeWriter, ChunkSampler, writeAlohaEpisode } from '../src/index.js';
import { FIXTURES, PYTHON_H5PY, fixtureLowdim, fixturePixel, meanAbsDiff, runPython, syntheticFrame, tempDir } from './helpers.js';

const dir = tempDir();

describe('ALOHA HDF5 written by h5py (ACT layout)', () => {
  it('reads the sim episodes of record_sim_episodes.py', async () => {
    const ds = await AlohaDataset.open(join(FIXTURES, 'aloha/sim'));
    try {
      expect(ds.episodes.length).toBe(2);
      expect(ds.stateDim).toBe(14);
      expect(ds.cameras).toEqual({ top: [24, 32] });
      const ep = ds.episodes[0]!;
      expect(ep.sim).toBe(true);
      expect(ep.length).toBe(12);
      expect(ds.episodes[1]!.length).toBe(9);
      const q = fixtureLowdim(12, 0);
      expect(Array.from(ep.qpos)).toEqual(Array.from(q));
      expect(ep.qvel![14]).toBeCloseTo(0.1 * Math.sin(0.1 + 1), 6);
      expect(ep.action[5]).toBeCloseTo(Math.sin(0.3 * 5 + 2), 6);
      const frame = await ep.readImage('top', 7);
      expect(frame.height).toBe(24);
      expect(Array.from(frame.data)).toEqual(Array.from(fixturePixel(7, 0)));
    } finally {
      await ds.close();
    }
  });

  it('feeds the chunk sampler: ACT chunks with zero padding and isPad from the h5py files', async () => {
    const ds = await AlohaDataset.open(join(FIXTURES, 'aloha/sim'));
    try {
      const sampler = new ChunkSampler(ds, { chunkSize: 5, actionOffset: 'act' });
      expect(sampler.frameCount).toBe(21);
      const s = await sampler.sample(1, 6);
      expect(Array.from(s.isPad)).toEqual([0, 0, 0, 1, 1]);
      const a = fixtureLowdim(9, 7);
      expect(Array.from(s.action.subarray(0, 14))).toEqual(Array.from(a.subarray(6 * 14, 7 * 14)));
      expect(Array.from(s.action.subarray(3 * 14))).toEqual(new Array(28).fill(0));
      expect(Array.from((s.observation['observation.images.top'] as ImageFrame).data)).toEqual(Array.from(fixturePixel(6, 0)));
      const batch = await sampler.sampleBatch(4, new Rng(9));
      expect(batch.every((b) => b.action.length === 70 && b.observation['observation.state'].length === 14)).toBe(true);
    } finally {
      await ds.close();
    }
  });

  it('reads the JPEG-compressed variant with /compress_len and effort', async () => {
    const ep = await AlohaHdf5Episode.open(join(FIXTURES, 'aloha/real_compressed/episode_0.hdf5'));
    try {
      expect(ep.sim).toBe(false);
      expect(ep.compressed).toBe(true);
      expect(ep.cameras).toEqual(['cam_high', 'cam_left_wrist']);
      expect(ep.cameraShape('cam_left_wrist')).toEqual([24, 32]);
      expect(ep.effort![3]).toBeCloseTo(Math.sin(0.9 + 12), 6);
      for (const t of [0, 5]) {
        const f = await ep.readImage('cam_left_wrist', t);
        // Quality-50 JPEG: close to the source but not equal.
        const err = meanAbsDiff(f.data, fixturePixel(t, 1));
        expect(err).toBeLessThan(4);
        expect(meanAbsDiff(f.data, fixturePixel(t, 0))).toBeGreaterThan(15);
      }
    } finally {
      ep.close();
    }
  });
});

describe('ALOHA HDF5 written here', () => {
  const T = 5;
  const episode = {
    length: T,
    stateDim: 3,
    actionDim: 2,
    qpos: Float32Array.from({ length: T * 3 }, (_, i) => i * 0.5),
    qvel: Float32Array.from({ length: T * 3 }, (_, i) => -i),
    action: Float32Array.from({ length: T * 2 }, (_, i) => i * 0.25),
    images: {
      top: Array.from({ length: T }, (_, t) => syntheticFrame(t, 0, 6, 8)),
      left_wrist: Array.from({ length: T }, (_, t) => syntheticFrame(t, 1, 4, 4)),
    },
  };
  const file = join(dir, 'rt/episode_0.hdf5');

  it('round-trips write -> read exactly, and leaves no temp file', async () => {
    await writeAlohaEpisode(file, episode, { sim: true, attributes: { control_hz: 50, instruction: 'pick the cube' } });
    expect(readdirSync(join(dir, 'rt'))).toEqual(['episode_0.hdf5']);
    const ep = await AlohaHdf5Episode.open(file);
    try {
      expect(ep.length).toBe(T);
      expect(ep.sim).toBe(true);
      expect(ep.instruction).toBe('pick the cube');
      expect(ep.attributes['control_hz']).toBe(50);
      expect(Array.from(ep.qpos)).toEqual(Array.from(episode.qpos));
      expect(Array.from(ep.qvel!)).toEqual(Array.from(episode.qvel));
      expect(Array.from(ep.action)).toEqual(Array.from(episode.action));
      for (let t = 0; t < T; t++) {
        expect(Array.from((await ep.readImage('top', t)).data)).toEqual(Array.from(episode.images.top[t]!.data));
        expect(Array.from((await ep.readImage('left_wrist', t)).data)).toEqual(Array.from(episode.images.left_wrist[t]!.data));
      }
    } finally {
      ep.close();
    }
  });

  it.skipIf(!PYTHON_H5PY)('loads in h5py the way ACT reads it (bool(sim), float32, chunked frames) (needs python3-h5py)', () => {
    const out = runPython(
      PYTHON_H5PY!,
      `import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], 'r') as root:
    img = root['/observations/images/top']
    print(json.dumps({
      'sim': bool(root.attrs['sim']),
      'qpos': root['/observations/qpos'][()].tolist(), 'qpos_dtype': str(root['/observations/qpos'].dtype),
      'action_shape': list(root['/action'].shape), 'action_dtype': str(root['/action'].dtype),
      'img_shape': list(img.shape), 'img_dtype': str(img.dtype), 'img_chunks': list(img.chunks),
      'img_t3': img[3].reshape(-1).tolist(), 'compression': img.compression,
      'instruction': root.attrs['instruction'] if isinstance(root.attrs['instruction'], str) else root.attrs['instruction'].decode()}))`,
      [file],
    );
    const r = JSON.parse(out);
    expect(r.sim).toBe(true);
    expect(r.qpos_dtype).toBe('float32');
    expect(r.qpos.flat()).toEqual(Array.from(episode.qpos));
    expect(r.action_shape).toEqual([T, 2]);
    expect(r.action_dtype).toBe('float32');
    expect(r.img_shape).toEqual([T, 6, 8, 3]);
    expect(r.img_dtype).toBe('uint8');
    expect(r.img_chunks).toEqual([1, 6, 8, 3]);
    expect(r.compression).toBeNull();
    expect(r.img_t3).toEqual(Array.from(episode.images.top[3]!.data));
    expect(r.instruction).toBe('pick the cube');
  });

  it.skipIf(!PYTHON_H5PY)('without qvel, still has the /observations/qvel ACT reads (zeros), and reads back as absent (needs python3-h5py)', async () => {
    const f = join(dir, 'noqvel/episode_0.hdf5');
    const { qvel: _drop, ...noQvel } = episode;
    await writeAlohaEpisode(f, noQvel, { sim: false });
    const out = runPython(PYTHON_H5PY!, `import sys, h5py
with h5py.File(sys.argv[1], 'r') as root:
    print(bool(root.attrs['sim']), root['/observations/qvel'][2].tolist(), root['/observations/qpos'][2].tolist())`, [f]);
    expect(out.trim()).toBe('False [0.0, 0.0, 0.0] [3.0, 3.5, 4.0]');
    const ep = await AlohaHdf5Episode.open(f);
    expect(ep.qvel).toBeUndefined();
    expect(ep.sim).toBe(false);
    ep.close();
  });

  it('abort() leaves an existing episode file untouched', async () => {
    const before = (await AlohaHdf5Episode.open(file));
    const qposBefore = Array.from(before.qpos);
    before.close();
    const w = await AlohaEpisodeWriter.create(file, { stateDim: 3, actionDim: 2, cameras: {}, sim: false });
    w.append({ qpos: new Float32Array(3), action: new Float32Array(2), images: {} });
    await w.abort();
    expect(readdirSync(join(dir, 'rt'))).toEqual(['episode_0.hdf5']);
    const after = await AlohaHdf5Episode.open(file);
    expect(Array.from(after.qpos)).toEqual(qposBefore);
    after.close();
  });
});

afterAll(() => undefined);
