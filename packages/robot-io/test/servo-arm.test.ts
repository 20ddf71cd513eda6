import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kochArm, soArm, SO_JOINTS } from '../src/arm/arm-presets.js';
import { ServoArm } from '../src/arm/servo-arm.js';
import { Teleoperation } from '../src/arm/teleoperation.js';
import { BusTimeoutError } from '../src/bus/bus-errors.js';
import { parseCalibration, type ArmCalibration } from '../src/bus/calibration.js';
import { openPtyPair, type PtyPair } from '../src/bus/pty-pair.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';
import { ControlLoop } from '../src/control/control-loop.js';
import { EmergencyStopError, SafeRobot } from '../src/safety/safe-robot.js';
import { waitUntil } from './wait-until.js';

// Hand-written in LeRobot's calibration JSON format (snake_case, motor name -> entry).
const soCalibration = parseCalibration(JSON.parse(readFileSync(new URL('./fixtures/so101_follower.json', import.meta.url), 'utf8')));
const deg = (present: number, min: number, max: number) => ((present - (min + max) / 2) * 360) / 4095;

describe('ServoArm SO-101 (Feetech STS3215) over a socat pty pair', () => {
  let pty: PtyPair;
  let emulator: ServoEmulator;
  let arm: ServoArm;

  beforeEach(async () => {
    pty = await openPtyPair();
    // Mechanical positions chosen so Present (= actual - offset) sits mid-range.
    emulator = await ServoEmulator.open(
      pty.b,
      'feetech',
      SO_JOINTS.map((name, i) => {
        const c = soCalibration[name]!;
        return { id: i + 1, model: 'sts3215', position: Math.round((c.rangeMin + c.rangeMax) / 2) + c.homingOffset + 100 };
      }),
    );
    // Generous packet timeout: CI machines are shared and loaded (short timeouts are tested in servo-bus.test.ts).
    arm = new ServoArm({ ...soArm({ port: pty.a, calibration: soCalibration }), bus: { retries: 2, timeoutMs: 150 } });
  });

  afterEach(async () => {
    await arm.disconnect();
    await emulator.close();
    await pty.close();
  });

  it('writes the calibration on connect, enables torque and observes degrees', async () => {
    expect(arm.spec.joints[0]!.limits[0]).toBeCloseTo(deg(760, 760, 3340), 6);
    expect(arm.spec.joints[5]).toMatchObject({ name: 'gripper', limits: [0, 100], kind: 'gripper' });
    await arm.connect();
    expect(emulator.registerValue(1, 'Homing_Offset')).toBe(-120);
    expect(emulator.registerValue(3, 'Min_Position_Limit')).toBe(870);
    expect(emulator.registerValue(6, 'Torque_Enable')).toBe(1);
    expect(emulator.registerValue(6, 'Lock')).toBe(1);
    expect(emulator.registerValue(2, 'Return_Delay_Time')).toBe(0);
    const obs = await arm.observe();
    expect(obs['observation.state']).toHaveLength(6);
    expect(obs.timestamp! >= 0 && obs.timestamp! < 60).toBe(true); // seconds since connect
    expect(obs['observation.state'][0]).toBeCloseTo(deg(2050 + 100, 760, 3340), 4);
    expect(obs['observation.state'][5]).toBeCloseTo(((2750 + 100 - 2030) / (3470 - 2030)) * 100, 4);
  });

  it('moves to commanded targets', async () => {
    await arm.connect();
    const target = Float32Array.of(10, -20, 30, 0, 45, 50);
    await arm.act(target);
    const obs = await arm.observe();
    for (let i = 0; i < 6; i++) expect(Math.abs(obs['observation.state'][i]! - target[i]!)).toBeLessThan(0.2);
  });

  it('never sends a raw goal beyond the calibrated range, with or without the safety layer', async () => {
    await arm.connect();
    const safe = new SafeRobot(arm, { maxRelativeTarget: 5 });
    await safe.observe();
    await safe.act(Float32Array.of(1e4, -1e4, 1e4, -1e4, 1e4, 1e4));
    expect(safe.lastResult!.limitClamped).toEqual([0, 1, 2, 3, 4, 5]);
    expect(safe.lastResult!.stepClamped.length).toBeGreaterThan(0);
    await arm.act(Float32Array.of(1e4, -1e4, 1e4, -1e4, 1e4, 1e4)); // bypassing SafeRobot
    await arm.observe(); // a round trip: the emulator has handled every earlier write
    SO_JOINTS.forEach((name, i) => {
      const c = soCalibration[name]!;
      const goals = emulator.goalHistory.get(i + 1)!;
      expect(goals.length).toBe(2);
      for (const g of goals) expect(g >= c.rangeMin && g <= c.rangeMax).toBe(true);
    });
    expect(emulator.goalHistory.get(1)!.at(-1)).toBe(3340);
    await expect(arm.act(Float32Array.of(NaN, 0, 0, 0, 0, 0))).rejects.toThrow(/action\[0\] \(shoulder_pan\) is NaN/);
  });

  it('stops the control loop safely when a servo stops answering: torque off', async () => {
    await arm.connect();
    const safe = new SafeRobot(arm, { maxRelativeTarget: 5 });
    let ticks = 0;
    const report = await new ControlLoop({ hz: 50 }).run(
      async () => {
        if (++ticks === 5) emulator.silentIds.add(4);
        const obs = await safe.observe();
        await safe.act(obs['observation.state'].map((q, i) => (i === 0 ? q + 1 : q)));
      },
      { ticks: 50, onFault: (err) => safe.emergencyStop(err) },
    );
    // SafeRobot rides through 2 lost readings (its default budget is 3 faults in a row), then stops.
    expect(report.stoppedBy).toBe('fault');
    expect(report.ticks).toBe(7);
    expect(report.fault).toBeInstanceOf(EmergencyStopError);
    const cause = (report.fault as EmergencyStopError).reason?.cause;
    expect(cause).toBeInstanceOf(BusTimeoutError);
    expect((cause as BusTimeoutError).ids).toEqual([4]);
    // The broadcast torque-off crosses the pty: waited for (up to 2 s), not slept for, so load does not fail it.
    const torque = () => Array.from({ length: 6 }, (_, i) => emulator.registerValue(i + 1, 'Torque_Enable'));
    await waitUntil(() => torque().every((v) => v === 0));
    expect(torque()).toEqual([0, 0, 0, 0, 0, 0]);
    expect(safe.emergencyStopped).toBe(true);
    emulator.silentIds.clear(); // let disconnect's acknowledged torque-off succeed quickly
    await expect(safe.act(Float32Array.of(0, 0, 0, 0, 0, 0))).rejects.toThrow(/emergency stop/);
  });

  it('reports a motor of the wrong model on connect', async () => {
    const wrong = new ServoArm({ ...soArm({ port: pty.a, calibration: soCalibration }), motors: { ...soArm({ port: pty.a, calibration: soCalibration }).motors } });
    emulator.setRegister(3, 'Model_Number', 1234);
    await expect(wrong.connect()).rejects.toThrow(/"elbow_flex" \(id 3\) .* is model 1234 \(unknown model\), expected 777 \(sts3215\)/);
  });
});

describe('Koch (Dynamixel) leader-follower teleoperation over two pty pairs', () => {
  const kochCalibration: ArmCalibration = Object.fromEntries(
    SO_JOINTS.map((name, i) => [name, { id: i + 1, driveMode: 0, homingOffset: 0, rangeMin: 1000, rangeMax: 3000 }]),
  );
  let ptys: PtyPair[] = [];
  let emulators: ServoEmulator[] = [];
  let arms: ServoArm[] = [];

  afterEach(async () => {
    for (const a of arms) await a.disconnect();
    for (const e of emulators) await e.close();
    for (const p of ptys) await p.close();
    ptys = [];
    emulators = [];
    arms = [];
  });

  it('the follower tracks the leader through the safety cap and the leader stays limp', async () => {
    ptys = [await openPtyPair(), await openPtyPair()];
    const leaderEmu = await ServoEmulator.open(ptys[0]!.b, 'dynamixel', SO_JOINTS.map((_, i) => ({ id: i + 1, model: 'xl330-m077', position: 2000 })));
    const followerEmu = await ServoEmulator.open(
      ptys[1]!.b,
      'dynamixel',
      SO_JOINTS.map((_, i) => ({ id: i + 1, model: i < 2 ? 'xl430-w250' : 'xl330-m288', position: 2000 })),
    );
    emulators = [leaderEmu, followerEmu];
    const bus = { retries: 1, timeoutMs: 250 }; // generous: shared CI machine
    const leader = new ServoArm({ ...kochArm({ port: ptys[0]!.a, calibration: kochCalibration, role: 'leader' }), bus });
    const follower = new ServoArm({ ...kochArm({ port: ptys[1]!.a, calibration: kochCalibration }), bus });
    arms = [leader, follower];
    await leader.connect();
    await follower.connect();
    expect(leaderEmu.registerValue(1, 'Torque_Enable')).toBe(0);
    expect(followerEmu.registerValue(1, 'Torque_Enable')).toBe(1);
    expect(followerEmu.registerValue(6, 'Operating_Mode')).toBe(5);
    expect(followerEmu.registerValue(1, 'Operating_Mode')).toBe(4);

    // The operator moves the leader: every joint to 2400 ticks (= +40 in RANGE_M100_100).
    for (let id = 1; id <= 6; id++) leaderEmu.setPosition(id, 2400);
    const steps: number[] = [];
    const teleop = new Teleoperation(leader, new SafeRobot(follower, { maxRelativeTarget: 15 }), {
      onStep: ({ follower: f }) => steps.push(f[0]!),
    });
    const report = await teleop.run({ ticks: 6 });
    expect(report).toMatchObject({ ticks: 6, stoppedBy: 'completed' });
    // 0 -> +40 in steps of at most 15 (observed before each act).
    expect(steps.map((s) => Math.round(s))).toEqual([0, 15, 30, 40, 40, 40]);
    for (let id = 1; id <= 6; id++) expect(Math.abs(followerEmu.position(id) - 2400)).toBeLessThanOrEqual(1);
    await expect(leader.act(Float32Array.of(0, 0, 0, 0, 0, 0))).rejects.toThrow(/leader arm does not take actions/);

    // The leader's bus goes quiet mid-session: the loop stops on the fault and the follower goes limp.
    let ticks = 0;
    const second = new Teleoperation(leader, new SafeRobot(follower, { maxRelativeTarget: 15 }), {
      onStep: () => {
        if (++ticks === 3) leaderEmu.silent = true;
      },
    });
    const faulted = await second.run({ ticks: 50 });
    expect(faulted.stoppedBy).toBe('fault');
    expect(faulted.ticks).toBe(4);
    expect(String(faulted.fault)).toMatch(/no status packet from id 1, 2, 3, 4, 5, 6/);
    const torque = () => Array.from({ length: 6 }, (_, i) => followerEmu.registerValue(i + 1, 'Torque_Enable'));
    await waitUntil(() => torque().every((v) => v === 0));
    expect(torque()).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
