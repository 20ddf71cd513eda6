import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latencyTimerWarning, usbLatencyTimer } from '../src/bus/latency-timer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'actfusion-latency-'));
  // A fake sysfs tree and a udev-style symlink /dev/ttyDXL_puppet_left -> ttyUSB7.
  await mkdir(join(dir, 'sys', 'ttyUSB7'), { recursive: true });
  await writeFile(join(dir, 'sys', 'ttyUSB7', 'latency_timer'), '16\n');
  await writeFile(join(dir, 'ttyUSB7'), '');
  await writeFile(join(dir, 'ttyACM0'), '');
  await symlink(join(dir, 'ttyUSB7'), join(dir, 'ttyDXL_puppet_left'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('USB latency timer', () => {
  it('follows the port symlink to the usb-serial device and reads its timer', async () => {
    expect(await usbLatencyTimer(join(dir, 'ttyDXL_puppet_left'), join(dir, 'sys'))).toBe(16);
    expect(await latencyTimerWarning(join(dir, 'ttyDXL_puppet_left'), join(dir, 'sys'))).toMatch(/latency timer is 16 ms.*ttyUSB7\/latency_timer/);
  });

  it('is undefined for ports without one (ttyACM, pty)', async () => {
    expect(await usbLatencyTimer(join(dir, 'ttyACM0'), join(dir, 'sys'))).toBeUndefined();
    expect(await latencyTimerWarning(join(dir, 'ttyACM0'), join(dir, 'sys'))).toBeUndefined();
  });

  it('rejects a timer file that is not a number, naming the file', async () => {
    await writeFile(join(dir, 'sys', 'ttyUSB7', 'latency_timer'), 'x');
    await expect(usbLatencyTimer(join(dir, 'ttyUSB7'), join(dir, 'sys'))).rejects.toThrow(/ttyUSB7\/latency_timer: expected an integer/);
  });
});
