import { describe, expect, it } from 'vitest';
import { openPtyPair } from '../src/bus/pty-pair.js';
import { scanBus } from '../src/bus/scan-bus.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';

describe('scanBus over a socat pty pair', () => {
  it.each([
    ['dynamixel', [{ id: 3, model: 'xl430-w250' }, { id: 7, model: 'xm430-w350' }], [1060, 1020]],
    ['feetech', [{ id: 1, model: 'sts3215' }, { id: 6, model: 'sts3215' }], [777, 777]],
  ] as const)('%s: returns ids and model numbers', async (protocol, servos, numbers) => {
    const pty = await openPtyPair();
    const emulator = await ServoEmulator.open(pty.b, protocol, servos);
    try {
      const found = await scanBus(pty.a, protocol, 1_000_000, { windowMs: 200, timeoutMs: 250 });
      expect(found.map((f) => [f.id, f.modelNumber, f.model])).toEqual(servos.map((s, i) => [s.id, numbers[i], s.model]));
    } finally {
      await emulator.close();
      await pty.close();
    }
  });

  it('names the port it cannot open', async () => {
    await expect(scanBus('/dev/does-not-exist-actfusion', 'feetech')).rejects.toThrow(/cannot open serial port \/dev\/does-not-exist-actfusion/);
  });
});
