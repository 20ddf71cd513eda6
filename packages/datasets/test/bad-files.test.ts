import { cpSync, copyFileSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlohaDataset, AlohaHdf5Episode, DatasetFormatError, LeRobotDataset, LeRobotV3Writer, writeParquetFile } from '../src/index.js';
import { FIXTURES, PYTHON_H5PY, runPython, syntheticFrame, tempDir } from './helpers.js';

async function expectFormatError(p: Promise<unknown>, file: string, field: string | RegExp, problem: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a DatasetFormatError').toBeInstanceOf(DatasetFormatError);
  const e = err as DatasetFormatError;
  expect(e.file).toBe(file);
  if (typeof field === 'string') expect(e.field).toBe(field);
  else expect(e.field).toMatch(field);
  expect(e.message).toMatch(problem);
  expect(e.message).toContain(file);
}

/** Build a small HDF5 episode with h5wasm, letting `edit` break one thing. */
async function badEpisode(name: string, edit: (f: h5wasm.File) => void, base: Partial<{ T: number; actionT: number }> = {}): Promise<string> {
  await h5wasm.ready;
  const file = join(tempDir(), `${name}.hdf5`);
  const T = base.T ?? 4;
  const f = new h5wasm.File(file, 'w');
  f.create_attribute('sim', 1, null, '<B');
  const obs = f.create_group('observations');
  obs.create_group('images');
  edit(f);
  if (f.get('observations/qpos') === null) obs.create_dataset({ name: 'qpos', data: new Float32Array(T * 2), shape: [T, 2], dtype: '<f' });
  if (f.get('action') === null) f.create_dataset({ name: 'action', data: new Float32Array((base.actionT ?? T) * 2), shape: [base.actionT ?? T, 2], dtype: '<f' });
  f.close();
  return file;
}

describe('bad ALOHA HDF5 files', () => {
  it('truncated file: names the file and the superblock size it should have', async () => {
    const file = join(tempDir(), 'episode_0.hdf5');
    copyFileSync(join(FIXTURES, 'aloha/sim/episode_0.hdf5'), file);
    truncateSync(file, Math.floor(statSync(file).size * 0.7));
    await expectFormatError(AlohaHdf5Episode.open(file), file, 'superblock end-of-file address', /truncated/);
  });

  it('not HDF5 at all', async () => {
    const file = join(tempDir(), 'episode_0.hdf5');
    writeFileSync(file, 'hello, not hdf5');
    await expectFormatError(AlohaHdf5Episode.open(file), file, 'byte 0', /HDF5 signature/);
  });

  it('missing sim attribute, missing /observations/qpos, 1-D /action', async () => {
    const noAction = await badEpisode('no-action', (f) => f.create_dataset({ name: 'action', data: new Uint8Array(0), shape: [0], dtype: '<B' }).attrs);
    await expectFormatError(AlohaHdf5Episode.open(noAction), noAction, '/action', /2-D array/);
    await h5wasm.ready;
    const file = join(tempDir(), 'nosim.hdf5');
    const f = new h5wasm.File(file, 'w');
    f.create_dataset({ name: 'action', data: new Float32Array(4), shape: [2, 2], dtype: '<f' });
    f.close();
    await expectFormatError(AlohaHdf5Episode.open(file), file, '/ attribute sim', /missing/);
    const f2 = new h5wasm.File(file, 'w');
    f2.create_attribute('sim', 0, null, '<B');
    f2.create_dataset({ name: 'action', data: new Float32Array(4), shape: [2, 2], dtype: '<f' });
    f2.close();
    await expectFormatError(AlohaHdf5Episode.open(file), file, '/observations/qpos', /missing dataset/);
  });

  it('wrong shape and wrong dtype of camera frames', async () => {
    const rgba = await badEpisode('rgba', (f) =>
      (f.get('observations/images') as h5wasm.Group).create_dataset({ name: 'top', data: new Uint8Array(4 * 2 * 2 * 4), shape: [4, 2, 2, 4], dtype: '<B' }),
    );
    await expectFormatError(AlohaHdf5Episode.open(rgba), rgba, '/observations/images/top', /\[T, H, W, 3\]/);
    const floats = await badEpisode('float-images', (f) =>
      (f.get('observations/images') as h5wasm.Group).create_dataset({ name: 'top', data: new Float32Array(4 * 2 * 2 * 3), shape: [4, 2, 2, 3], dtype: '<f' }),
    );
    await expectFormatError(AlohaHdf5Episode.open(floats), floats, '/observations/images/top', /expected dtype uint8/);
    const intQpos = await badEpisode('int-qpos', (f) =>
      (f.get('observations') as h5wasm.Group).create_dataset({ name: 'qpos', data: new Int32Array(8), shape: [4, 2], dtype: '<i' }),
    );
    await expectFormatError(AlohaHdf5Episode.open(intQpos), intQpos, '/observations/qpos', /float32 or float64/);
  });

  it('arrays that disagree in length', async () => {
    const file = await badEpisode('short-action', () => undefined, { T: 4, actionT: 3 });
    await expectFormatError(AlohaHdf5Episode.open(file), file, '/action', /3 steps but \/observations\/qpos has 4/);
    const frames = await badEpisode('short-images', (f) =>
      (f.get('observations/images') as h5wasm.Group).create_dataset({ name: 'top', data: new Uint8Array(3 * 12), shape: [3, 2, 2, 3], dtype: '<B' }),
    );
    await expectFormatError(AlohaHdf5Episode.open(frames), frames, '/observations/images/top', /3 frames but/);
  });

  it.skipIf(!PYTHON_H5PY)('LZF-compressed data (which h5wasm would read as garbage) is refused (needs python3-h5py)', async () => {
    const file = join(tempDir(), 'lzf.hdf5');
    runPython(PYTHON_H5PY!, `import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'w') as r:
    r.attrs['sim'] = True
    r.create_dataset('observations/qpos', data=np.zeros((4, 2), 'f4'), compression='lzf')
    r.create_dataset('action', data=np.zeros((4, 2), 'f4'))`, [file]);
    await expectFormatError(AlohaHdf5Episode.open(file), file, '/observations/qpos', /filter 32000/);
  });

  it('a gap in episode numbering is named', async () => {
    const dir = tempDir();
    copyFileSync(join(FIXTURES, 'aloha/sim/episode_0.hdf5'), join(dir, 'episode_0.hdf5'));
    copyFileSync(join(FIXTURES, 'aloha/sim/episode_1.hdf5'), join(dir, 'episode_2.hdf5'));
    await expectFormatError(AlohaDataset.open(dir), dir, 'episode_1.hdf5', /without gaps/);
  });
});

describe('bad LeRobot datasets', () => {
  let good: string;
  beforeAll(async () => {
    good = join(tempDir(), 'good');
    // Tiny file-size limits: each episode gets its own data and video file (a layout LeRobot writes too).
    const w = await LeRobotV3Writer.open(good, { fps: 10, stateDim: 2, actionDim: 2, cameras: { top: [16, 16] }, dataFilesSizeInMb: 1e-4, videoFilesSizeInMb: 1e-4 });
    for (const seed of [0, 1]) {
      await w.writeEpisode(
        { length: 4, stateDim: 2, actionDim: 2, qpos: new Float32Array(8).fill(seed), action: new Float32Array(8), images: { top: Array.from({ length: 4 }, (_, t) => syntheticFrame(t, seed, 16, 16)) } },
        'task',
      );
    }
  });
  const copy = () => {
    const dir = join(tempDir(), 'ds');
    cpSync(good, dir, { recursive: true });
    return dir;
  };
  const hashTree = (dir: string) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => `${join(d.parentPath, d.name)}:${createHash('sha1').update(readFileSync(join(d.parentPath, d.name))).digest('hex')}`)
      .sort()
      .join('\n');

  it('truncated Parquet file', async () => {
    const dir = copy();
    const file = join(dir, 'data/chunk-000/file-001.parquet');
    truncateSync(file, statSync(file).size - 10);
    await expectFormatError(LeRobotDataset.open(dir), file, 'footer', /PAR1/);
  });

  it('corrupt Parquet data pages', async () => {
    const dir = copy();
    const file = join(dir, 'meta/episodes/chunk-000/file-000.parquet');
    const bytes = readFileSync(file);
    for (let i = 4; i < bytes.length - 200; i++) bytes[i] = (bytes[i]! * 31 + 7) & 0xff;
    writeFileSync(file, bytes);
    await expectFormatError(LeRobotDataset.open(dir), file, /footer|row groups|column/, /corrupt|expected|missing/);
  });

  it('corrupt video: the frame read names the mp4 and the stream', async () => {
    const dir = copy();
    const file = join(dir, 'videos/observation.images.top/chunk-000/file-001.mp4');
    writeFileSync(file, Buffer.alloc(2000, 7));
    const ds = await LeRobotDataset.open(dir);
    await expectFormatError(ds.episodes[1]!.readImage('top', 0), file, /stream observation.images.top \(episode 1, frame 0\)/, /cannot decode/);
    expect((await ds.episodes[0]!.readImage('top', 1)).data.length).toBe(16 * 16 * 3);
  });

  it('metadata pointing outside the dataset folder', async () => {
    const dir = copy();
    const infoFile = join(dir, 'meta/info.json');
    const info = JSON.parse(readFileSync(infoFile, 'utf8'));
    info.video_path = '../../../etc/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4';
    writeFileSync(infoFile, JSON.stringify(info));
    await expectFormatError(LeRobotDataset.open(dir), infoFile, 'video_path', /outside the dataset folder/);
    info.video_path = '/etc/passwd';
    writeFileSync(infoFile, JSON.stringify(info));
    await expectFormatError(LeRobotDataset.open(dir), infoFile, 'video_path', /outside the dataset folder/);
  });

  it('wrong vector length and table rows that disagree with the episode length', async () => {
    const dir = copy();
    const infoFile = join(dir, 'meta/info.json');
    const info = JSON.parse(readFileSync(infoFile, 'utf8'));
    info.features['observation.state'].shape = [3];
    writeFileSync(infoFile, JSON.stringify(info));
    await expectFormatError(LeRobotDataset.open(dir), join(dir, 'data/chunk-000/file-000.parquet'), 'column observation.state', /list of 3 numbers/);
    info.features['observation.state'].shape = [2];
    info.codebase_version = 'v9';
    writeFileSync(infoFile, JSON.stringify(info));
    await expectFormatError(LeRobotDataset.open(dir), infoFile, 'codebase_version', /v3\.0/);
  });

  it('a data file whose rows disagree with the episode length', async () => {
    const dir = copy();
    const file = join(dir, 'data/chunk-000/file-001.parquet');
    const rows = [0, 1, 2];
    await writeParquetFile(file, [
      { name: 'observation.state', type: 'FLOAT_LIST', data: rows.map(() => [0, 0]) },
      { name: 'action', type: 'FLOAT_LIST', data: rows.map(() => [0, 0]) },
      { name: 'frame_index', type: 'INT64', data: rows },
      { name: 'episode_index', type: 'INT64', data: rows.map(() => 1) },
    ]);
    await expectFormatError(LeRobotDataset.open(dir), file, 'episode_index', /episode 1 has 3 rows but the episode metadata says length 4/);
  });

  it('a writer refuses to append to a broken dataset and changes nothing', async () => {
    const dir = copy();
    const file = join(dir, 'data/chunk-000/file-000.parquet');
    truncateSync(file, 100);
    const before = hashTree(dir);
    await expect(LeRobotV3Writer.open(dir, { fps: 10, stateDim: 2, actionDim: 2, cameras: { top: [16, 16] } })).rejects.toBeInstanceOf(DatasetFormatError);
    expect(hashTree(dir)).toBe(before);
  });
});
