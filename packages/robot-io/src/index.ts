export type { CameraSpec, JointSpec, Robot, RobotSpec, TactileSpec } from './robot.js';
export { ControlLoop, systemClock } from './control/control-loop.js';
export type { ControlLoopOptions, ControlLoopReport, MonotonicClock, RunOptions, TickInfo } from './control/control-loop.js';
export { SafetyLayer } from './safety/safety-layer.js';
export type { SafetyOptions, SafetyResult } from './safety/safety-layer.js';
export { EmergencyStopError, SafeRobot } from './safety/safe-robot.js';
export type { FaultPolicy, SafetyStats } from './safety/safe-robot.js';
export { BusError, BusTimeoutError, CorruptPacketError, ServoStatusError } from './bus/bus-errors.js';
export { BROADCAST_ID, INSTRUCTION, MAX_ID } from './bus/servo-protocol.js';
export type { Frame, FrameEvent, PacketFramer, ProtocolName, ServoProtocol, StatusPacket } from './bus/servo-protocol.js';
export { addStuffing, crc16, dynamixelProtocol, removeStuffing } from './bus/dynamixel-protocol.js';
export { feetechChecksum, feetechProtocol } from './bus/feetech-protocol.js';
export { protocolByName } from './bus/protocols.js';
export { ByteFramer } from './bus/packet-framer.js';
export {
  SERVO_MODELS,
  STS_SMS_SERIES_CONTROL_TABLE,
  X_SERIES_CONTROL_TABLE,
  decodeRegister,
  encodeRegister,
  modelByNumber,
  servoModel,
} from './bus/control-tables.js';
export type { Register, ServoModel, SignEncoding } from './bus/control-tables.js';
export { SCS_SERIES_CONTROL_TABLE, bytesToUint, modelFromNumberBytes, uintToBytes } from './bus/control-tables.js';
export type { ByteOrder } from './bus/control-tables.js';
export { SerialTransport } from './bus/serial-transport.js';
export { describeSerialPortProblem, SerialPortError } from './bus/serial-port-error.js';
export type { ByteTransport } from './bus/serial-transport.js';
export { ServoBus } from './bus/servo-bus.js';
export type { BusStats, PingResult, ServoBusOptions } from './bus/servo-bus.js';
export { MotorsBus } from './bus/motors-bus.js';
export type { Motor } from './bus/motors-bus.js';
export { MOTOR_NORM_MODES, normalize, unnormalize } from './bus/normalization.js';
export type { MotorNormMode, NormOptions, NormRange } from './bus/normalization.js';
export { calibrationSource, calibrationToJson, loadCalibration, parseCalibration, saveCalibration } from './bus/calibration.js';
export { checkArmCalibration } from './arm/check-arm-calibration.js';
export type { ArmCalibration, MotorCalibration } from './bus/calibration.js';
export { scanBus, scanOpenBus, type ScanOptions } from './bus/scan-bus.js';
export { latencyTimerWarning, usbLatencyTimer } from './bus/latency-timer.js';
export { BAUD_CODES, setupMotor } from './bus/setup-motor.js';
export type { SetupMotorOptions, SetupMotorResult } from './bus/setup-motor.js';
export type { ScannedServo } from './bus/scan-bus.js';
export { ServoEmulator } from './bus/servo-emulator.js';
export type { EmulatedServoOptions, ReceivedInstruction } from './bus/servo-emulator.js';
export { openPtyPair } from './bus/pty-pair.js';
export type { PtyPair } from './bus/pty-pair.js';
export { ServoArm } from './arm/servo-arm.js';
export type { FrameSource, ServoArmConfig } from './arm/servo-arm.js';
export { ALOHA_JOINTS, SO_JOINTS, alohaArm, kochArm, soArm } from './arm/arm-presets.js';
export type { ArmPresetOptions } from './arm/arm-presets.js';
export { Teleoperation } from './arm/teleoperation.js';
export type { TeleoperationOptions } from './arm/teleoperation.js';
export { Camera, ffmpegArgs } from './camera/camera.js';
export type { CameraOptions, CameraStats, FfmpegInput } from './camera/camera.js';
export { SimRobot, SIM_CONTROL_HZ, SIM_SUBSTEPS } from './sim/sim-robot.js';
export type { SimRobotOptions } from './sim/sim-robot.js';
export { INSERTION, LIFT_CUBE, SIM_TASKS, TRANSFER_CUBE, instructionIndex, simTask } from './sim/sim-task.js';
export type { ContactSet, EpisodeContext, LiftCubeTask, ObjectPose, ObjectPositionFn, SimTask } from './sim/sim-task.js';
export { COLORED_CUBE_INSTRUCTIONS, LIFT_COLORED_CUBE } from './sim/lift-colored-cube-task.js';
export type { LiftColoredCubeTask } from './sim/lift-colored-cube-task.js';
export { OCCLUDED_PICK, OTHER_SLOT, PROBE_SLOT } from './sim/occluded-pick-task.js';
export type { OccludedPickTask } from './sim/occluded-pick-task.js';
export { OCCLUDED_PICK_PROBE_TICK } from './sim/single-arm-plans.js';
export { LIFT_GAIN, liftStage, liftStageNames } from './sim/lift-stages.js';
export { REST_HEIGHT, heightGained } from './sim/scene-objects.js';
export {
  ARM_JOINT_NAMES,
  FINGER_CLOSED,
  FINGER_OPEN,
  START_ARM_POSE,
  TAXEL_COLS,
  TAXEL_ROWS,
  buildSceneXml,
  gripperNormalize,
  gripperUnnormalize,
  taskArms,
} from './sim/scene.js';
export type { ArmSide, SimTaskName } from './sim/scene.js';
export { RayCamera } from './sim/ray-camera.js';
export { renderTactileImage } from './sim/tactile-image.js';
export { ArmIk, gripperFrame } from './sim/arm-ik.js';
export type { GripperPose, Vec3 } from './sim/arm-ik.js';
export { ScriptedExpert, buildPlans } from './sim/scripted-expert.js';
export type { ArmPlan, Keyframe, ScriptedExpertOptions } from './sim/scripted-expert.js';
export { recordScriptedEpisode, replayActions, scriptedActions } from './sim/record-episode.js';
export type { RecordOptions, SimEpisode } from './sim/record-episode.js';
export { encodePng, writePng } from './sim/png.js';
export { SimRng } from './sim/sim-rng.js';
export { loadMujocoModule } from './sim/mujoco-runtime.js';
export type { MjData, MjModel, MujocoModule } from './sim/mujoco-runtime.js';
