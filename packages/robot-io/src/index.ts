export type { CameraSpec, JointSpec, Robot, RobotSpec, TactileSpec } from './robot.js';
