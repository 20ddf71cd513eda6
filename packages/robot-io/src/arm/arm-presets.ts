import type { ArmCalibration } from '../bus/calibration.js';
import type { Motor } from '../bus/motors-bus.js';
import type { ServoArmConfig } from './servo-arm.js';

export const SO_JOINTS = ['shoulder_pan', 'shoulder_lift', 'elbow_flex', 'wrist_flex', 'wrist_roll', 'gripper'] as const;

export interface ArmPresetOptions {
  readonly port: string;
  readonly calibration: ArmCalibration;
  readonly role?: 'follower' | 'leader';
  /** Body joints in degrees (LeRobot `use_degrees`) instead of -100..100. */
  readonly useDegrees?: boolean;
  readonly name?: string;
  readonly controlHz?: number;
}

/** SO-100 / SO-101 (follower or leader): 6 x Feetech STS3215, ids 1..6, as LeRobot's `so_follower`. */
export function soArm(options: ArmPresetOptions): ServoArmConfig {
  const body = options.useDegrees ?? true ? 'DEGREES' : 'RANGE_M100_100';
  const motors: Record<string, Motor> = Object.fromEntries(
    SO_JOINTS.map((name, i) => [name, { id: i + 1, model: 'sts3215', normMode: name === 'gripper' ? 'RANGE_0_100' : body }]),
  );
  const role = options.role ?? 'follower';
  return {
    name: options.name ?? `so101_${role}`,
    port: options.port,
    protocol: 'feetech',
    motors,
    calibration: options.calibration,
    role,
    bus: { retries: 2 }, // LeRobot num_read_retries: Feetech buses occasionally return a corrupt status
    ...(options.controlHz ? { controlHz: options.controlHz } : {}),
  };
}

/**
 * Koch v1.1: follower XL430-W250 (ids 1-2) + XL330-M288 (3-6); leader 6 x XL330-M077.
 * Extended position mode (4) for the body, current-based position (5) for the gripper.
 */
export function kochArm(options: ArmPresetOptions): ServoArmConfig {
  const role = options.role ?? 'follower';
  const body = options.useDegrees ?? false ? 'DEGREES' : 'RANGE_M100_100';
  const motors: Record<string, Motor> = Object.fromEntries(
    SO_JOINTS.map((name, i) => {
      const model = role === 'leader' ? 'xl330-m077' : i < 2 ? 'xl430-w250' : 'xl330-m288';
      return [name, { id: i + 1, model, normMode: name === 'gripper' ? 'RANGE_0_100' : body }];
    }),
  );
  const operatingModes = Object.fromEntries(SO_JOINTS.map((name) => [name, name === 'gripper' ? 5 : 4]));
  return {
    name: options.name ?? `koch_${role}`,
    port: options.port,
    protocol: 'dynamixel',
    motors,
    calibration: options.calibration,
    role,
    operatingModes,
    ...(options.controlHz ? { controlHz: options.controlHz } : {}),
  };
}

export const ALOHA_JOINTS = ['waist', 'shoulder', 'elbow', 'forearm_roll', 'wrist_angle', 'wrist_rotate', 'gripper'] as const;

/**
 * ALOHA-style arm (Interbotix ViperX 300 S follower / WidowX 250 s leader) on Dynamixel X:
 * 7 joints plus shadow motors on shoulder and elbow (ids 3 and 5, Secondary_ID). Models as
 * LeRobot's old AlohaRobotConfig: follower XM540-W270 x 7 + XM430-W350 (wrist_rotate, gripper);
 * leader XM430-W350 x 7 + XL430-W250 (wrist_rotate) + XC430-W150 (gripper). Body in degrees
 * (LeRobot's ALOHA convention), extended position mode; follower gripper current-based position.
 */
export function alohaArm(options: ArmPresetOptions): ServoArmConfig {
  const role = options.role ?? 'follower';
  const ids = { waist: 1, shoulder: 2, elbow: 4, forearm_roll: 6, wrist_angle: 7, wrist_rotate: 8, gripper: 9 } as const;
  const big = role === 'follower' ? 'xm540-w270' : 'xm430-w350';
  const modelOf = (name: (typeof ALOHA_JOINTS)[number]): string => {
    if (name === 'wrist_rotate') return role === 'follower' ? 'xm430-w350' : 'xl430-w250';
    if (name === 'gripper') return role === 'follower' ? 'xm430-w350' : 'xc430-w150';
    return big;
  };
  const motors: Record<string, Motor> = Object.fromEntries(
    ALOHA_JOINTS.map((name) => [name, { id: ids[name], model: modelOf(name), normMode: name === 'gripper' ? 'RANGE_0_100' : (options.useDegrees ?? true) ? 'DEGREES' : 'RANGE_M100_100' }]),
  );
  const operatingModes: Record<string, number> = Object.fromEntries(ALOHA_JOINTS.map((name) => [name, name === 'gripper' ? (role === 'follower' ? 5 : 4) : 4]));
  return {
    name: options.name ?? `aloha_${role}`,
    port: options.port,
    protocol: 'dynamixel',
    motors,
    calibration: options.calibration,
    role,
    operatingModes,
    shadows: { shoulder_shadow: { id: 3, model: big, of: 'shoulder' }, elbow_shadow: { id: 5, model: big, of: 'elbow' } },
    ...(options.controlHz ? { controlHz: options.controlHz } : {}),
  };
}
