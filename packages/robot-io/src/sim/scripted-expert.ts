import { ArmIk, type GripperPose, type Vec3 } from './arm-ik.js';
import { START_ARM_POSE, START_GRIPPER, type ArmSide } from './scene.js';
import type { SimRobot } from './sim-robot.js';
import { SimRng } from './sim-rng.js';
import { singleArmPlan } from './single-arm-plans.js';
import type { ArmPlan, Keyframe } from './arm-plan.js';

export interface ScriptedExpertOptions {
  /** ACT's `inject_noise`: uniform noise of +/- this many metres on every tick's xyz target (ACT: 0.01). Default 0. */
  readonly noise?: number;
  /** Seed of the noise (default 0). */
  readonly noiseSeed?: number;
}

export type { ArmPlan, Keyframe } from './arm-plan.js';

const DOWN: Vec3 = [0, 0, -1];
const PLUS_X: Vec3 = [1, 0, 0];
const Y: Vec3 = [0, 1, 0];
const NEG_Y: Vec3 = [0, -1, 0];
/** ACT's meet point for the handover. */
const MEET: Vec3 = [0, 0.5, 0.25];
const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

/** TCP target that puts a grasped object's centre at `goal`, from the live TCP-object offset. */
const carry = (side: ArmSide, body: string, goal: (r: SimRobot) => Vec3) => (r: SimRobot): Vec3 =>
  add(goal(r), sub(r.tcpPosition(side), r.objectPosition(body)));

/** Per-task waypoint plans, built from the object poses at tick 0 (as ACT's scripted policies). */
export function buildPlans(robot: SimRobot, start: Readonly<Record<string, GripperPose>>): Partial<Record<ArmSide, ArmPlan>> {
  const s = (side: ArmSide, g = START_GRIPPER): Keyframe => ({ t: 0, ...start[side]!, g });
  switch (robot.task.name) {
    case 'transfer-cube': {
      const [cx, cy] = robot.objectPosition('box');
      const gx = cx + 0.012; // right fingers pinch the +x half of the cube, leaving the -x half for the left
      const right: ArmPlan = [
        s('right'),
        { t: 60, pos: [gx, cy, 0.13], point: DOWN, close: NEG_Y, g: 1 },
        { t: 95, pos: [gx, cy, 0.022], point: DOWN, close: NEG_Y, g: 1 },
        { t: 115, pos: [gx, cy, 0.022], point: DOWN, close: NEG_Y, g: 0 },
        { t: 130, pos: [gx, cy, 0.022], point: DOWN, close: NEG_Y, g: 0 },
        { t: 180, pos: carry('right', 'box', () => MEET), point: DOWN, close: NEG_Y, g: 0 },
        { t: 280, pos: carry('right', 'box', () => MEET), point: DOWN, close: NEG_Y, g: 0 },
        { t: 295, pos: (r) => r.tcpPosition('right'), point: DOWN, close: NEG_Y, g: 1 },
        { t: 340, pos: add(MEET, [0.07, 0, 0.1]), point: DOWN, close: NEG_Y, g: 1 },
        { t: 400, pos: add(MEET, [0.07, 0, 0.1]), point: DOWN, close: NEG_Y, g: 1 },
      ];
      const left: ArmPlan = [
        s('left'),
        { t: 160, pos: add(MEET, [-0.13, 0, 0]), point: PLUS_X, close: Y, g: 1 },
        { t: 200, pos: (r) => add(r.objectPosition('box'), [-0.11, 0, 0]), point: PLUS_X, close: Y, g: 1 },
        { t: 240, pos: (r) => add(r.objectPosition('box'), [-0.019, 0, 0]), point: PLUS_X, close: Y, g: 1, track: true },
        { t: 265, pos: (r) => r.tcpPosition('left'), point: PLUS_X, close: Y, g: 0 },
        { t: 300, pos: (r) => r.tcpPosition('left'), point: PLUS_X, close: Y, g: 0 },
        { t: 350, pos: add(MEET, [-0.1, 0, 0]), point: PLUS_X, close: Y, g: 0 },
        { t: 400, pos: add(MEET, [-0.1, 0, 0]), point: PLUS_X, close: Y, g: 0 },
      ];
      return { left, right };
    }
    case 'insertion': {
      const [px, py] = robot.objectPosition('peg');
      const [sx, sy] = robot.objectPosition('socket');
      const socket = (r: SimRobot): Vec3 => r.objectPosition('socket');
      const right: ArmPlan = [
        s('right'),
        { t: 70, pos: [px + 0.045, py, 0.13], point: DOWN, close: NEG_Y, g: 1 },
        { t: 110, pos: [px + 0.045, py, 0.017], point: DOWN, close: NEG_Y, g: 1 },
        { t: 130, pos: [px + 0.045, py, 0.017], point: DOWN, close: NEG_Y, g: 0 },
        { t: 150, pos: [px + 0.045, py, 0.017], point: DOWN, close: NEG_Y, g: 0 },
        { t: 200, pos: carry('right', 'peg', () => [0.12, 0.5, 0.2]), point: DOWN, close: NEG_Y, g: 0 },
        { t: 260, pos: carry('right', 'peg', (r) => add(socket(r), [0.115, 0, 0])), point: DOWN, close: NEG_Y, g: 0, track: true },
        { t: 330, pos: carry('right', 'peg', (r) => add(socket(r), [0.026, 0, 0])), point: DOWN, close: NEG_Y, g: 0, track: true },
        { t: 400, pos: carry('right', 'peg', (r) => add(socket(r), [0.026, 0, 0])), point: DOWN, close: NEG_Y, g: 0, track: true },
      ];
      const left: ArmPlan = [
        s('left'),
        { t: 70, pos: [sx - 0.03, sy, 0.13], point: DOWN, close: Y, g: 1 },
        { t: 110, pos: [sx - 0.03, sy, 0.019], point: DOWN, close: Y, g: 1 },
        { t: 130, pos: [sx - 0.03, sy, 0.019], point: DOWN, close: Y, g: 0 },
        { t: 150, pos: [sx - 0.03, sy, 0.019], point: DOWN, close: Y, g: 0 },
        { t: 200, pos: carry('left', 'socket', () => [-0.06, 0.5, 0.2]), point: DOWN, close: Y, g: 0 },
        { t: 400, pos: carry('left', 'socket', () => [-0.06, 0.5, 0.2]), point: DOWN, close: Y, g: 0 },
      ];
      return { left, right };
    }
    default: {
      const right = singleArmPlan(robot, s('right'));
      if (!right) throw new Error(`no scripted plan for task "${robot.task.name}"`);
      return { right };
    }
  }
}

/** Ticks the gripper spends turning to its first waypoint's orientation before the arm moves. */
export const ORIENT_TICKS = 20;

/**
 * Turns the gripper in place (at its start position, waist still) before reaching: an extra
 * waypoint at ORIENT_TICKS with the start position and the first waypoint's axes. Reaching with a
 * near-horizontal gripper while the waist yaws would need a yaw the wrist only has after rolling the
 * forearm; the IK then wound forearm_roll and wrist_rotate to about +pi/-pi or -pi/+pi depending on
 * which side the object lay, so the demonstrations of one task held two joint-space modes.
 */
export function orientFirst(plan: ArmPlan): ArmPlan {
  const [start, first] = [plan[0]!, plan[1]];
  if (!first || first.t < 2 * ORIENT_TICKS) return plan;
  return [start, { t: ORIENT_TICKS, pos: start.pos, point: first.point, close: first.close, g: start.g }, ...plan.slice(1)];
}

interface ArmRunner {
  readonly side: ArmSide;
  readonly plan: ArmPlan;
  readonly ik: ArmIk;
  q: number[];
  segStart: { pos: Vec3; point: Vec3; close: Vec3; g: number };
  segEnd: Vec3;
  seg: number;
}

/**
 * ACT-style scripted expert: end-effector waypoints per arm, linearly interpolated (position,
 * pointing and closing axes, gripper), turned into joint targets by inverse kinematics every tick.
 * Its actions are joint-space (6 joints + normalised gripper per arm), so they replay unchanged in
 * the joint-controlled robot. Reads privileged state (object poses), like ACT's experts.
 */
export class ScriptedExpert {
  private runners: ArmRunner[] = [];
  private readonly noise: number;
  private rng: SimRng;

  constructor(
    private readonly robot: SimRobot,
    private readonly options: ScriptedExpertOptions = {},
  ) {
    this.noise = options.noise ?? 0;
    if (!(this.noise >= 0)) throw new Error(`ScriptedExpert: noise must be >= 0 metres, got ${options.noise}`);
    this.rng = new SimRng(options.noiseSeed ?? 0);
  }

  /** Builds the plans from the current (just reset) state; `noiseSeed` restarts the noise sequence. */
  reset(noiseSeed = this.options.noiseSeed ?? 0): void {
    this.delete();
    this.rng = new SimRng(noiseSeed);
    const r = this.robot;
    const iks = r.sides.map((side) => new ArmIk(r.mj, r.model, side));
    const start: Record<string, GripperPose> = {};
    r.sides.forEach((side, i) => {
      const { pos, mat } = iks[i]!.forward([...START_ARM_POSE]);
      start[side] = { pos, point: [mat[0]!, mat[3]!, mat[6]!], close: [mat[1]!, mat[4]!, mat[7]!] };
    });
    const plans = buildPlans(r, start);
    this.runners = r.sides.map((side, i) => {
      const built = plans[side];
      if (!built) throw new Error(`no scripted plan for the ${side} arm of ${r.task.name}`);
      const plan = orientFirst(built);
      const k0 = plan[0]!;
      return { side, plan, ik: iks[i]!, q: [...START_ARM_POSE], segStart: { pos: start[side]!.pos, point: k0.point, close: k0.close, g: k0.g }, segEnd: start[side]!.pos, seg: -1 };
    });
  }

  /** Joint-space action for the robot's current tick. */
  action(): Float32Array {
    if (this.runners.length === 0) this.reset();
    const t = this.robot.ticks;
    const out = new Float32Array(7 * this.runners.length);
    this.runners.forEach((arm, i) => {
      let target = this.target(arm, t);
      if (this.noise > 0) {
        const n = (): number => this.rng.uniform(-this.noise, this.noise);
        target = { ...target, pos: [target.pos[0] + n(), target.pos[1] + n(), target.pos[2] + n()] };
      }
      const sol = arm.ik.solve(target, arm.q);
      arm.q = sol.q;
      out.set(sol.q, 7 * i);
      out[7 * i + 6] = target.g;
    });
    return out;
  }

  private target(arm: ArmRunner, t: number): GripperPose & { g: number } {
    const plan = arm.plan;
    let k = plan.findIndex((kf) => kf.t > t);
    if (k < 0) k = plan.length - 1;
    const seg = k - 1;
    const end = plan[k]!;
    const resolve = (kf: Keyframe): Vec3 => (typeof kf.pos === 'function' ? kf.pos(this.robot) : kf.pos);
    if (seg !== arm.seg) {
      // Entering a new segment: start from where the previous one commanded.
      if (arm.seg >= 0) arm.segStart = { ...this.interp(arm, 1) };
      arm.seg = seg;
      arm.segEnd = resolve(end);
    } else if (end.track) {
      arm.segEnd = resolve(end);
    }
    const t0 = plan[Math.max(0, seg)]!.t;
    const a = end.t > t0 ? Math.min(1, (t - t0) / (end.t - t0)) : 1;
    return this.interp(arm, a);
  }

  private interp(arm: ArmRunner, a: number): GripperPose & { g: number } {
    const s = arm.segStart;
    const e = arm.plan[Math.max(0, Math.min(arm.plan.length - 1, arm.seg + 1))]!;
    const lerp = (x: Vec3, y: Vec3): Vec3 => [x[0] + a * (y[0] - x[0]), x[1] + a * (y[1] - x[1]), x[2] + a * (y[2] - x[2])];
    return { pos: lerp(s.pos, arm.segEnd), point: lerp(s.point, e.point), close: lerp(s.close, e.close), g: s.g + a * (e.g - s.g) };
  }

  /** Frees the IK scratch data. */
  delete(): void {
    for (const r of this.runners) r.ik.delete();
    this.runners = [];
  }
}
