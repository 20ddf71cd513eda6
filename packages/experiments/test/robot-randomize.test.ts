import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlohaHdf5Episode } from '@actfusion/datasets';
import { actfusion } from './support/in-process-cli.js';

/** The first `angle` camera frame of each recorded episode. */
async function firstFrames(dir: string, episodes: number): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < episodes; i++) {
    const ep = await AlohaHdf5Episode.open(join(dir, `episode_${i}.hdf5`), i);
    try {
      frames.push(Uint8Array.from((await ep.readFrame('observation.images.angle', 0)).data));
    } finally {
      ep.close();
    }
  }
  return frames;
}

describe('robot.randomize through actfusion record (real MuJoCo, HDF5)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'actfusion-randomize-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const record = (out: string, ...set: string[]) =>
    actfusion('record', '-c', 'demo', '--out', out, '--keep-failed',
      '--set', 'dataset.episodes=2', '--set', 'robot.episodeLength=2', '--set', 'robot.imageHeight=24', '--set', 'robot.imageWidth=32',
      ...set.flatMap((s) => ['--set', s]));

  it('true (default): the cube starts somewhere else in each episode; false: at the same place', async () => {
    await record(join(dir, 'random'));
    await record(join(dir, 'fixed'), 'robot.randomize=false');
    const [r0, r1] = await firstFrames(join(dir, 'random'), 2);
    const [f0, f1] = await firstFrames(join(dir, 'fixed'), 2);
    expect(Buffer.from(r0!).equals(Buffer.from(r1!))).toBe(false);
    expect(Buffer.from(f0!).equals(Buffer.from(f1!))).toBe(true);
    // The fixed start is neither seed's random one.
    expect(Buffer.from(f0!).equals(Buffer.from(r0!))).toBe(false);
  });
});
