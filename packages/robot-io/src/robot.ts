export type { CameraSpec, JointSpec, Robot, RobotSpec, TactileSpec } from '@actfusion/contracts';
