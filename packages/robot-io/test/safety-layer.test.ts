import type { Action, Observation } from '@actfusion/contracts';
import { describe, expect, it } from 'vitest';
import type { Robot, RobotSpec } from '../src/robot.js';
import { BusTimeoutError, ServoStatusError } from '../src/bus/bus-errors.js';
import { EmergencyStopError, SafeRobot } from '../src/safety/safe-robot.js';
import { SafetyLayer } from '../src/safety/safety-layer.js';

const spec: RobotSpec = {
  name: 'test-arm',
  controlHz: 50,
  cameras: [],
  joints: [
    { name: 'a', limits: [-1, 1] },
    { name: 'b', limits: [-2, 2] },
    { name: 'gripper', limits: [0, 1], kind: 'gripper' },
  ],
};

describe('SafetyLayer', () => {
  it('clamps to joint limits', () => {
    const r = new SafetyLayer(spec).apply([5, -3, 0.5], [0, 0, 0.5]);
    expect(Array.from(r.action)).toEqual([1, -2, 0.5]);
    expect(r.limitClamped).toEqual([0, 1]);
    expect(r.limitExcess).toEqual([4, 1]);
  });

  it('clampToLimits: limits only (no step cap), the gripper to its range, non-finite kept for apply to hold on', () => {
    const layer = new SafetyLayer(spec, { maxRelativeTarget: 0.01 });
    expect(Array.from(layer.clampToLimits([5, -3, 1.2]))).toEqual([1, -2, 1]);
    expect(Array.from(layer.clampToLimits([0.5, Number.NaN, -0.1]))).toEqual([0.5, Number.NaN, 0]);
    expect(() => layer.clampToLimits([0, 0])).toThrow(/action has 2 values, expected 3/);
  });

  it('caps the change per tick like ensure_safe_goal_position', () => {
    const r = new SafetyLayer(spec, { maxRelativeTarget: 0.25 }).apply([0.9, -0.1, 0.5], [0.5, 0, 0.5]);
    expect(r.action[0]).toBeCloseTo(0.75, 6);
    expect(r.action[1]).toBeCloseTo(-0.1, 6);
    expect(r.stepClamped).toEqual([0]);
  });

  it('takes per-joint caps by name', () => {
    const r = new SafetyLayer(spec, { maxRelativeTarget: { b: 0.1 } }).apply([0.9, 1, 0], [0, 0, 1]);
    expect(Array.from(r.action).map((v) => +v.toFixed(5))).toEqual([0.9, 0.1, 0]);
    expect(() => new SafetyLayer(spec, { maxRelativeTarget: { c: 1 } })).toThrow(/joint "c"/);
  });

  it('brings a robot outside its limits back no faster than the cap', () => {
    const r = new SafetyLayer(spec, { maxRelativeTarget: 0.2 }).apply([1.5, 0, 0], [1.6, 0, 0]);
    expect(r.action[0]).toBeCloseTo(1.4, 6);
  });

  it('holds the present position on NaN or infinite actions', () => {
    const layer = new SafetyLayer(spec);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const r = layer.apply([0.1, bad, 0.2], [0.3, 0.4, 0.5]);
      expect(r.held).toBe(true);
      expect(Array.from(r.action)).toEqual(Array.from(Float32Array.of(0.3, 0.4, 0.5)));
    }
  });

  it('holds the last command sent, when there is one, rather than a possibly stale present position', () => {
    const r = new SafetyLayer(spec, { maxRelativeTarget: 0.25 }).apply([NaN, 0, 0], [0.9, 0.9, 0.9], [0.1, 0.2, 0.3]);
    expect(r.held).toBe(true);
    expect(Array.from(r.action)).toEqual(Array.from(Float32Array.of(0.1, 0.2, 0.3)));
  });

  it('caps the change of the command per tick even when the present position is stale', () => {
    // present says 0.9 (a late reply), the last command was 0: the command moves at most 0.25 from 0.
    const r = new SafetyLayer(spec, { maxRelativeTarget: 0.25 }).apply([1, 0, 0], [0.9, 0, 0], [0, 0, 0]);
    expect(r.action[0]).toBeCloseTo(0.25, 6);
    expect(r.stepClamped).toEqual([0]);
  });

  it('rejects an action of the wrong length naming the robot', () => {
    expect(() => new SafetyLayer(spec).apply([0, 0], [0, 0, 0])).toThrow(/test-arm: action has 2 values, expected 3/);
  });
});

class FakeRobot implements Robot {
  readonly spec = spec;
  sent: Float32Array[] = [];
  torqueOff = 0;
  qpos = Float32Array.of(0, 0, 0);
  /** Errors the next observations throw, in order. */
  failures: Error[] = [];
  async connect() {}
  async disconnect() {}
  async observe(): Promise<Observation> {
    const f = this.failures.shift();
    if (f) throw f;
    return { 'observation.state': this.qpos.slice() };
  }
  async act(action: Action) {
    this.sent.push(action);
  }
  async emergencyStop() {
    this.torqueOff++;
  }
}

describe('SafeRobot', () => {
  it('filters every action and latches an emergency stop', async () => {
    const inner = new FakeRobot();
    const robot = new SafeRobot(inner, { maxRelativeTarget: 0.5 });
    await robot.observe();
    await robot.act(Float32Array.of(3, 0, 0));
    expect(Array.from(inner.sent[0]!)).toEqual([0.5, 0, 0]);
    await robot.act(Float32Array.of(NaN, 0, 0));
    expect(Array.from(inner.sent[1]!)).toEqual([0.5, 0, 0]); // holds the last command sent
    expect(robot.stats).toEqual({ actions: 2, limitClamped: 1, limitClampedByJoint: { a: { count: 1, maxExcess: 2 } }, stepClamped: 1, held: 1, faults: 0, skipped: 0 });
    await robot.act(Float32Array.of(-1.25, 0, 1.5));
    expect(robot.stats.limitClampedByJoint).toEqual({ a: { count: 2, maxExcess: 2 }, gripper: { count: 1, maxExcess: 0.5 } });
    await robot.emergencyStop(new Error('bus timeout'));
    expect(inner.torqueOff).toBe(1);
    await expect(robot.act(Float32Array.of(0, 0, 0))).rejects.toBeInstanceOf(EmergencyStopError);
    await expect(robot.act(Float32Array.of(0, 0, 0))).rejects.toThrow(/bus timeout/);
    expect(inner.sent).toHaveLength(3);
    await robot.connect();
    await robot.act(Float32Array.of(0.1, 0, 0));
    expect(inner.sent).toHaveLength(4);
  });

  it('rides through bus faults within the budget without sending, then stops the arm with torque off', async () => {
    const inner = new FakeRobot();
    const robot = new SafeRobot(inner, { maxConsecutiveFaults: 3 });
    await robot.observe();
    const timeout = () => new BusTimeoutError('/dev/pty', [2], 20, 2);
    inner.failures = [timeout(), timeout()];
    for (let t = 0; t < 2; t++) {
      await robot.observe(); // the last good observation, marked stale
      await robot.act(Float32Array.of(0.1, 0, 0));
    }
    expect(inner.sent).toHaveLength(0);
    expect(robot.stats).toMatchObject({ faults: 2, skipped: 2 });
    await robot.observe(); // a good one resets the count
    await robot.act(Float32Array.of(0.1, 0, 0));
    expect(inner.sent).toHaveLength(1);
    inner.failures = [timeout(), timeout(), timeout()];
    await robot.observe();
    await robot.observe();
    await expect(robot.observe()).rejects.toThrow(/3 bus faults in a row/);
    expect(inner.torqueOff).toBe(1);
    await expect(robot.act(Float32Array.of(0, 0, 0))).rejects.toBeInstanceOf(EmergencyStopError);
  });

  it('does not ride through a servo reporting its own error, nor a failure before any observation', async () => {
    const inner = new FakeRobot();
    const robot = new SafeRobot(inner);
    inner.failures = [new BusTimeoutError('/dev/pty', [1], 20, 2)];
    await expect(robot.observe()).rejects.toBeInstanceOf(BusTimeoutError);
    await robot.observe();
    inner.failures = [new ServoStatusError(1, 0x20, ['overload'])];
    await expect(robot.observe()).rejects.toBeInstanceOf(ServoStatusError);
  });
});
