import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationSpec } from '@actfusion/contracts';
import { SimRobot } from '../src/sim/sim-robot.js';
import { START_ARM_POSE } from '../src/sim/scene.js';

describe('SimRobot (real MuJoCo wasm)', () => {
  let robot: SimRobot;
  beforeAll(async () => {
    robot = await SimRobot.create({ task: 'transfer-cube', cameras: [{ name: 'top', height: 12, width: 16 }] });
  });
  afterAll(() => robot.close());

  it('has ALOHA 14-D joints (left then right), cameras, taxel sensors and 50 Hz', () => {
    expect(robot.spec.joints.map((j) => j.name)).toEqual([
      ...['waist', 'shoulder', 'elbow', 'forearm_roll', 'wrist_angle', 'wrist_rotate', 'gripper'].map((j) => `left_${j}`),
      ...['waist', 'shoulder', 'elbow', 'forearm_roll', 'wrist_angle', 'wrist_rotate', 'gripper'].map((j) => `right_${j}`),
    ]);
    expect(robot.spec.controlHz).toBe(50);
    expect(robot.spec.cameras).toEqual([{ name: 'top', height: 12, width: 16 }]);
    expect(robot.spec.tactile?.map((t) => `${t.name}:${t.rows}x${t.cols}`)).toEqual([
      'left_finger_a:4x4',
      'left_finger_b:4x4',
      'right_finger_a:4x4',
      'right_finger_b:4x4',
    ]);
    expect(robot.maxReward).toBe(4);
    const sensors = ['left_finger_a', 'left_finger_b', 'right_finger_a', 'right_finger_b'];
    expect(robot.observationSpec()).toEqual(
      observationSpec({
        stateDim: 14,
        actionDim: 14,
        stateNames: robot.spec.joints.map((j) => j.name),
        velocity: true,
        cameras: { top: [12, 16] },
        tactile: Object.fromEntries(sensors.map((s) => [s, [16, 16]])),
        taxels: Object.fromEntries(sensors.map((s) => [s, [4, 4]])),
        task: true,
      }),
    );
  });

  it('resets to the start pose with seeded cube poses inside ACT ranges', async () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      robot.reset(seed);
      const [x, y, z] = robot.objectPosition('box');
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(0.2);
      expect(y).toBeGreaterThanOrEqual(0.4);
      expect(y).toBeLessThan(0.6);
      expect(z).toBeCloseTo(0.05, 6);
      seen.add(x.toFixed(4));
    }
    expect(seen.size).toBe(20);
    robot.reset(7);
    const a = robot.envState();
    robot.reset(8);
    robot.reset(7);
    expect(robot.envState()).toEqual(a);
    const obs = await robot.observe();
    const state = obs['observation.state'];
    expect(Array.from(state.subarray(0, 6))).toEqual(START_ARM_POSE.map((v) => Math.fround(v)));
    expect(state[6]).toBeCloseTo(0.5, 5);
    expect(state.length).toBe(14);
    expect(obs['observation.velocity']?.length).toBe(14);
    expect(obs.task).toBe(robot.task.instructions[0]); // the episode's instruction, as `task`
    expect(obs.timestamp).toBe(0);
    expect(robot.reward()).toBe(0);
  });

  it('one act is one 50 Hz tick of 10 physics steps, and joints track position targets', async () => {
    robot.reset(0);
    const action = robot.qpos();
    action[0] = 0.3; // left waist
    action[7 + 2] = 0.9; // right elbow
    action[13] = 1; // right gripper open
    await robot.act(action);
    expect(robot.mjData.time).toBeCloseTo(0.02, 10);
    expect(robot.ticks).toBe(1);
    for (let i = 1; i < 60; i++) await robot.act(action);
    const q = robot.qpos();
    expect(q[0]).toBeCloseTo(0.3, 2);
    expect(q[9]).toBeCloseTo(0.9, 2);
    expect(q[13]).toBeGreaterThan(0.97);
    expect((await robot.observe()).timestamp).toBeCloseTo(60 * 0.02, 10);
  });

  it('rejects actions of the wrong length or with non-finite values, naming the joint', async () => {
    await expect(robot.act(new Float32Array(7))).rejects.toThrow(/7 values, expected 14/);
    const bad = robot.qpos();
    bad[9] = Number.NaN;
    await expect(robot.act(bad)).rejects.toThrow(/action\[9\] \(right_elbow\) is NaN/);
  });

  it('the single-arm lift-cube robot is 7-D', async () => {
    const r = await SimRobot.create({ task: 'lift-cube', cameras: [] });
    try {
      expect(r.spec.joints.length).toBe(7);
      expect(r.spec.joints[0]!.name).toBe('right_waist');
      const obs = await r.observe();
      expect(obs['observation.state'].length).toBe(7);
      expect(Object.keys(obs).filter((k) => k.startsWith('observation.images.'))).toEqual([]);
    } finally {
      await r.disconnect();
    }
    await expect(r.observe()).rejects.toThrow(/disconnected/);
  });

  it('names an unknown camera (and frees what it compiled)', async () => {
    await expect(SimRobot.create({ task: 'lift-cube', cameras: [{ name: 'cam_low', height: 4, width: 4 }] })).rejects.toThrow(/camera "cam_low" is not in the scene/);
  });

  it('names an unknown task', async () => {
    await expect(SimRobot.create({ task: 'fold-towel' as never })).rejects.toThrow(/unknown sim task "fold-towel"/);
  });
});
