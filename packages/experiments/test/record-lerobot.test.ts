import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordDemonstrations } from '../src/pipeline/record-demonstrations.js';

describe('recordDemonstrations into LeRobot v3.0', () => {
  it('names state and action elements as the sim robot names its joints', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'af-rec-lerobot-')), 'data');
    const rec = await recordDemonstrations({ task: 'transfer-cube', episodes: 1, out, format: 'lerobot', cameras: [{ name: 'top', height: 24, width: 32 }], episodeLength: 6, onlySuccessful: false });
    expect(rec.kept).toBe(1);
    const info = JSON.parse(await readFile(join(out, 'meta/info.json'), 'utf8'));
    const joints = ['left', 'right'].flatMap((s) => ['waist', 'shoulder', 'elbow', 'forearm_roll', 'wrist_angle', 'wrist_rotate', 'gripper'].map((j) => `${s}_${j}`));
    expect(info.features['observation.state'].names).toEqual(joints);
    expect(info.features['action'].names).toEqual(joints);
  });
});
