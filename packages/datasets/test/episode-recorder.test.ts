import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Action, Observation } from '@actfusion/contracts';
import type { Robot, RobotSpec } from '@actfusion/robot-io';
import { describe, expect, it } from 'vitest';
import { AlohaDataset, AlohaHdf5Sink, EpisodeRecorder, LeRobotDataset, LeRobotV3Sink } from '../src/index.js';
import { meanAbsDiff, syntheticFrame, tempDir } from './helpers.js';

/** A tiny fake robot for unit tests: qpos moves toward the last action. */
class FakeRobot implements Robot {
  readonly spec: RobotSpec = {
    name: 'fake-arm',
    joints: [{ name: 'shoulder', limits: [-1, 1] }, { name: 'gripper', limits: [0, 1], kind: 'gripper' }],
    cameras: [{ name: 'top', height: 16, width: 16 }],
    controlHz: 50,
  };
  qpos = new Float32Array(2);
  tick = 0;
  acted: Action[] = [];
  async connect() {}
  async disconnect() {}
  async observe(): Promise<Observation> {
    return {
      'observation.state': this.qpos.slice(),
      'observation.velocity': new Float32Array([this.tick, 0]),
      'observation.images.top': syntheticFrame(this.tick, 0, 16, 16),
    };
  }
  async act(action: Action) {
    this.acted.push(action);
    this.qpos = Float32Array.from(this.qpos, (q, i) => q + 0.5 * (action[i]! - q));
    this.tick++;
  }
}

const expert = (obs: Observation, t: number) => Float32Array.from([Math.sin(t / 3), t % 2]);

describe('EpisodeRecorder', () => {
  it('records ALOHA HDF5 episodes at the robot rate with their metadata', async () => {
    const dir = tempDir();
    const robot = new FakeRobot();
    const sleeps: number[] = [];
    let clock = 0;
    const rec = new EpisodeRecorder(robot, new AlohaHdf5Sink(dir, { sim: true }), {
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    const r0 = await rec.record({ controller: expert, steps: 6, instruction: 'wave' });
    expect(r0.steps).toBe(6);
    expect(r0.meanHz).toBeCloseTo(50, 6);
    expect(sleeps.every((ms) => Math.abs(ms - 20) < 1e-9)).toBe(true);
    await rec.record({ controller: expert, steps: 10, shouldStop: (_o, t) => t === 3 });
    expect(readdirSync(dir).sort()).toEqual(['episode_0.hdf5', 'episode_1.hdf5']);
    const ds = await AlohaDataset.open(dir);
    try {
      const ep = ds.episodes[0]!;
      expect(ep.length).toBe(6);
      expect(ds.episodes[1]!.length).toBe(4);
      expect(ds.fps).toBe(50);
      expect(ep.instruction).toBe('wave');
      expect(ep.attributes['robot']).toBe('fake-arm');
      expect(JSON.parse(String(ep.attributes['camera_names']))).toEqual(['top']);
      expect(Array.from(ep.action.subarray(4, 6))).toEqual(Array.from(robot.acted[2]!));
      expect(ep.qvel![2 * 3]).toBe(3);
      const f = await ep.readImage('top', 5);
      expect(Array.from(f.data)).toEqual(Array.from(syntheticFrame(5, 0, 16, 16).data));
    } finally {
      await ds.close();
    }
  });

  it('a failing controller drops only the episode in progress', async () => {
    const dir = tempDir();
    const rec = new EpisodeRecorder(new FakeRobot(), new AlohaHdf5Sink(dir, { sim: false }), { realtime: false });
    await rec.record({ controller: expert, steps: 3 });
    await expect(
      rec.record({
        controller: (o, t) => {
          if (t === 2) throw new Error('teleop disconnected');
          return expert(o, t);
        },
        steps: 5,
      }),
    ).rejects.toThrow('teleop disconnected');
    expect(readdirSync(dir)).toEqual(['episode_0.hdf5']);
    const ds = await AlohaDataset.open(dir);
    expect(ds.episodes[0]!.length).toBe(3);
    await ds.close();
  });

  it('records LeRobot v3.0 (H.264 video) and keeps earlier episodes when one fails', async () => {
    const root = join(tempDir(), 'lerobot');
    const rec = new EpisodeRecorder(new FakeRobot(), new LeRobotV3Sink(root), { realtime: false });
    const r = await rec.record({ controller: expert, steps: 5, instruction: 'wave' });
    expect(r.location).toMatch(/#episode_0$/);
    await expect(rec.record({ controller: () => { throw new Error('boom'); }, steps: 5 })).rejects.toThrow('boom');
    await rec.record({ controller: expert, steps: 4, instruction: 'wave again' });
    const ds = await LeRobotDataset.open(root);
    expect(ds.info.robot_type).toBe('fake-arm');
    expect(ds.episodes.map((e) => [e.length, e.instruction])).toEqual([[5, 'wave'], [4, 'wave again']]);
    const f = await ds.episodes[1]!.readImage('top', 2);
    expect(meanAbsDiff(f.data, syntheticFrame(7, 0, 16, 16).data)).toBeLessThan(12);
    // Both kept episodes share one video file (packed up to 200 MB); the failed one left nothing behind.
    expect(readdirSync(join(root, 'videos/observation.images.top/chunk-000')).sort()).toEqual(['file-000.mp4']);
    expect(readdirSync(root).sort()).toEqual(['data', 'meta', 'videos']);
    await ds.close();
  });
});
