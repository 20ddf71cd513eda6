import type { Vec3 } from './arm-ik.js';
import { LIFT_COLORED_CUBE } from './lift-colored-cube-task.js';
import { OCCLUDED_PICK, OTHER_SLOT, PROBE_SLOT } from './occluded-pick-task.js';
import type { ArmPlan, Keyframe } from './arm-plan.js';
import type { SimRobot } from './sim-robot.js';

const DOWN: Vec3 = [0, 0, -1];
const NEG_Y: Vec3 = [0, -1, 0];
/** Tool-centre height of a top-down grasp (2.2 cm: the fingertips 7 mm above the table). */
const GRASP_Z = 0.022;
const ABOVE_Z = 0.13;
const LIFT_Z = 0.2;
/** Last tick of occluded-pick's probe hold; the tall-block and short-block plans part after it. */
const PROBE_END = 125;

const at = (t: number, x: number, y: number, z: number, g: number): Keyframe => ({ t, pos: [x, y, z], point: DOWN, close: NEG_Y, g });

/** Top-down pick of an object at (x, y), starting at tick t0: approach, descend, close, lift. */
function pick(t0: number, x: number, y: number): Keyframe[] {
  return [
    at(t0 + 50, x, y, ABOVE_Z, 1),
    at(t0 + 85, x, y, GRASP_Z, 1),
    at(t0 + 105, x, y, GRASP_Z, 0),
    at(t0 + 120, x, y, GRASP_Z, 0),
    at(t0 + 170, x, y, LIFT_Z, 0),
  ];
}

/** The right-arm plans of the single-arm tasks (lift-cube, lift-colored-cube, occluded-pick), from the state at tick 0. */
export function singleArmPlan(robot: SimRobot, start: Keyframe): ArmPlan | undefined {
  const end = (plan: Keyframe[]): ArmPlan => {
    const last = plan[plan.length - 1]!;
    return [start, ...plan, { ...last, t: Math.max(last.t, robot.task.episodeLength) }];
  };
  switch (robot.task.name) {
    case 'lift-cube': {
      const [cx, cy] = robot.objectPosition('box');
      return end(pick(0, cx, cy));
    }
    case 'lift-colored-cube': {
      // Privileged: the expert reads the instructed cube's position (the policy must read the instruction).
      const [cx, cy] = robot.objectPosition(LIFT_COLORED_CUBE.target(robot.instructionIndex).body);
      return end(pick(0, cx, cy));
    }
    case 'occluded-pick': {
      // Probe: close on whatever is in the probe slot and hold it for ~40 ticks. Up to here the plan is
      // the same in every episode, so what the cameras see is too; from first contact (tick ~80) the
      // taxels differ (4 rows on the tall block, 2 on the short). The long hold leaves a chunked policy
      // a query tick (e.g. 100) at which it can feel the block before the plans part at tick 125.
      const [px, py] = PROBE_SLOT;
      const probe = [at(45, px, py, ABOVE_Z, 1), at(70, px, py, GRASP_Z, 1), at(85, px, py, GRASP_Z, 0), at(PROBE_END, px, py, GRASP_Z, 0)];
      if (OCCLUDED_PICK.tallInProbeSlot((b) => robot.objectPosition(b))) return end([...probe, at(PROBE_END + 50, px, py, LIFT_Z, 0)]);
      const [ox, oy] = OTHER_SLOT;
      return end([
        ...probe,
        at(PROBE_END + 15, px, py, GRASP_Z, 1), // let go of the short block
        at(PROBE_END + 40, px, py, ABOVE_Z, 1),
        ...pick(PROBE_END + 25, ox, oy),
      ]);
    }
    default:
      return undefined;
  }
}

/** Tick at which occluded-pick's probe grasp has settled (the fingers first touch the block at ~80): the decisive moment. */
export const OCCLUDED_PICK_PROBE_TICK = 100;
