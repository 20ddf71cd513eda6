import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPtyPair, ServoEmulator, SO_JOINTS, type PtyPair } from '@actfusion/robot-io';
import { actfusion } from './support/in-process-cli.js';

describe('actfusion robot over a socat pty pair with emulated servos', () => {
  let pty: PtyPair | undefined;
  let emulator: ServoEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    await pty?.close();
  });

  it('scan lists ids and models; ping answers one id', async () => {
    pty = await openPtyPair();
    emulator = await ServoEmulator.open(pty.b, 'feetech', [{ id: 1, model: 'sts3215' }, { id: 6, model: 'sts3215' }]);
    const out = await actfusion('robot', 'scan', '--port', pty.a, '--protocol', 'feetech', '--window-ms', '200');
    expect(out).toBe('id 1\tmodel sts3215 (777)\nid 6\tmodel sts3215 (777)');
    expect(await actfusion('robot', 'ping', '--port', pty.a, '--protocol', 'feetech', '--id', '6')).toMatch(/^id 6 answered/);
  });

  it('scan on a bus where nothing answers fails, naming the port, protocol and baud rate', async () => {
    pty = await openPtyPair();
    emulator = await ServoEmulator.open(pty.b, 'dynamixel', []);
    await expect(actfusion('robot', 'scan', '--port', pty.a, '--protocol', 'dynamixel', '--window-ms', '50')).rejects.toThrow(
      new RegExp(`no servo answered on ${pty.a} \\(dynamixel, 1000000 baud, 3 broadcast pings\\)`),
    );
  });

  it('scan finds every servo when replies come late (a loaded host) or one is corrupted', async () => {
    pty = await openPtyPair();
    const servos = [{ id: 1, model: 'xl430-w250' }, { id: 2, model: 'xl430-w250' }, { id: 3, model: 'xl430-w250' }];
    emulator = await ServoEmulator.open(pty.b, 'dynamixel', servos);
    emulator.replyDelayMs = 45; // each reply 45 ms late, one after the other: beyond the 69 ms window by the third
    emulator.corruptReplies = 1; // the first round loses id 1; a later round hears it
    const out = await actfusion('robot', 'scan', '--port', pty.a, '--protocol', 'dynamixel');
    expect(out.split('\n').map((l) => l.split('\t')[0])).toEqual(['id 1', 'id 2', 'id 3']);
    expect(emulator.injected.corruptReplies).toBe(1);
  });

  it('calibrate writes homing offsets and the recorded ranges (SO-101, Feetech)', async () => {
    pty = await openPtyPair();
    emulator = await ServoEmulator.open(pty.b, 'feetech', SO_JOINTS.map((_, i) => ({ id: i + 1, model: 'sts3215', position: 2100 })));
    const emu = emulator;
    const out = join(await mkdtemp(join(tmpdir(), 'af-cal-')), 'so101.json');
    const sweep = setInterval(() => {
      for (let id = 1; id <= 6; id++) emu.setPosition(id, 1800 + Math.round(Math.random() * 600));
    }, 30);
    try {
      await actfusion('robot', 'calibrate', '--port', pty.a, '--arm', 'so101', '--out', out, '--middle-seconds', '0', '--range-seconds', '1');
    } finally {
      clearInterval(sweep);
    }
    const cal = JSON.parse(await readFile(out, 'utf8')) as Record<string, Record<string, number>>;
    expect(Object.keys(cal)).toEqual([...SO_JOINTS]);
    for (const c of Object.values(cal)) {
      expect(c.range_min ?? c.rangeMin).toBeLessThan(c.range_max ?? c.rangeMax);
    }
  });

  it('names an unknown arm', async () => {
    await expect(actfusion('robot', 'calibrate', '--port', '/dev/null', '--arm', 'ur5', '--out', '/tmp/x.json')).rejects.toThrow(/unknown arm "ur5"; known arms: so101, koch, aloha/);
  });
});
