import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedExpert } from '../src/sim/scripted-expert.js';
import { SimRobot } from '../src/sim/sim-robot.js';
import { renderTactileImage } from '../src/sim/tactile-image.js';

const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);

describe('finger-pad taxels (MuJoCo touch sensors)', () => {
  let robot: SimRobot;
  let expert: ScriptedExpert;
  beforeAll(async () => {
    robot = await SimRobot.create({ task: 'transfer-cube', cameras: [] });
    expert = new ScriptedExpert(robot);
  });
  afterAll(() => {
    expert.delete();
    robot.close();
  });

  it('read zero on free fingers and contact forces on a grasped cube', async () => {
    robot.reset(2);
    expert.reset();
    let obs = await robot.observe();
    for (const [name, t] of Object.entries(obs.tactile!)) {
      expect([name, t.rows, t.cols, t.data.length]).toEqual([name, 4, 4, 16]);
      expect(sum(t.data)).toBe(0);
    }
    // Tick 170: the right gripper carries the cube to the meet point, the left gripper is still free.
    for (let t = 0; t < 170; t++) robot.step(expert.action());
    expect(robot.reward()).toBe(2);
    obs = await robot.observe();
    const tac = obs.tactile!;
    const weight = 0.05 * 9.81;
    for (const f of ['right_finger_a', 'right_finger_b']) {
      expect(sum(tac[f]!.data)).toBeGreaterThan(weight);
      expect(tac[f]!.data.filter((v) => v > 0).length).toBeGreaterThan(1); // a contact patch, not one taxel
    }
    expect(sum(tac.left_finger_a!.data)).toBe(0);
    expect(sum(tac.left_finger_b!.data)).toBe(0);
    const img = tac.right_finger_a!.image!;
    expect([img.height, img.width]).toEqual([16, 16]);
    expect(img.data.some((v) => v > 0)).toBe(true);
    expect(tac.left_finger_a!.image!.data.every((v) => v === 0)).toBe(true);
  });

  it('tactile image maps force to a heat colour per taxel block', () => {
    const img = renderTactileImage([0, 10, 2.5, 0], 2, 2, 2);
    expect([img.height, img.width]).toEqual([4, 4]);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(img.data.subarray(3 * 2, 3 * 2 + 3))).toEqual([255, 255, 255]); // saturated at full scale
    expect(img.data[3 * 8]).toBe(255); // 2.5 N of 5: red channel full, green rising
    expect(() => renderTactileImage([1, 2, 3], 2, 2)).toThrow(/3 forces for a 2x2 grid/);
  });
});
