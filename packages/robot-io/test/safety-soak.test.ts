import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { soArm, SO_JOINTS } from '../src/arm/arm-presets.js';
import { ServoArm } from '../src/arm/servo-arm.js';
import { parseCalibration } from '../src/bus/calibration.js';
import { openPtyPair, type PtyPair } from '../src/bus/pty-pair.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';
import { ControlLoop } from '../src/control/control-loop.js';
import { EmergencyStopError, SafeRobot } from '../src/safety/safe-robot.js';
import { SimRng } from '../src/sim/sim-rng.js';
import { waitUntil } from './wait-until.js';

// A soak of the whole hardware path: a hostile policy -> SafeRobot -> ServoArm (SO-101, Feetech
// STS3215) -> serialport -> socat pty pair -> ServoEmulator, with bus faults injected. The CI size is
// 1,000 ticks; `ACTFUSION_SOAK_TICKS=10000` (or more) runs the long soak.
const TICKS = Number(process.env.ACTFUSION_SOAK_TICKS ?? 1000);
const CAP_DEG = 5; // maxRelativeTarget for the arm joints (degrees) and the gripper (0..100 units)
const calibration = parseCalibration(JSON.parse(readFileSync(new URL('./fixtures/so101_follower.json', import.meta.url), 'utf8')));

/** Raw Goal_Position ticks one normalised unit is worth, per joint (degrees, or gripper percent). */
function ticksPerUnit(joint: string): number {
  const c = calibration[joint]!;
  return joint === 'gripper' ? (c.rangeMax - c.rangeMin) / 100 : 4095 / 360;
}

/** A policy gone wrong: NaN, infinities, far out of range, and jumps far beyond the step cap. */
function hostilePolicy(rng: SimRng, present: Float32Array): Float32Array {
  const out = Float32Array.from(present, (p) => p + rng.uniform(-25, 25));
  const r = rng.next();
  const j = Math.floor(rng.next() * out.length);
  if (r < 0.02) out[j] = Number.NaN;
  else if (r < 0.04) out[j] = rng.next() < 0.5 ? Infinity : -Infinity;
  else if (r < 0.1) out[j] = rng.next() < 0.5 ? 1e6 : -1e6;
  return out;
}

describe(`SafeRobot soak: ${TICKS} control ticks over a pty with injected bus faults and a hostile policy`, () => {
  let pty: PtyPair | undefined;
  let emulator: ServoEmulator | undefined;
  let arm: ServoArm | undefined;
  afterEach(async () => {
    await arm?.disconnect().catch(() => undefined);
    await emulator?.close();
    await pty?.close();
  });

  it('never lets a command outside the joint limits or the per-tick cap reach the bus; a lost servo stops the arm with torque off', async () => {
    pty = await openPtyPair();
    emulator = await ServoEmulator.open(
      pty.b,
      'feetech',
      SO_JOINTS.map((name, i) => {
        const c = calibration[name]!;
        return { id: i + 1, model: 'sts3215', position: Math.round((c.rangeMin + c.rangeMax) / 2) + c.homingOffset };
      }),
    );
    const faults = new SimRng(7);
    emulator.faultRandom = () => faults.next();
    emulator.corruptProbability = 0.01; // 1 % of replies corrupted
    emulator.replyDelayMs = () => (faults.next() < 0.001 ? 150 : faults.next() * 2); // jitter, and rare replies later than the 100 ms timeout
    arm = new ServoArm({ ...soArm({ port: pty.a, calibration }), bus: { retries: 1, timeoutMs: 100 } });
    const robot = new SafeRobot(arm, { maxRelativeTarget: CAP_DEG, maxConsecutiveFaults: 8 });
    await robot.connect();
    const emu = emulator;
    const start = SO_JOINTS.map((_, i) => emu.registerValue(i + 1, 'Present_Position'));
    emu.goalHistory.clear();

    const policy = new SimRng(11);
    const dropoutAt = Math.floor(TICKS / 2);
    const loop = new ControlLoop({ hz: 1000 });
    const report = await loop.run(
      async ({ index }) => {
        // Servo 4 disappears for 3 ticks mid-run (within the fault budget) and comes back.
        if (index === dropoutAt) emu.silentIds.add(4);
        if (index === dropoutAt + 3) emu.silentIds.delete(4);
        const obs = await robot.observe();
        await robot.act(hostilePolicy(policy, obs['observation.state']));
      },
      { ticks: TICKS },
    );
    expect(report.stoppedBy, report.fault?.message).toBe('completed');

    // Every goal the servos accepted: inside the calibrated range, and at most the cap away from
    // the previous one (the emulated servo reaches each goal at once, so the previous goal is the
    // present position the safety layer saw).
    let commands = 0;
    SO_JOINTS.forEach((name, i) => {
      const c = calibration[name]!;
      const goals = emu.goalHistory.get(i + 1) ?? [];
      commands += goals.length;
      let previous = start[i]!;
      for (const g of goals) {
        expect(g, `${name} goal ${g} outside [${c.rangeMin}, ${c.rangeMax}]`).toBeGreaterThanOrEqual(c.rangeMin);
        expect(g, `${name} goal ${g} outside [${c.rangeMin}, ${c.rangeMax}]`).toBeLessThanOrEqual(c.rangeMax);
        expect(Math.abs(g - previous), `${name}: step ${previous} -> ${g}`).toBeLessThanOrEqual(CAP_DEG * ticksPerUnit(name) + 1);
        previous = g;
      }
    });
    const busStats = arm.bus.bus.stats;
    console.log(
      `soak: ${report.ticks} ticks, ${commands / SO_JOINTS.length} commands sent per servo; injected ${emu.injected.corruptReplies} corrupt replies, ` +
        `${emu.injected.delayedReplies} delayed replies, ${emu.injected.silentDrops} dropped by the lost servo; bus retries ${busStats.retries}, ` +
        `corrupt packets seen ${busStats.corruptPackets}, timeouts ${busStats.timeouts}; SafeRobot faults ridden through ${robot.stats.faults}, ` +
        `actions skipped ${robot.stats.skipped}, held (non-finite) ${robot.stats.held}, limit-clamped ${robot.stats.limitClamped}, step-clamped ${robot.stats.stepClamped}`,
    );
    expect(emu.injected.corruptReplies).toBeGreaterThan(0);
    expect(busStats.corruptPackets).toBeGreaterThanOrEqual(emu.injected.corruptReplies);
    expect(emu.injected.silentDrops).toBeGreaterThan(0);
    expect(robot.stats.held).toBeGreaterThan(0);
    expect(robot.stats.limitClamped).toBeGreaterThan(0);
    expect(robot.stats.stepClamped).toBeGreaterThan(0);
    expect(robot.stats.actions + robot.stats.skipped).toBe(report.ticks);

    // Now servo 2 is lost for good: within the fault budget the arm stops, torque off everywhere,
    // and nothing more is sent.
    emu.replyDelayMs = 0;
    emu.corruptProbability = 0;
    await new Promise((r) => setTimeout(r, 500)); // let replies still delayed in the emulator drain
    emu.silentIds.add(2);
    const sentBefore = emu.goalHistory.get(1)!.length;
    const lost = await new ControlLoop({ hz: 1000 }).run(
      async () => {
        const obs = await robot.observe();
        await robot.act(obs['observation.state']);
      },
      { ticks: 50 },
    );
    expect(lost.stoppedBy).toBe('fault');
    expect(lost.fault).toBeInstanceOf(EmergencyStopError);
    expect(lost.fault!.message).toMatch(/8 bus faults in a row/);
    expect(lost.ticks).toBe(8);
    // the broadcast torque-off crosses the pty: waited for (up to 2 s), not slept for
    await waitUntil(() => Array.from({ length: SO_JOINTS.length }, (_, i) => emu.registerValue(i + 1, 'Torque_Enable')).every((v) => v === 0));
    for (let id = 1; id <= SO_JOINTS.length; id++) expect(emu.registerValue(id, 'Torque_Enable'), `servo ${id} torque`).toBe(0);
    expect(emu.goalHistory.get(1)!.length).toBe(sentBefore);
    await expect(robot.act(new Float32Array(SO_JOINTS.length))).rejects.toThrow(EmergencyStopError);
  }, 600_000);
});
