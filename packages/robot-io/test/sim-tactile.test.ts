import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageFrame } from '@actfusion/contracts';
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
    const sensors = ['left_finger_a', 'left_finger_b', 'right_finger_a', 'right_finger_b'];
    expect(robot.observationSpec().features.filter((f) => f.kind === 'taxels').map((f) => [f.key, f.shape])).toEqual(
      sensors.map((s) => [`observation.taxels.${s}`, [4, 4]]),
    );
    for (const s of sensors) {
      const forces = obs[`observation.taxels.${s}`] as Float32Array;
      expect(forces.length).toBe(16);
      expect(sum(forces)).toBe(0);
    }
    // Tick 170: the right gripper carries the cube to the meet point, the left gripper is still free.
    for (let t = 0; t < 170; t++) robot.step(expert.action());
    expect(robot.reward()).toBe(2);
    obs = await robot.observe();
    const taxels = (s: string) => obs[`observation.taxels.${s}`] as Float32Array;
    const image = (s: string) => obs[`observation.tactile.${s}`] as ImageFrame;
    const weight = 0.05 * 9.81;
    for (const f of ['right_finger_a', 'right_finger_b']) {
      expect(sum(taxels(f))).toBeGreaterThan(weight);
      expect(taxels(f).filter((v) => v > 0).length).toBeGreaterThan(1); // a contact patch, not one taxel
    }
    expect(sum(taxels('left_finger_a'))).toBe(0);
    expect(sum(taxels('left_finger_b'))).toBe(0);
    const img = image('right_finger_a');
    expect([img.height, img.width]).toEqual([16, 16]);
    expect(img.data.some((v) => v > 0)).toBe(true);
    expect(image('left_finger_a').data.every((v) => v === 0)).toBe(true);
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
