import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlohaHdf5Episode } from '@actfusion/datasets';
import { SimRobot } from '@actfusion/robot-io';
import { actfusion } from './support/in-process-cli.js';

describe('actfusion record on the multi-instruction and contact tasks (real MuJoCo, HDF5)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'actfusion-record-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lift-colored-cube: each episode file carries the instruction its seed picked', async () => {
    const out = join(dir, 'colored');
    const log = await actfusion('record', '--task', 'lift-colored-cube', '--episodes', '2', '--out', out, '--cameras', 'angle', '--height', '24', '--width', '32', '--first-seed', '2');
    expect(log).toMatch(/recorded 2 episodes/);
    const robot = await SimRobot.create({ task: 'lift-colored-cube', cameras: [], tactile: false });
    try {
      const seen: string[] = [];
      for (const [i, seed] of [2, 3].entries()) {
        const ep = await AlohaHdf5Episode.open(join(out, `episode_${i}.hdf5`), i);
        try {
          robot.reset(seed);
          expect({ seed, instruction: ep.instruction }).toEqual({ seed, instruction: robot.instruction });
          expect(ep.attributes.task).toBe('lift-colored-cube');
          seen.push(ep.instruction!);
        } finally {
          ep.close();
        }
      }
      // Seeds 2 and 3 ask for different cubes, so the two files must differ here.
      expect(new Set(seen).size).toBe(2);
    } finally {
      robot.close();
    }
  });

  it('occluded-pick records too, and an unknown task is refused with the list of tasks', async () => {
    const out = join(dir, 'occluded');
    expect(await actfusion('record', '--task', 'occluded-pick', '--episodes', '1', '--out', out, '--cameras', 'angle', '--height', '12', '--width', '16')).toMatch(/recorded 1 episodes/);
    const ep = await AlohaHdf5Episode.open(join(out, 'episode_0.hdf5'), 0);
    try {
      expect([ep.length, ep.instruction]).toEqual([350, 'lift the tall block from under the cover']);
      // the finger sensors are recorded both ways: raw taxel forces and the rendered tactile image
      expect(ep.features.filter((f) => f.kind === 'tactile-image' || f.kind === 'taxels').map((f) => [f.key, f.kind, f.shape])).toEqual([
        ['observation.tactile.right_finger_a', 'tactile-image', [16, 16, 3]],
        ['observation.tactile.right_finger_b', 'tactile-image', [16, 16, 3]],
        ['observation.taxels.right_finger_a', 'taxels', [4, 4]],
        ['observation.taxels.right_finger_b', 'taxels', [4, 4]],
      ]);
      expect(ep.vectors['observation.taxels.right_finger_a']).toHaveLength(350 * 16);
      expect((await ep.readFrame('observation.tactile.right_finger_a', 0)).data).toHaveLength(16 * 16 * 3);
    } finally {
      ep.close();
    }
    await expect(actfusion('record', '--task', 'lift-green-cube', '--episodes', '1', '--out', join(dir, 'x'))).rejects.toThrow(/unknown sim task "lift-green-cube": expected one of .*lift-colored-cube, occluded-pick/);
  });
});
