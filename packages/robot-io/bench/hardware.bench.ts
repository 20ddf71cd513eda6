/**
 * Timings of the hardware layer on the real serial stack (serialport <-> socat pty <-> the
 * TypeScript ServoEmulator) and of ffmpeg cameras. Not a test: run it with
 *   cd packages/robot-io && npx vitest bench --run bench/hardware.bench.ts
 * The control-loop and camera figures are printed after the bench table.
 */
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { SO_JOINTS, soArm } from '../src/arm/arm-presets.js';
import { ServoArm } from '../src/arm/servo-arm.js';
import type { ArmCalibration } from '../src/bus/calibration.js';
import { MotorsBus } from '../src/bus/motors-bus.js';
import { openPtyPair, type PtyPair } from '../src/bus/pty-pair.js';
import { ServoBus } from '../src/bus/servo-bus.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';
import { Camera } from '../src/camera/camera.js';
import { ControlLoop } from '../src/control/control-loop.js';
import { SafeRobot } from '../src/safety/safe-robot.js';

const calibration: ArmCalibration = Object.fromEntries(
  SO_JOINTS.map((n, i) => [n, { id: i + 1, driveMode: 0, homingOffset: 0, rangeMin: 1000, rangeMax: 3000 }]),
);
const lines: string[] = [];
let soPty: PtyPair, dxlPty: PtyPair;
let soEmu: ServoEmulator, dxlEmu: ServoEmulator;
let arm: ServoArm;
let dxl: MotorsBus;

beforeAll(async () => {
  soPty = await openPtyPair();
  soEmu = await ServoEmulator.open(soPty.b, 'feetech', SO_JOINTS.map((_, i) => ({ id: i + 1, model: 'sts3215' })));
  arm = new ServoArm(soArm({ port: soPty.a, calibration }));
  await arm.connect();
  dxlPty = await openPtyPair();
  dxlEmu = await ServoEmulator.open(dxlPty.b, 'dynamixel', SO_JOINTS.map((_, i) => ({ id: i + 1, model: 'xl330-m288' })));
  dxl = new MotorsBus(await ServoBus.open(dxlPty.a, 'dynamixel'), Object.fromEntries(SO_JOINTS.map((n, i) => [n, { id: i + 1, model: 'xl330-m288', normMode: 'RANGE_M100_100' as const }])), calibration);
});

afterAll(async () => {
  // A 50 Hz policy loop (observe = SYNC_READ, act = safety + SYNC_WRITE) for 10 s.
  const safe = new SafeRobot(arm, { maxRelativeTarget: 5 });
  const report = await new ControlLoop({ hz: 50 }).run(
    async (t) => {
      const obs = await safe.observe();
      await safe.act(obs['observation.state'].map((q, i) => (i === 0 ? 20 * Math.sin(t.index / 25) : q)));
    },
    { ticks: 500 },
  );
  lines.push(
    `ControlLoop 50 Hz SO-101 over pty, 500 ticks: achieved ${report.achievedHz.toFixed(2)} Hz, late ${report.lateTicks} ` +
      `(tolerance 2 ms), missed ${report.missedTicks}, overruns ${report.overruns}, lateness mean ${report.meanLatenessMs.toFixed(2)} ms ` +
      `p99 ${report.p99LatenessMs.toFixed(2)} ms max ${report.maxLatenessMs.toFixed(2)} ms, max tick ${report.maxTickMs.toFixed(2)} ms`,
  );
  for (const [w, h] of [
    [128, 96],
    [640, 480],
  ] as const) {
    const cam = new Camera({ name: 'top', source: `lavfi:testsrc=size=${w}x${h}:rate=30`, width: w, height: h, maxFrames: 300 });
    const t0 = performance.now();
    await cam.start();
    let n = 0;
    for await (const _ of cam.frames()) n++;
    const ms = performance.now() - t0;
    lines.push(`Camera lavfi testsrc ${h}x${w}: ${n} frames in ${ms.toFixed(0)} ms = ${((n * 1000) / ms).toFixed(0)} fps (incl. ffmpeg start)`);
  }
  await arm.disconnect();
  await dxl.bus.close();
  await soEmu.close();
  await dxlEmu.close();
  await soPty.close();
  await dxlPty.close();
  console.log(`\n${lines.join('\n')}`);
});

describe('servo bus round trips over a socat pty (6 motors)', () => {
  bench('feetech SYNC_READ Present_Position', async () => {
    await arm.bus.readPositions();
  });
  bench('dynamixel SYNC_READ Present_Position', async () => {
    await dxl.readPositions();
  });
  bench('feetech observe + act (SYNC_READ + SYNC_WRITE)', async () => {
    const obs = await arm.observe();
    await arm.act(obs['observation.state']);
  });
});
