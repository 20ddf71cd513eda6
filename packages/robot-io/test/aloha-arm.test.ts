import { describe, expect, it } from 'vitest';
import type { ImageFrame } from '@actfusion/contracts';
import { ALOHA_JOINTS, alohaArm } from '../src/arm/arm-presets.js';
import { ServoArm } from '../src/arm/servo-arm.js';
import type { ArmCalibration } from '../src/bus/calibration.js';
import { openPtyPair } from '../src/bus/pty-pair.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';
import { Camera } from '../src/camera/camera.js';

describe('ALOHA-style Dynamixel arm with shadow motors and an ffmpeg camera', () => {
  it('drives shadows through Secondary_ID, observes the camera and torques everything off on e-stop', async () => {
    const ids = [1, 2, 4, 6, 7, 8, 9];
    const calibration: ArmCalibration = Object.fromEntries(
      ALOHA_JOINTS.map((name, i) => [name, { id: ids[i]!, driveMode: 0, homingOffset: 0, rangeMin: 1024, rangeMax: 3072 }]),
    );
    const models: Record<number, string> = { 8: 'xm430-w350', 9: 'xm430-w350' };
    const pty = await openPtyPair();
    const emulator = await ServoEmulator.open(
      pty.b,
      'dynamixel',
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((id) => ({ id, model: models[id] ?? 'xm540-w270', position: 2048 })),
    );
    const camera = new Camera({ name: 'cam_high', source: 'lavfi:testsrc=size=160x120:rate=30', width: 64, height: 48, realtime: true });
    // Generous packet timeout: CI machines are shared and loaded (timeouts are tested in servo-bus.test.ts).
    const arm = new ServoArm({ ...alohaArm({ port: pty.a, calibration }), bus: { retries: 1, timeoutMs: 250 }, cameras: [camera] });
    try {
      expect(arm.spec.cameras).toEqual([{ name: 'cam_high', height: 48, width: 64 }]);
      expect(arm.spec.joints.map((j) => j.name)).toEqual([...ALOHA_JOINTS]);
      await arm.connect();
      expect(arm.warnings).toEqual([]); // a pty has no USB latency timer
      expect(emulator.registerValue(3, 'Secondary_ID')).toBe(2);
      expect(emulator.registerValue(5, 'Secondary_ID')).toBe(4);
      expect(emulator.registerValue(3, 'Operating_Mode')).toBe(4);
      expect(emulator.registerValue(3, 'Torque_Enable')).toBe(1); // enabled through the primary's id
      expect(emulator.registerValue(9, 'Operating_Mode')).toBe(5);

      const obs = await arm.observe();
      expect(obs['observation.state']).toHaveLength(7);
      expect((obs['observation.images.cam_high'] as ImageFrame).data).toHaveLength(64 * 48 * 3);
      await arm.act(Float32Array.of(0, 30, -30, 0, 0, 0, 50));
      await arm.observe();
      const ticks30 = Math.trunc((30 * 4095) / 360 + 2048);
      expect(emulator.position(2)).toBe(ticks30);
      expect(emulator.position(3)).toBe(ticks30); // the shadow followed the shoulder
      expect(emulator.position(5)).toBe(emulator.position(4));
      expect(emulator.received.filter((r) => r.id === 3 && r.instruction === 0x83)).toEqual([]);

      await arm.emergencyStop();
      await arm.observe();
      for (let id = 1; id <= 9; id++) expect(emulator.registerValue(id, 'Torque_Enable')).toBe(0);
    } finally {
      await arm.disconnect();
      await emulator.close();
      await pty.close();
    }
    expect(camera.running).toBe(false);
  });
});
