import type { Action, Observation } from './observation.js';

/** One joint (or gripper) of a robot, in the units `qpos` and actions use. */
export interface JointSpec {
  readonly name: string;
  /** Lower and upper limit of the command, in the joint's units (radians, or 0..1 for grippers). */
  readonly limits: readonly [number, number];
  readonly kind?: 'revolute' | 'prismatic' | 'gripper';
}

export interface CameraSpec {
  readonly name: string;
  readonly height: number;
  readonly width: number;
}

export interface TactileSpec {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
}

/** What a robot is: its joints, cameras, tactile sensors and control rate. */
export interface RobotSpec {
  readonly name: string;
  readonly joints: readonly JointSpec[];
  readonly cameras: readonly CameraSpec[];
  readonly tactile?: readonly TactileSpec[];
  /** Control rate in hertz (ALOHA: 50). */
  readonly controlHz: number;
}

/** A robot, simulated or real. `act` takes target joint positions in `qpos` layout. */
export interface Robot {
  readonly spec: RobotSpec;
  connect(): Promise<void>;
  observe(): Promise<Observation>;
  act(action: Action): Promise<void>;
  disconnect(): Promise<void>;
  /**
   * Make the robot safe at once after a fault: disable torque (servos) or freeze (sim), without
   * relying on a healthy bus. Optional; `SafeRobot` calls it on an emergency stop.
   */
  emergencyStop?(): Promise<void>;
}
