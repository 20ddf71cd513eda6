import { describe, expect, it } from 'vitest';
import { LIFT_COLORED_CUBE } from '../src/sim/lift-colored-cube-task.js';
import { LIFT_GAIN } from '../src/sim/lift-stages.js';
import { OCCLUDED_PICK } from '../src/sim/occluded-pick-task.js';
import { CUBE_HALF, REST_HEIGHT, TALL_BLOCK_HALF_HEIGHT } from '../src/sim/scene-objects.js';
import { LIFT_CUBE, instructionIndex, type ContactSet } from '../src/sim/sim-task.js';

/** A contact set made of geom pairs (a test double of the simulator's contact list). */
function contacts(...pairs: (readonly [string, string])[]): ContactSet {
  const has = (a: string, b: string): boolean => pairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  return { touching: has, touchingAny: (a, bs) => bs.some((b) => has(a, b)) };
}
const at = (z: Record<string, number>) => (body: string): [number, number, number] => [0.1, 0.5, z[body] ?? REST_HEIGHT[body]!];
const GRASP = (geom: string) => [[geom, 'right_finger_a'], [geom, 'right_finger_b']] as const;

describe('lift stages measure height gained over the resting height', () => {
  it('lift-cube: "lifted 10 cm" means the cube centre rose 10 cm above where it rests (z = 0.12), not z = 0.10', () => {
    const held = contacts(...GRASP('red_box'));
    expect(REST_HEIGHT.box).toBe(CUBE_HALF);
    expect(LIFT_CUBE.reward(held, at({ box: 0.1 }), { instruction: 0 })).toBe(3); // 8 cm of lift: the old threshold said 4
    expect(LIFT_CUBE.reward(held, at({ box: CUBE_HALF + LIFT_GAIN - 1e-4 }), { instruction: 0 })).toBe(3);
    expect(LIFT_CUBE.reward(held, at({ box: CUBE_HALF + LIFT_GAIN }), { instruction: 0 })).toBe(4);
  });

  it('lift-cube stages in order: touch, grasp, off the table, lifted', () => {
    const e = { instruction: 0 };
    expect(LIFT_CUBE.reward(contacts(['red_box', 'table']), at({}), e)).toBe(0);
    expect(LIFT_CUBE.reward(contacts(['red_box', 'table'], ['red_box', 'right_finger_b']), at({}), e)).toBe(1);
    expect(LIFT_CUBE.reward(contacts(['red_box', 'table'], ...GRASP('red_box')), at({}), e)).toBe(2);
    expect(LIFT_CUBE.reward(contacts(...GRASP('red_box')), at({ box: 0.05 }), e)).toBe(3);
    // Not held: a cube that is high up but not in both fingers is not "lifted".
    expect(LIFT_CUBE.reward(contacts(['red_box', 'right_finger_a']), at({ box: 0.3 }), e)).toBe(1);
  });

  it('the tall block of occluded-pick is measured from its own resting height (2.5 cm)', () => {
    const held = contacts(...GRASP('tall_block'));
    expect(OCCLUDED_PICK.reward(held, at({ tall_block: TALL_BLOCK_HALF_HEIGHT + 0.099 }), { instruction: 0 })).toBe(3);
    expect(OCCLUDED_PICK.reward(held, at({ tall_block: TALL_BLOCK_HALF_HEIGHT + 0.1 }), { instruction: 0 })).toBe(4);
  });

  it('lift-colored-cube rewards the instructed cube only, and picking up the other one is a failure', () => {
    const red = instructionIndex(LIFT_COLORED_CUBE, 'lift the red cube');
    const blue = instructionIndex(LIFT_COLORED_CUBE, 'lift the blue cube');
    const redLifted = contacts(...GRASP('red_box'));
    const high = at({ box: 0.2, blue_box: 0.2 });
    expect(LIFT_COLORED_CUBE.reward(redLifted, high, { instruction: red })).toBe(4);
    expect(LIFT_COLORED_CUBE.reward(redLifted, high, { instruction: blue })).toBe(0);
    expect(LIFT_COLORED_CUBE.failed!(redLifted, high, { instruction: blue })).toBe(true);
    expect(LIFT_COLORED_CUBE.failed!(redLifted, high, { instruction: red })).toBe(false);
    // Squeezing the wrong cube on the table (not picked up) is not yet a failure.
    expect(LIFT_COLORED_CUBE.failed!(contacts(...GRASP('blue_box'), ['blue_box', 'table']), at({}), { instruction: red })).toBe(false);
    expect(() => instructionIndex(LIFT_COLORED_CUBE, 'lift the green cube')).toThrow(/unknown instruction "lift the green cube"; expected one of "lift the red cube", "lift the blue cube"/);
  });
});
