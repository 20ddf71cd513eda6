import type { Action, Observation } from './observation.js';

/** One joint (or gripper) of a robot, in the units `observation.state` and actions use. */
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

/**
 * A tactile sensor: its taxel grid (`observation.taxels.<name>`, rows x cols forces) and, when it
 * renders one, its tactile image (`observation.tactile.<name>`, GelSight-style RGB).
 */
export interface TactileSpec {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** Size of the tactile image the sensor also emits, if any. */
  readonly image?: { readonly height: number; readonly width: number };
}

/** What a robot is: its joints, cameras, tactile sensors and control rate. */
export interface RobotSpec {
  readonly name: string;
  readonly joints: readonly JointSpec[];
  readonly cameras: readonly CameraSpec[];
  readonly tactile?: readonly TactileSpec[];
  /** Control rate in hertz (ALOHA: 50). */
  readonly controlHz: number;
  /** True when observations carry `observation.velocity`. */
  readonly velocity?: boolean;
  /** True when observations carry `task` (the instruction of the current episode). */
  readonly task?: boolean;
}

/**
 * A robot, simulated or real. `observe()` returns features by key (see `Observation`; their specs
 * are `robotFeatures(spec)`); `act` takes target joint positions in `observation.state` layout.
 */
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
