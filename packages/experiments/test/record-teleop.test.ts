import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlohaHdf5Episode } from '@actfusion/datasets';
import { openPtyPair, parseCalibration, ServoEmulator, SO_JOINTS, type PtyPair } from '@actfusion/robot-io';
import { actfusion } from './support/in-process-cli.js';

// LeRobot's SO-101 calibration format, the robot-io fixture.
const calibrationFile = new URL('../../robot-io/test/fixtures/so101_follower.json', import.meta.url);

describe('actfusion record --robot servo: teleoperation over socat pty pairs with emulated SO-101 arms', () => {
  const open: { pty: PtyPair; emulator: ServoEmulator }[] = [];
  afterEach(async () => {
    for (const { pty, emulator } of open.splice(0)) {
      await emulator.close();
      await pty.close();
    }
  });

  /** An emulated SO-101 arm on a fresh pty pair, every joint at the middle of its calibrated range. */
  const arm = async () => {
    const cal = parseCalibration(JSON.parse(await readFile(calibrationFile, 'utf8')));
    const pty = await openPtyPair();
    const servos = SO_JOINTS.map((name, i) => ({ id: i + 1, model: 'sts3215', position: Math.round((cal[name]!.rangeMin + cal[name]!.rangeMax) / 2) + cal[name]!.homingOffset }));
    const emulator = await ServoEmulator.open(pty.b, 'feetech', servos);
    open.push({ pty, emulator });
    return { pty, emulator };
  };

  it('records leader positions as actions and follower positions as state; the follower tracks the leader', async () => {
    const leader = await arm();
    const follower = await arm();
    const dir = await mkdtemp(join(tmpdir(), 'af-teleop-'));
    const leaderCal = join(dir, 'leader.json');
    const followerCal = join(dir, 'follower.json');
    await copyFile(calibrationFile, leaderCal);
    await copyFile(calibrationFile, followerCal);
    // The operator moves the leader's shoulder_pan (id 1) back and forth while recording.
    let tick = 0;
    const base = leader.emulator.position(1);
    const operator = setInterval(() => leader.emulator.setPosition(1, Math.round(base + 200 * Math.sin(tick++ / 5))), 10);
    const out = join(dir, 'teleop');
    let printed: string;
    try {
      printed = await actfusion(
        'record', '--robot', 'servo', '--arm', 'so101', '--leader', leader.pty.a, '--follower', follower.pty.a,
        '--leader-calibration', leaderCal, '--follower-calibration', followerCal,
        '--episodes', '2', '--episode-length', '25', '--hz', '50', '--out', out, '--instruction', 'wave',
        '--bus-timeout-ms', '150', // generous: CI machines are shared and loaded
      );
    } finally {
      clearInterval(operator);
    }
    expect(printed).toBe(`recorded 2 teleoperated episodes (50 steps) into ${out}`);
    expect((await readdir(out)).sort()).toEqual(['episode_0.hdf5', 'episode_1.hdf5']);
    const ep = await AlohaHdf5Episode.open(join(out, 'episode_1.hdf5'));
    try {
      expect([ep.length, ep.stateDim, ep.actionDim, ep.sim]).toEqual([25, 6, 6, false]);
      expect(ep.instruction).toBe('wave');
      const actions = Array.from({ length: 25 }, (_, t) => ep.action[t * 6]!);
      // The leader moved: the recorded shoulder_pan actions vary (degrees).
      expect(Math.max(...actions) - Math.min(...actions)).toBeGreaterThan(5);
      // The follower was commanded the leader's position: its state one tick later is that action.
      const lag = Array.from({ length: 24 }, (_, t) => Math.abs(ep.qpos[(t + 1) * 6]! - ep.action[t * 6]!));
      expect(Math.max(...lag)).toBeLessThan(0.5);
    } finally {
      ep.close();
    }
  });

  it('a leader beyond the follower\'s range: the follower is sent, and the dataset records, targets inside the follower\'s joint limits', async () => {
    const leader = await arm();
    const follower = await arm();
    const dir = await mkdtemp(join(tmpdir(), 'af-teleop-clip-'));
    // The leader's shoulder_pan travels 100..4000 (same middle, 2050, as the follower's 760..3340),
    // so the leader reaches about 141 degrees where the follower stops at 113.4.
    const raw = JSON.parse(await readFile(calibrationFile, 'utf8')) as Record<string, { range_min: number; range_max: number }>;
    raw.shoulder_pan!.range_min = 100;
    raw.shoulder_pan!.range_max = 4000;
    const leaderCal = join(dir, 'leader.json');
    const followerCal = join(dir, 'follower.json');
    await writeFile(leaderCal, JSON.stringify(raw));
    await copyFile(calibrationFile, followerCal);
    leader.emulator.setPosition(1, leader.emulator.position(1) + 1600);
    const cal = parseCalibration(JSON.parse(await readFile(calibrationFile, 'utf8')));
    const followerMax = ((cal.shoulder_pan!.rangeMax - 2050) * 360) / 4095;
    const out = join(dir, 'teleop');
    await actfusion(
      'record', '--robot', 'servo', '--arm', 'so101', '--leader', leader.pty.a, '--follower', follower.pty.a,
      '--leader-calibration', leaderCal, '--follower-calibration', followerCal,
      '--episodes', '1', '--episode-length', '40', '--hz', '50', '--out', out, '--max-relative-target', '20', '--bus-timeout-ms', '150',
    );
    // Servo side: no goal past the follower's calibrated maximum (3340 ticks) was written.
    const goals = follower.emulator.goalHistory.get(1) ?? [];
    expect(goals.length).toBeGreaterThan(0);
    expect(Math.max(...goals)).toBeLessThanOrEqual(cal.shoulder_pan!.rangeMax);
    const ep = await AlohaHdf5Episode.open(join(out, 'episode_0.hdf5'));
    try {
      const actions = Array.from({ length: 40 }, (_, t) => ep.action[t * 6]!);
      // The recorded action is what the follower was told (a policy trained on it never learns targets the arm cannot reach) ...
      expect(Math.max(...actions)).toBeLessThanOrEqual(followerMax + 1e-3);
      // ... and it reaches the limit once the per-tick cap has brought the follower there.
      expect(actions.at(-1)!).toBeCloseTo(followerMax, 1);
    } finally {
      ep.close();
    }
  });

  it('names what is missing', async () => {
    await expect(actfusion('record', '--robot', 'servo', '--arm', 'so101', '--episodes', '1', '--out', '/tmp/x')).rejects.toThrow(
      /record --robot servo: --leader, --follower, --leader-calibration, --follower-calibration required/,
    );
  });
});
