import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tactileKey, taxelsKey, type Action, type FeatureSpec, type ImageFrame, type Observation, type Robot, type RobotSpec } from '@actfusion/contracts';
import { describe, expect, it } from 'vitest';
import {
  AlohaDataset,
  AlohaHdf5Sink,
  EpisodeRecorder,
  exportAlohaEpisodes,
  LeRobotDataset,
  LeRobotV3Sink,
  LeRobotV3Writer,
  lerobotFeatureOptions,
  readParquetRows,
  VideoEncoder,
  writeAlohaEpisode,
  writeParquetFile,
  type Episode,
  type EpisodeData,
} from '../src/index.js';
import { PYTHON_H5PY, meanAbsDiff, runPython, syntheticFrame, tempDir } from './helpers.js';

/**
 * Every modality through both formats: the instruction, tactile images (`observation.tactile.<sensor>`)
 * and taxel arrays (`observation.taxels.<sensor>`), next to state, action and a camera.
 */

const SENSORS = ['left_finger_a', 'right_finger_a'];
const TAXELS: [number, number] = [4, 3];
const TACTILE: [number, number] = [16, 12];
const SPECS: FeatureSpec[] = [
  ...SENSORS.map((s): FeatureSpec => ({ key: tactileKey(s), kind: 'tactile-image', shape: [...TACTILE, 3] })),
  ...SENSORS.map((s): FeatureSpec => ({ key: taxelsKey(s), kind: 'taxels', shape: TAXELS })),
];
const taxels = (t: number, seed: number, s: number) => Float32Array.from({ length: TAXELS[0] * TAXELS[1] }, (_, i) => Math.fround(Math.sin(0.3 * t + i + 7 * s) * (seed + 1)));
const tactileImage = (t: number, seed: number, s: number) => syntheticFrame(t, 10 * seed + s + 3, TACTILE[0], TACTILE[1]);

function episode(T: number, seed: number, instruction: string): EpisodeData {
  const features: Record<string, { spec: FeatureSpec; frames: (ImageFrame | Float32Array)[] }> = {};
  SENSORS.forEach((s, si) => {
    features[tactileKey(s)] = { spec: SPECS[si]!, frames: Array.from({ length: T }, (_, t) => tactileImage(t, seed, si)) };
    features[taxelsKey(s)] = { spec: SPECS[SENSORS.length + si]!, frames: Array.from({ length: T }, (_, t) => taxels(t, seed, si)) };
  });
  return {
    length: T,
    stateDim: 2,
    actionDim: 2,
    qpos: Float32Array.from({ length: 2 * T }, (_, i) => seed + i / 10),
    action: Float32Array.from({ length: 2 * T }, (_, i) => seed - i / 10),
    images: { top: Array.from({ length: T }, (_, t) => syntheticFrame(t, seed, 16, 16)) },
    instruction,
    features,
  };
}

/** The episode carries every modality of `episode(T, seed, instruction)`: exact taxels, tactile frames within `tol`. */
async function expectModalities(ep: Episode, T: number, seed: number, instruction: string, tol: number): Promise<void> {
  expect(ep.length).toBe(T);
  expect(ep.instruction).toBe(instruction);
  const mine = new Set(SPECS.map((f) => f.key));
  expect(ep.features.filter((f) => mine.has(f.key)).sort((a, b) => a.key.localeCompare(b.key))).toEqual([...SPECS].sort((a, b) => a.key.localeCompare(b.key)));
  expect(ep.features[0]!.key).toBe('observation.state');
  expect(ep.features.at(-1)).toEqual({ key: 'task', kind: 'text', shape: [] });
  expect(ep.task).toBe(instruction);
  const size = TAXELS[0] * TAXELS[1];
  for (const [si, s] of SENSORS.entries()) {
    expect(ep.vectors[taxelsKey(s)]).toHaveLength(T * size);
    for (const t of [0, T - 1]) {
      expect(Array.from(ep.vectors[taxelsKey(s)]!.subarray(t * size, (t + 1) * size))).toEqual(Array.from(taxels(t, seed, si)));
      const img = await ep.readFrame(tactileKey(s), t);
      expect([img.height, img.width]).toEqual(TACTILE);
      const own = meanAbsDiff(img.data, tactileImage(t, seed, si).data);
      expect(own).toBeLessThanOrEqual(tol);
      expect(meanAbsDiff(img.data, tactileImage(t, seed, 1 - si).data)).toBeGreaterThan(own + 5);
    }
  }
}

describe('ALOHA HDF5 carries instruction, tactile images and taxels', () => {
  it('round-trips them exactly and h5py reads them (root attribute instruction, /observations/tactile|taxels/<sensor>)', async () => {
    const dir = tempDir();
    await writeAlohaEpisode(join(dir, 'episode_0.hdf5'), episode(5, 1, 'lift the red cube'), { sim: true });
    // The instruction given both ways (EpisodeData.instruction and an `instruction` attribute) is written once.
    await writeAlohaEpisode(join(dir, 'episode_1.hdf5'), episode(4, 2, 'lift the blue cube'), { sim: true, attributes: { instruction: 'lift the blue cube', seed: 2 } });
    const ds = await AlohaDataset.open(dir);
    try {
      await expectModalities(ds.episodes[0]!, 5, 1, 'lift the red cube', 0);
      await expectModalities(ds.episodes[1]!, 4, 2, 'lift the blue cube', 0);
    } finally {
      await ds.close();
    }
    if (!PYTHON_H5PY) return;
    const out = runPython(
      PYTHON_H5PY,
      `import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
instr = f.attrs['instruction']
instr = instr.decode() if isinstance(instr, bytes) else str(instr)
print(json.dumps({'instruction': instr,
  'tactile': {k: [list(v.shape), str(v.dtype), int(v[4, 0, 0, 0])] for k, v in f['observations/tactile'].items()},
  'taxels': {k: [list(v.shape), str(v.dtype), float(v[4, 1, 2])] for k, v in f['observations/taxels'].items()}}))`,
      [join(dir, 'episode_0.hdf5')],
    );
    const r = JSON.parse(out);
    expect(r.instruction).toBe('lift the red cube');
    expect(r.tactile['left_finger_a']).toEqual([[5, ...TACTILE, 3], 'uint8', tactileImage(4, 1, 0).data[0]]);
    expect(r.taxels['right_finger_a'][0]).toEqual([5, ...TAXELS]);
    expect(r.taxels['right_finger_a'][1]).toBe('float32');
    expect(r.taxels['right_finger_a'][2]).toBeCloseTo(taxels(4, 1, 1)[1 * TAXELS[1] + 2]!, 6);
  });
});

describe('LeRobot v3.0 carries the task, tactile videos and taxel vectors', () => {
  it('round-trips them (task_index + tasks.parquet, observation.tactile.* videos, observation.taxels.* float32 with r<row>c<col> names)', async () => {
    const root = join(tempDir(), 'ds');
    const w = await LeRobotV3Writer.open(root, { fps: 20, stateDim: 2, actionDim: 2, cameras: { top: [16, 16] }, ...lerobotFeatureOptions(SPECS) });
    await w.writeEpisode(episode(6, 1, 'lift the red cube'));
    await w.writeEpisode(episode(5, 2, 'lift the blue cube'));
    await w.writeEpisode(episode(4, 3, 'lift the red cube'));
    const info = JSON.parse(readFileSync(join(root, 'meta/info.json'), 'utf8'));
    expect(info.features[taxelsKey('left_finger_a')]).toEqual({ dtype: 'float32', shape: [12], names: ['r0c0', 'r0c1', 'r0c2', 'r1c0', 'r1c1', 'r1c2', 'r2c0', 'r2c1', 'r2c2', 'r3c0', 'r3c1', 'r3c2'] });
    expect(info.features[tactileKey('left_finger_a')]).toMatchObject({ dtype: 'video', shape: [...TACTILE, 3] });
    const data = await readParquetRows(join(root, 'data/chunk-000/file-000.parquet'));
    expect(data.map((r) => Number(r['task_index']))).toEqual([...Array(6).fill(0), ...Array(5).fill(1), ...Array(4).fill(0)]);
    const stats = JSON.parse(readFileSync(join(root, 'meta/stats.json'), 'utf8'));
    expect(stats[taxelsKey('left_finger_a')].mean).toHaveLength(12);
    expect(stats[tactileKey('left_finger_a')].mean).toHaveLength(3);
    const ds = await LeRobotDataset.open(root, { decodeWindow: 8 });
    try {
      expect(ds.cameras).toEqual({ top: [16, 16] });
      expect(ds.tasks).toEqual(['lift the red cube', 'lift the blue cube']);
      await expectModalities(ds.episodes[0]!, 6, 1, 'lift the red cube', 12);
      await expectModalities(ds.episodes[1]!, 5, 2, 'lift the blue cube', 12);
      await expectModalities(ds.episodes[2]!, 4, 3, 'lift the red cube', 12);
      // ... and on to ALOHA HDF5 with everything.
      const out = tempDir();
      await exportAlohaEpisodes(ds, out);
      const aloha = await AlohaDataset.open(out);
      try {
        await expectModalities(aloha.episodes[1]!, 5, 2, 'lift the blue cube', 12);
      } finally {
        await aloha.close();
      }
    } finally {
      await ds.close();
    }
  });
});

describe('LeRobot v2.1 read: task_index, tactile video, taxel column', () => {
  it('takes the instruction from the frames task_index into tasks.jsonl', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'meta'), { recursive: true });
    const eps = [episode(5, 1, 'lift the blue cube'), episode(4, 2, 'lift the red cube')];
    writeFileSync(join(root, 'meta/tasks.jsonl'), '{"task_index": 0, "task": "lift the red cube"}\n{"task_index": 1, "task": "lift the blue cube"}\n');
    writeFileSync(join(root, 'meta/episodes.jsonl'), eps.map((e, i) => JSON.stringify({ episode_index: i, tasks: [e.instruction], length: e.length })).join('\n') + '\n');
    const sensor = 'left_finger_a';
    writeFileSync(join(root, 'meta/info.json'), JSON.stringify({
      codebase_version: 'v2.1', robot_type: 'aloha', total_episodes: 2, total_frames: 9, total_tasks: 2, total_videos: 2, total_chunks: 1, chunks_size: 1000, fps: 25,
      splits: { train: '0:2' },
      data_path: 'data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet',
      video_path: 'videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4',
      features: {
        [tactileKey(sensor)]: { dtype: 'video', shape: [...TACTILE, 3], names: ['height', 'width', 'channels'], info: { 'video.fps': 25, 'video.codec': 'h264' } },
        'observation.state': { dtype: 'float32', shape: [2], names: null },
        action: { dtype: 'float32', shape: [2], names: null },
        [taxelsKey(sensor)]: { dtype: 'float32', shape: [12], names: ['r0c0', 'r0c1', 'r0c2', 'r1c0', 'r1c1', 'r1c2', 'r2c0', 'r2c1', 'r2c2', 'r3c0', 'r3c1', 'r3c2'] },
        timestamp: { dtype: 'float32', shape: [1], names: null },
        frame_index: { dtype: 'int64', shape: [1], names: null },
        episode_index: { dtype: 'int64', shape: [1], names: null },
        index: { dtype: 'int64', shape: [1], names: null },
        task_index: { dtype: 'int64', shape: [1], names: null },
      },
    }));
    for (const [i, e] of eps.entries()) {
      const rows = Array.from({ length: e.length }, (_, t) => t);
      await writeParquetFile(join(root, `data/chunk-000/episode_${String(i).padStart(6, '0')}.parquet`), [
        { name: 'observation.state', type: 'FLOAT_LIST', data: rows.map((t) => Array.from(e.qpos.subarray(2 * t, 2 * t + 2))) },
        { name: 'action', type: 'FLOAT_LIST', data: rows.map((t) => Array.from(e.action.subarray(2 * t, 2 * t + 2))) },
        { name: taxelsKey(sensor), type: 'FLOAT_LIST', data: rows.map((t) => Array.from(e.features![taxelsKey(sensor)]!.frames[t] as Float32Array)) },
        { name: 'timestamp', type: 'FLOAT', data: rows.map((t) => t / 25) },
        { name: 'frame_index', type: 'INT64', data: rows },
        { name: 'episode_index', type: 'INT64', data: rows.map(() => i) },
        { name: 'task_index', type: 'INT64', data: rows.map(() => (i === 0 ? 1 : 0)) },
      ]);
      const enc = new VideoEncoder(join(root, `videos/chunk-000/${tactileKey(sensor)}/episode_${String(i).padStart(6, '0')}.mp4`), TACTILE[0], TACTILE[1], 25, 'h264');
      for (const f of e.features![tactileKey(sensor)]!.frames) await enc.write(f as ImageFrame);
      await enc.finish();
    }
    const ds = await LeRobotDataset.open(root);
    try {
      expect(ds.cameras).toEqual({});
      const ep = ds.episodes[0]!;
      expect([ep.instruction, ds.episodes[1]!.instruction]).toEqual(['lift the blue cube', 'lift the red cube']);
      expect(ep.features).toEqual([
        { key: 'observation.state', kind: 'state', shape: [2] },
        { key: tactileKey(sensor), kind: 'tactile-image', shape: [...TACTILE, 3] },
        { key: taxelsKey(sensor), kind: 'taxels', shape: TAXELS },
        { key: 'task', kind: 'text', shape: [] },
      ]);
      expect(Array.from(ep.vectors[taxelsKey(sensor)]!.subarray(36, 48))).toEqual(Array.from(taxels(3, 1, 0)));
      expect(meanAbsDiff((await ep.readFrame(tactileKey(sensor), 2)).data, tactileImage(2, 1, 0).data)).toBeLessThan(12);
    } finally {
      await ds.close();
    }
  });
});

/** A fake robot with two tactile sensors that render tactile images. */
class TouchRobot implements Robot {
  readonly spec: RobotSpec = {
    name: 'touch-arm',
    joints: [{ name: 'shoulder', limits: [-1, 1] }, { name: 'gripper', limits: [0, 1], kind: 'gripper' }],
    cameras: [{ name: 'top', height: 16, width: 16 }],
    tactile: SENSORS.map((name) => ({ name, rows: TAXELS[0], cols: TAXELS[1] })),
    controlHz: 50,
  };
  tick = 0;
  async connect() {}
  async disconnect() {}
  async observe(): Promise<Observation> {
    const t = this.tick;
    const touch = Object.fromEntries(
      SENSORS.flatMap((s, si) => [
        [`observation.taxels.${s}`, taxels(t, 1, si)],
        [`observation.tactile.${s}`, tactileImage(t, 1, si)],
      ]),
    );
    return { 'observation.state': Float32Array.from([t, -t]), 'observation.images.top': syntheticFrame(t, 1, 16, 16), ...touch };
  }
  async act(_a: Action) {
    this.tick++;
  }
}

describe('EpisodeRecorder records touch and the instruction into both formats', () => {
  it.each([
    ['ALOHA HDF5', (dir: string) => new AlohaHdf5Sink(dir, { sim: true }), (dir: string) => AlohaDataset.open(dir), 0],
    ['LeRobot v3.0', (dir: string) => new LeRobotV3Sink(dir), (dir: string) => LeRobotDataset.open(dir, { decodeWindow: 8 }), 12],
  ] as const)('%s', async (_name, sink, open, tol) => {
    const dir = join(tempDir(), 'rec');
    const rec = new EpisodeRecorder(new TouchRobot(), sink(dir), { realtime: false });
    await rec.record({ controller: () => Float32Array.from([0, 1]), steps: 5, instruction: 'grasp gently' });
    const ds = await open(dir);
    try {
      await expectModalities(ds.episodes[0]!, 5, 1, 'grasp gently', tol);
    } finally {
      await ds.close();
    }
  });
});
