import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlohaHdf5Episode, DatasetFormatError, LeRobotDataset, LeRobotV3Writer } from '../src/index.js';
import { PYTHON_H5PY, runPython, syntheticFrame, tempDir } from './helpers.js';

// Metadata that claims huge shapes is refused, naming the file, the field and the bound, before
// anything is allocated from it: a file of a few kilobytes can declare a [1e9, 14] HDF5 dataset
// (unwritten chunks read as fill values) or 100000x100000 video frames in meta/info.json.

/** The process may not grow by more than this while refusing a hostile file. */
const NO_LARGE_ALLOCATION = 256 * 2 ** 20;

/**
 * `open()` fails with a DatasetFormatError naming `file` and `field` and matching `problem`, and the
 * process grows by less than NO_LARGE_ALLOCATION meanwhile (nothing was allocated from the claim).
 */
async function expectRefusedUnread(name: string, open: () => Promise<unknown>, file: string, field: string, problem: RegExp): Promise<DatasetFormatError> {
  const before = process.memoryUsage().rss;
  const err = await open().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(process.memoryUsage().rss - before, `${name}: memory grew while refusing the file`).toBeLessThan(NO_LARGE_ALLOCATION);
  expect(err, `${name}: expected a DatasetFormatError`).toBeInstanceOf(DatasetFormatError);
  const e = err as DatasetFormatError;
  expect(e.file, name).toBe(file);
  expect(e.field, name).toBe(field);
  expect(e.message, name).toMatch(problem);
  return e;
}

describe('HDF5 episodes claiming huge shapes', () => {
  it.skipIf(!PYTHON_H5PY)('frames, vector length, image size and taxel grid are bounded before any read (needs python3-h5py)', async () => {
    const dir = tempDir();
    const cases: [string, string, string, RegExp][] = [
      ['frames', `r.create_dataset('observations/qpos', shape=(10**9, 14), dtype='f4', chunks=(1024, 14)); r.create_dataset('action', shape=(10**9, 14), dtype='f4', chunks=(1024, 14))`, '/observations/qpos', /claims 1000000000 frames on axis 0; expected at most 1000000/],
      ['state', `r.create_dataset('observations/qpos', shape=(4, 10**7), dtype='f4', chunks=(1, 1024)); r.create_dataset('action', shape=(4, 10**7), dtype='f4', chunks=(1, 1024))`, '/observations/qpos', /claims 10000000 values per frame on axis 1; expected at most 4096/],
      ['bytes', `r.create_dataset('observations/qpos', shape=(900000, 4000), dtype='f8', chunks=(1024, 16)); r.create_dataset('action', shape=(900000, 4000), dtype='f8', chunks=(1024, 16))`, '/observations/qpos', /would need 26\.8 GiB; expected at most 2 GiB per array/],
      ['image', `${ok}; r.create_dataset('observations/images/top', shape=(4, 100000, 100000, 3), dtype='u1', chunks=(1, 64, 64, 3))`, '/observations/images/top', /claims 100000 pixels on axis 1; expected at most 4096/],
      ['taxels', `${ok}; r.create_dataset('observations/taxels/pad', shape=(4, 4000, 4000), dtype='f4', chunks=(1, 64, 64))`, '/observations/taxels/pad', /claims 16000000 taxel cells on axis 1; expected at most 65536/],
    ];
    for (const [name, create, field, problem] of cases) {
      const file = join(dir, `${name}.hdf5`);
      runPython(PYTHON_H5PY!, `import sys, h5py\nwith h5py.File(sys.argv[1], 'w') as r:\n    r.attrs['sim'] = True\n    ${create}`, [file]);
      const e = await expectRefusedUnread(name, () => AlohaHdf5Episode.open(file), file, field, problem);
      expect(e.message, name).toContain(file);
    }
  });
});
/** Claim 100000x100000 frames in the shape and in the video info alike. */
function hugeVideo(f: Record<string, any>): void {
  f.shape = (f.names as string[]).map((n) => (n === 'height' || n === 'width' ? 100000 : 3));
  for (const info of [f.info, f.video_info]) if (info) Object.assign(info, { 'video.height': 100000, 'video.width': 100000 });
}
const ok = `r.create_dataset('observations/qpos', shape=(4, 2), dtype='f4'); r.create_dataset('action', shape=(4, 2), dtype='f4')`;

describe('LeRobot meta/info.json claiming huge or malformed shapes, rates and counts', () => {
  let good: string;
  beforeAll(async () => {
    good = join(tempDir(), 'good');
    const w = await LeRobotV3Writer.open(good, { fps: 10, stateDim: 2, actionDim: 2, cameras: { top: [16, 16] } });
    await w.writeEpisode({ length: 4, stateDim: 2, actionDim: 2, qpos: new Float32Array(8), action: new Float32Array(8), images: { top: Array.from({ length: 4 }, (_, t) => syntheticFrame(t, 0, 16, 16)) } }, 'task');
  });

  it('names info.json, the field and what was expected', async () => {
    const mutations: [string, (info: Record<string, any>) => void, string, RegExp][] = [
      ['state shape 1e9', (i) => (i.features['observation.state'].shape = [1e9]), 'features.observation.state.shape', /claims 1000000000 values per frame; expected at most 1000000/],
      ['video 100000 x 100000', (i) => hugeVideo(i.features['observation.images.top']), 'features.observation.images.top.shape', /claims 100000x100000 frames with 3 channels; expected at most 4096x4096/],
      ['shape axis 0', (i) => (i.features['action'].shape = [0]), 'features.action.shape', /axis 0 is 0; expected a positive integer/],
      ['shape axis a string', (i) => (i.features['action'].shape = ['2']), 'features.action.shape', /axis 0 is "2"; expected a positive integer/],
      ['fps 1e9', (i) => (i.fps = 1e9), 'fps', /up to 1000, got 1000000000/],
      ['fps a string', (i) => (i.fps = '30'), 'fps', /expected a non-negative number, got "30"/],
      ['total_frames 1.5', (i) => (i.total_frames = 1.5), 'total_frames', /expected a non-negative integer, got 1\.5/],
      ['total_episodes -1', (i) => (i.total_episodes = -1), 'total_episodes', /expected a non-negative number, got -1/],
      ['chunks_size 0', (i) => (i.chunks_size = 0), 'chunks_size', /expected a positive integer, got 0/],
    ];
    for (const [name, mutate, field, problem] of mutations) {
      const dir = join(tempDir(), 'ds');
      cpSync(good, dir, { recursive: true });
      const infoFile = join(dir, 'meta/info.json');
      const info = JSON.parse(readFileSync(infoFile, 'utf8'));
      mutate(info);
      writeFileSync(infoFile, JSON.stringify(info));
      await expectRefusedUnread(name, () => LeRobotDataset.open(dir), infoFile, field, problem);
    }
  });

  it('a data file that is a symbolic link out of the dataset folder is refused, unread', async () => {
    const dir = join(tempDir(), 'ds');
    cpSync(good, dir, { recursive: true });
    const outside = join(tempDir(), 'secret.parquet');
    writeFileSync(outside, 'not yours');
    const data = join(dir, 'data/chunk-000/file-000.parquet');
    rmSync(data);
    symlinkSync(outside, data);
    await expectRefusedUnread(
      'symbolic link',
      () => LeRobotDataset.open(dir),
      join(dir, 'meta/info.json'),
      'data_path',
      /"data\/chunk-000\/file-000\.parquet" is a symbolic link to .*secret\.parquet, outside the dataset folder/,
    );
  });
});
