import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationToJson, loadCalibration, parseCalibration, saveCalibration } from '../src/bus/calibration.js';
import { soArm } from '../src/arm/arm-presets.js';
import { ServoArm } from '../src/arm/servo-arm.js';
import { MotorsBus } from '../src/bus/motors-bus.js';
import { openPtyPair } from '../src/bus/pty-pair.js';
import { ServoBus } from '../src/bus/servo-bus.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';
import type { ProtocolName } from '../src/bus/servo-protocol.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'actfusion-calib-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LeRobot calibration JSON', () => {
  it('round-trips through a file written atomically in LeRobot key names', async () => {
    const calib = parseCalibration({ gripper: { id: 6, drive_mode: 0, homing_offset: 1407, range_min: 2030, range_max: 3470 } });
    const path = join(dir, 'arm.json');
    await saveCalibration(path, calib);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ gripper: { id: 6, drive_mode: 0, homing_offset: 1407, range_min: 2030, range_max: 3470 } });
    expect(await loadCalibration(path)).toEqual(calib);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(calibrationToJson(calib)).toEqual(JSON.parse(await readFile(path, 'utf8')));
  });

  it('names the file, motor and field that are wrong', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ elbow_flex: { id: 3, drive_mode: 0, homing_offset: 'x', range_min: 1, range_max: 2 } }));
    await expect(loadCalibration(path)).rejects.toThrow(`${path}: elbow_flex.homing_offset: expected an integer, got "x"`);
    expect(() => parseCalibration({ a: { id: 1, drive_mode: 0, homing_offset: 0, range_min: 9, range_max: 2 } })).toThrow(/a: range_min \(9\) must be below range_max \(2\)/);
    await writeFile(path, '{oops');
    await expect(loadCalibration(path)).rejects.toThrow(`${path}: not valid JSON`);
  });
});

describe('a calibration file that does not fit the arm', () => {
  it('is refused before anything is written, naming the file, the motor, the field and what was expected', async () => {
    const good = JSON.parse(readFileSync(new URL('./fixtures/so101_follower.json', import.meta.url), 'utf8')) as Record<string, Record<string, number>>;
    const cases: [string, (c: Record<string, Record<string, number>>) => void, RegExp][] = [
      ['missing motor', (c) => delete c['wrist_roll'], /: no entry for motor "wrist_roll" \(the so101_follower arm has shoulder_pan, .*gripper\)/],
      ['other id', (c) => (c['elbow_flex']!['id'] = 9), /: elbow_flex\.id is 9, but the so101_follower arm's elbow_flex is servo id 3/],
      ['range beyond the servo', (c) => (c['gripper']!['range_max'] = 5000), /: gripper\.range_max is 5000; expected 0\.\.4095 \(the sts3215's position range\)/],
      ['negative range', (c) => (c['gripper']!['range_min'] = -10), /: gripper\.range_min is -10; expected 0\.\.4095/],
      ['extra motor', (c) => (c['tail'] = { ...c['gripper']!, id: 7 }), /: motor "tail" not on the so101_follower arm .*another arm's calibration\?/],
      ['id out of range', (c) => (c['gripper']!['id'] = 300), /: gripper\.id: expected a servo id in 0\.\.252, got 300/],
      ['drive mode 2', (c) => (c['gripper']!['drive_mode'] = 2), /: gripper\.drive_mode: expected 0 or 1, got 2/],
    ];
    for (const [name, edit, problem] of cases) {
      const c = structuredClone(good);
      edit(c);
      const path = join(dir, `${name.replaceAll(' ', '-')}.json`);
      await writeFile(path, JSON.stringify(c));
      const err = await loadCalibration(path)
        .then((calibration) => new ServoArm(soArm({ port: '/dev/never-opened', calibration })))
        .catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(Error);
      expect((err as Error).message, name).toContain(path);
      expect((err as Error).message, name).toMatch(problem);
    }
  });
});

describe.each<[ProtocolName, string]>([
  ['dynamixel', 'xl330-m288'],
  ['feetech', 'sts3215'],
])('%s calibration procedure over a pty pair', (protocol, model) => {
  it('half-turn homing makes Present_Position read 2047, then ranges of motion are recorded', async () => {
    const pty = await openPtyPair();
    const emulator = await ServoEmulator.open(pty.b, protocol, [
      { id: 1, model, position: 1234 },
      { id: 2, model, position: 3000 },
    ]);
    const bus = new MotorsBus(await ServoBus.open(pty.a, protocol, { timeoutMs: 250 }), {
      a: { id: 1, model, normMode: 'DEGREES' },
      b: { id: 2, model, normMode: 'RANGE_0_100' },
    });
    try {
      emulator.setRegister(1, 'Homing_Offset', 77); // a stale offset is reset first
      const offsets = await bus.setHalfTurnHomings();
      expect(offsets).toEqual(protocol === 'dynamixel' ? { a: 2047 - 1234, b: 2047 - 3000 } : { a: 1234 - 2047, b: 3000 - 2047 });
      expect(await bus.syncReadRegister('Present_Position')).toEqual({ a: 2047, b: 2047 });
      expect(emulator.registerValue(2, 'Homing_Offset')).toBe(offsets.b);

      // Wait for the recorder's own reads (not wall-clock time) so a loaded machine cannot skip a pose.
      const syncReads = () => emulator.received.filter((r) => r.instruction === 0x82).length;
      const afterReads = async (n: number) => {
        const target = syncReads() + n;
        while (syncReads() < target) await new Promise((r) => setTimeout(r, 2));
      };
      const ac = new AbortController();
      const recording = bus.recordRangesOfMotion(ac.signal, 5);
      await afterReads(2);
      emulator.setPosition(1, 1234 - 500);
      await afterReads(2);
      emulator.setPosition(1, 1234 + 700);
      await afterReads(2);
      ac.abort();
      const ranges = await recording;
      expect(ranges.a).toEqual({ min: 1547, max: 2747 });
      expect(ranges.b).toEqual({ min: 2047, max: 2047 });

      const calib = { a: { id: 1, driveMode: 0, homingOffset: offsets.a!, rangeMin: 1547, rangeMax: 2747 }, b: { id: 2, driveMode: 0, homingOffset: offsets.b!, rangeMin: 1000, rangeMax: 3000 } };
      await bus.writeCalibration(calib);
      expect(await bus.readCalibration()).toEqual(calib);
      const pos = await bus.readPositions();
      expect(pos.a).toBeCloseTo(((2747 - 2147) * 360) / 4095, 6);
    } finally {
      await bus.bus.close();
      await emulator.close();
      await pty.close();
    }
  });
});
