import { OBSERVATION_STATE, type Action, type Observation } from '@actfusion/contracts';
import { BusError, ServoStatusError } from '../bus/bus-errors.js';
import type { Robot, RobotSpec } from '../robot.js';
import { SafetyLayer, type SafetyOptions, type SafetyResult } from './safety-layer.js';

export interface FaultPolicy {
  /**
   * Bus faults in a row (a timeout after retries, a corrupt reply) that the arm rides through
   * before it is stopped (default 3: 60 ms at 50 Hz). While riding through, the tick's action is
   * not sent, so the servos hold their last goal; a successful observation resets the count.
   * At the limit the arm is stopped: torque off on every servo (broadcast, as LeRobot's
   * `disable_torque_on_disconnect`), and every further action is refused until reconnect.
   */
  readonly maxConsecutiveFaults?: number;
}

export class EmergencyStopError extends Error {
  constructor(
    readonly robot: string,
    readonly reason: Error | undefined,
  ) {
    super(`${robot}: emergency stop is active${reason ? ` (after: ${reason.message})` : ''}; reconnect to resume`, reason ? { cause: reason } : undefined);
    this.name = 'EmergencyStopError';
  }
}

export interface SafetyStats {
  actions: number;
  /** Actions with at least one target clamped to a joint limit. */
  limitClamped: number;
  /**
   * Per joint that was ever clamped: how many actions clamped it and the largest distance of a
   * requested target beyond its limit (joint units), so a count can be told from a problem: a
   * policy a hair past a limit its training targets sit on vs. one asking for the impossible.
   */
  limitClampedByJoint: Record<string, { count: number; maxExcess: number }>;
  stepClamped: number;
  held: number;
  /** Bus faults ridden through (observe or act failed, the tick sent nothing). */
  faults: number;
  /** Actions not sent because the latest observation failed. */
  skipped: number;
}

/** A fault of the bus itself (lost or corrupt packets), not a servo reporting its own error. */
function isTransientBusFault(err: unknown): err is BusError {
  return err instanceof BusError && !(err instanceof ServoStatusError);
}

/**
 * A `Robot` wrapped in the safety layer: every `act` is filtered against the latest observed
 * position (non-finite actions hold position, targets are clamped to the joint limits, the change
 * per tick is capped), bus faults are ridden through up to a budget (see `FaultPolicy`), and
 * `emergencyStop` disables torque (via the robot's own `emergencyStop`) and refuses further
 * actions until the robot is reconnected.
 */
export class SafeRobot implements Robot {
  readonly safety: SafetyLayer;
  readonly stats: SafetyStats = { actions: 0, limitClamped: 0, limitClampedByJoint: {}, stepClamped: 0, held: 0, faults: 0, skipped: 0 };
  lastResult: SafetyResult | undefined;
  private present: Float32Array | undefined;
  /** The last action sent: the per-tick cap also holds relative to it. */
  private lastSent: Float32Array | undefined;
  private lastObservation: Observation | undefined;
  private stale = false;
  private consecutiveFaults = 0;
  private readonly maxConsecutiveFaults: number;
  private stopped: { reason: Error | undefined } | undefined;

  constructor(
    readonly robot: Robot,
    options: SafetyOptions & FaultPolicy = {},
  ) {
    this.safety = new SafetyLayer(robot.spec, options);
    this.maxConsecutiveFaults = options.maxConsecutiveFaults ?? 3;
    if (!Number.isInteger(this.maxConsecutiveFaults) || this.maxConsecutiveFaults < 1) {
      throw new RangeError(`maxConsecutiveFaults must be an integer >= 1, got ${options.maxConsecutiveFaults}`);
    }
  }

  get spec(): RobotSpec {
    return this.robot.spec;
  }

  get emergencyStopped(): boolean {
    return this.stopped !== undefined;
  }

  async connect(): Promise<void> {
    await this.robot.connect();
    this.stopped = undefined;
    this.present = undefined;
    this.lastSent = undefined;
    this.lastObservation = undefined;
    this.stale = false;
    this.consecutiveFaults = 0;
  }

  /**
   * The robot's observation. After a bus fault within the fault budget it returns the last good
   * observation and marks it stale (the next `act` then sends nothing); past the budget it stops
   * the arm and throws `EmergencyStopError`.
   */
  async observe(): Promise<Observation> {
    if (this.stopped) throw new EmergencyStopError(this.spec.name, this.stopped.reason);
    try {
      const obs = await this.robot.observe();
      this.present = obs[OBSERVATION_STATE];
      this.lastObservation = obs;
      this.stale = false;
      this.consecutiveFaults = 0;
      return obs;
    } catch (err) {
      await this.fault(err);
      this.stale = true;
      return this.lastObservation!;
    }
  }

  async act(action: Action): Promise<void> {
    if (this.stopped) throw new EmergencyStopError(this.spec.name, this.stopped.reason);
    if (this.present === undefined) await this.observe();
    if (this.stale) {
      // The present position is unknown this tick: a step limit relative to it cannot be
      // enforced, so nothing is sent and the servos hold their last goal.
      this.stats.skipped++;
      return;
    }
    const result = this.safety.apply(action, this.present!, this.lastSent);
    this.lastResult = result;
    this.stats.actions++;
    if (result.limitClamped.length) this.stats.limitClamped++;
    result.limitClamped.forEach((j, k) => {
      const name = this.spec.joints[j]!.name;
      const seen = (this.stats.limitClampedByJoint[name] ??= { count: 0, maxExcess: 0 });
      seen.count++;
      seen.maxExcess = Math.max(seen.maxExcess, result.limitExcess[k]!);
    });
    if (result.stepClamped.length) this.stats.stepClamped++;
    if (result.held) this.stats.held++;
    try {
      await this.robot.act(result.action);
      this.lastSent = result.action;
    } catch (err) {
      await this.fault(err);
    }
  }

  /** Count a bus fault; past the budget (or for any other error), stop the arm and throw. */
  private async fault(err: unknown): Promise<void> {
    const error = err instanceof Error ? err : new Error(String(err));
    if (isTransientBusFault(error) && this.lastObservation !== undefined) {
      this.consecutiveFaults++;
      this.stats.faults++;
      if (this.consecutiveFaults < this.maxConsecutiveFaults) return;
      await this.emergencyStop(error).catch(() => undefined);
      throw new EmergencyStopError(this.spec.name, new BusError(`${this.consecutiveFaults} bus faults in a row, the last: ${error.message}`, { cause: error }));
    }
    throw error;
  }

  /** Latch the stop and disable torque; safe to call more than once. */
  async emergencyStop(reason?: Error): Promise<void> {
    this.stopped ??= { reason };
    await this.robot.emergencyStop?.();
  }

  async disconnect(): Promise<void> {
    await this.robot.disconnect();
  }
}
