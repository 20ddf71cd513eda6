import type { Action, Observation } from '@actfusion/cvae-core';
import type { Robot, RobotSpec } from '../robot.js';
import { SafetyLayer, type SafetyOptions, type SafetyResult } from './safety-layer.js';

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
  limitClamped: number;
  stepClamped: number;
  held: number;
}

/**
 * A `Robot` wrapped in the safety layer: every `act` is filtered against the latest observed
 * position, and `emergencyStop` disables torque (via the robot's own `emergencyStop`) and
 * refuses further actions until the robot is reconnected.
 */
export class SafeRobot implements Robot {
  readonly safety: SafetyLayer;
  readonly stats: SafetyStats = { actions: 0, limitClamped: 0, stepClamped: 0, held: 0 };
  lastResult: SafetyResult | undefined;
  private present: Float32Array | undefined;
  private stopped: { reason: Error | undefined } | undefined;

  constructor(
    readonly robot: Robot,
    options: SafetyOptions = {},
  ) {
    this.safety = new SafetyLayer(robot.spec, options);
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
  }

  async observe(): Promise<Observation> {
    const obs = await this.robot.observe();
    this.present = obs.qpos;
    return obs;
  }

  async act(action: Action): Promise<void> {
    if (this.stopped) throw new EmergencyStopError(this.spec.name, this.stopped.reason);
    const present = this.present ?? (await this.observe()).qpos;
    const result = this.safety.apply(action, present);
    this.lastResult = result;
    this.stats.actions++;
    if (result.limitClamped.length) this.stats.limitClamped++;
    if (result.stepClamped.length) this.stats.stepClamped++;
    if (result.held) this.stats.held++;
    await this.robot.act(result.action);
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
