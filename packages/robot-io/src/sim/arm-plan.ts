import type { Vec3 } from './arm-ik.js';
import type { SimRobot } from './sim-robot.js';

/** A gripper target at tick `t`. `pos` may depend on the live state; `track` re-evaluates it every tick. */
export interface Keyframe {
  readonly t: number;
  readonly pos: Vec3 | ((robot: SimRobot) => Vec3);
  readonly point: Vec3;
  readonly close: Vec3;
  /** Normalised gripper, 0 closed .. 1 open. */
  readonly g: number;
  readonly track?: boolean;
}

export type ArmPlan = readonly Keyframe[];
