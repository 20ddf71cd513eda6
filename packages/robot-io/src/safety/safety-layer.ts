import type { RobotSpec } from '../robot.js';

export interface SafetyOptions {
  /**
   * LeRobot's `max_relative_target`: the largest change of a joint target per tick, relative
   * to the present position, in the joint's units. A number for all joints, or one per joint
   * (by index or by joint name). Undefined = no cap.
   */
  readonly maxRelativeTarget?: number | readonly number[] | Readonly<Record<string, number>>;
}

export interface SafetyResult {
  /** The action that may be sent. */
  readonly action: Float32Array;
  /** Joints clamped to their limits. */
  readonly limitClamped: readonly number[];
  /** How far each of those targets was outside its limit (joint units, same order as `limitClamped`). */
  readonly limitExcess: readonly number[];
  /** Joints whose step was capped by `maxRelativeTarget`. */
  readonly stepClamped: readonly number[];
  /** True when the action had a NaN or infinite entry and the last command (or the present position) was held instead. */
  readonly held: boolean;
}

/**
 * The checks between a policy and a robot: hold position on a non-finite action, clamp every
 * target to the joint limits, then cap the change per tick (`goal = present + clamp(goal -
 * present, ±cap)`, as LeRobot's `ensure_safe_goal_position`). Limits come first so a robot that
 * starts outside its limits is brought back no faster than the cap allows.
 */
export class SafetyLayer {
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly cap: Float64Array;

  constructor(
    readonly spec: RobotSpec,
    options: SafetyOptions = {},
  ) {
    const n = spec.joints.length;
    this.lower = Float64Array.from(spec.joints, (j) => j.limits[0]);
    this.upper = Float64Array.from(spec.joints, (j) => j.limits[1]);
    spec.joints.forEach((j, i) => {
      if (!(this.lower[i]! <= this.upper[i]!)) throw new RangeError(`${spec.name}: joint "${j.name}" has limits [${j.limits}] with lower > upper`);
    });
    const m = options.maxRelativeTarget;
    this.cap = new Float64Array(n).fill(Infinity);
    if (typeof m === 'number') this.cap.fill(m);
    else if (Array.isArray(m)) {
      if (m.length !== n) throw new RangeError(`maxRelativeTarget has ${m.length} entries, ${spec.name} has ${n} joints`);
      this.cap.set(m);
    } else if (m) {
      for (const [name, v] of Object.entries(m)) {
        const i = spec.joints.findIndex((j) => j.name === name);
        if (i < 0) throw new RangeError(`maxRelativeTarget names joint "${name}", not a joint of ${spec.name}`);
        this.cap[i] = v as number;
      }
    }
    this.cap.forEach((c, i) => {
      if (!(c >= 0)) throw new RangeError(`maxRelativeTarget for joint ${spec.joints[i]!.name} must be >= 0, got ${c}`);
    });
  }

  /**
   * The action with every target clamped to its joint's limits (no step cap; a non-finite entry
   * stays as it is, for `apply` to hold on). Teleoperation uses it so the leader's position is
   * a target the follower can reach, both on the bus and in a recorded dataset.
   */
  clampToLimits(action: ArrayLike<number>): Float32Array {
    const n = this.lower.length;
    if (action.length !== n) throw new RangeError(`${this.spec.name}: action has ${action.length} values, expected ${n}`);
    return Float32Array.from({ length: n }, (_, i) => {
      const v = action[i]!;
      return Number.isFinite(v) ? Math.min(this.upper[i]!, Math.max(this.lower[i]!, v)) : v;
    });
  }

  /**
   * Filter one action. `previous`, the last action sent, adds a second cap: the command itself
   * never changes by more than the cap per tick, even when `present` is stale (a late reply from
   * an earlier read) or the joint lags its goal.
   */
  apply(action: ArrayLike<number>, present: ArrayLike<number>, previous?: ArrayLike<number>): SafetyResult {
    const n = this.lower.length;
    if (action.length !== n) throw new RangeError(`${this.spec.name}: action has ${action.length} values, expected ${n}`);
    if (present.length !== n) throw new RangeError(`${this.spec.name}: present position has ${present.length} values, expected ${n}`);
    const out = new Float32Array(n);
    let held = false;
    for (let i = 0; i < n; i++) if (!Number.isFinite(action[i]!)) held = true;
    if (held) {
      // Hold: repeat the last command sent (the present position when none was sent yet), which
      // is within every limit already, whatever a stale reading of the present position says.
      const hold = previous ?? present;
      for (let i = 0; i < n; i++) out[i] = hold[i]!;
      return { action: out, limitClamped: [], limitExcess: [], stepClamped: [], held };
    }
    const limitClamped: number[] = [];
    const limitExcess: number[] = [];
    const stepClamped: number[] = [];
    for (let i = 0; i < n; i++) {
      let goal = action[i]!;
      if (goal < this.lower[i]! || goal > this.upper[i]!) {
        const clamped = Math.min(this.upper[i]!, Math.max(this.lower[i]!, goal));
        limitClamped.push(i);
        limitExcess.push(Math.abs(goal - clamped));
        goal = clamped;
      }
      const p = present[i]!;
      const cap = this.cap[i]!;
      let capped = false;
      if (Number.isFinite(p) && Math.abs(goal - p) > cap) {
        goal = p + Math.sign(goal - p) * cap;
        capped = true;
      }
      const q = previous?.[i];
      if (q !== undefined && Number.isFinite(q) && Math.abs(goal - q) > cap) {
        goal = q + Math.sign(goal - q) * cap;
        capped = true;
      }
      if (capped) stepClamped.push(i);
      out[i] = goal;
    }
    return { action: out, limitClamped, limitExcess, stepClamped, held };
  }
}
