import { OBSERVATION_STATE, TIMESTAMP, imageKey, type Action, type ImageFrame, type Observation } from '@actfusion/contracts';
import type { ArmCalibration } from '../bus/calibration.js';
import { checkArmCalibration } from './check-arm-calibration.js';
import { modelByNumber } from '../bus/control-tables.js';
import { latencyTimerWarning } from '../bus/latency-timer.js';
import { MotorsBus, type Motor } from '../bus/motors-bus.js';
import { normalize } from '../bus/normalization.js';
import { servoModel } from '../bus/control-tables.js';
import { ServoBus, type ServoBusOptions } from '../bus/servo-bus.js';
import type { ProtocolName } from '../bus/servo-protocol.js';
import type { CameraSpec, JointSpec, Robot, RobotSpec } from '../robot.js';

/** Anything that yields the latest camera frame (`Camera` does). */
export interface FrameSource {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  start(): Promise<void>;
  /** The newest complete frame (waits for the first one). */
  latestFrame(): Promise<ImageFrame>;
  stop(): Promise<void>;
}

export interface ServoArmConfig {
  /** Robot name (`so101_follower`, `koch_leader`, ...). */
  readonly name: string;
  readonly port: string;
  readonly protocol: ProtocolName;
  /** Motors in joint order. */
  readonly motors: Readonly<Record<string, Motor>>;
  /** LeRobot calibration (see `loadCalibration`); written to the servos on connect. */
  readonly calibration: ArmCalibration;
  /** A leader is moved by hand: torque stays off and `act` is refused. */
  readonly role?: 'follower' | 'leader';
  /** Operating_Mode to write per motor on connect (Koch: 4 extended position, gripper 5). */
  readonly operatingModes?: Readonly<Record<string, number>>;
  readonly controlHz?: number;
  readonly bus?: ServoBusOptions;
  readonly cameras?: readonly FrameSource[];
  /**
   * Shadow motors (ALOHA's doubled shoulder and elbow): on connect each gets Secondary_ID = the
   * id of the motor it doubles, so it takes every command sent to that motor and never replies.
   */
  readonly shadows?: Readonly<Record<string, { readonly id: number; readonly model: string; readonly of: string }>>;
  /** Write the calibration to the servos' EEPROM on connect (default true). */
  readonly writeCalibration?: boolean;
}

/**
 * A serial-bus arm (SO-100/SO-101 on Feetech STS3215, Koch/ALOHA-style on Dynamixel X) as a
 * `Robot`. `qpos` and actions are LeRobot's normalised units per motor (degrees, -100..100 or
 * 0..100 for the gripper), joint limits are the calibrated range in those units. Observations
 * are one SYNC_READ, actions one SYNC_WRITE.
 */
export class ServoArm implements Robot {
  readonly spec: RobotSpec;
  /** Problems found on connect that do not stop the arm (e.g. a 16 ms USB latency timer). */
  readonly warnings: string[] = [];
  private motorsBus: MotorsBus | undefined;
  /** `Observation.timestamp` counts seconds from connect. */
  private connectedAt = 0;

  constructor(readonly config: ServoArmConfig) {
    checkArmCalibration(config.name, config.motors, config.calibration);
    const names = Object.keys(config.motors);
    const joints: JointSpec[] = names.map((name) => {
      const motor = config.motors[name]!;
      const c = config.calibration[name];
      if (!c) throw new RangeError(`${config.name}: calibration has no entry for motor "${name}"`);
      const opts = { resolution: servoModel(motor.model).resolution, applyDriveMode: config.protocol === 'feetech' };
      const a = normalize(motor.normMode, c.rangeMin, c, opts, name);
      const b = normalize(motor.normMode, c.rangeMax, c, opts, name);
      return { name, limits: [Math.min(a, b), Math.max(a, b)], kind: motor.normMode === 'RANGE_0_100' ? 'gripper' : 'revolute' };
    });
    const cameras: CameraSpec[] = (config.cameras ?? []).map((c) => ({ name: c.name, height: c.height, width: c.width }));
    this.spec = { name: config.name, joints, cameras, controlHz: config.controlHz ?? 50 };
  }

  get bus(): MotorsBus {
    if (!this.motorsBus) throw new Error(`${this.config.name}: not connected`);
    return this.motorsBus;
  }

  get connected(): boolean {
    return this.motorsBus !== undefined;
  }

  /** Open the port, check every motor answers with the expected model, write calibration and modes. */
  async connect(): Promise<void> {
    if (this.motorsBus) return;
    const { config } = this;
    const bus = await ServoBus.open(config.port, config.protocol, config.bus);
    const latency = await latencyTimerWarning(config.port).catch(() => undefined);
    if (latency) this.warnings.push(latency);
    try {
      const motors = new MotorsBus(bus, config.motors, config.calibration);
      for (const [name, motor] of Object.entries(config.motors)) {
        await bus.ping(motor.id);
        const found = await motors.readRegister('Model_Number', name);
        const expected = servoModel(motor.model).modelNumber;
        if (found !== expected) {
          const foundName = modelByNumber(config.protocol, found)?.name ?? 'unknown model';
          throw new Error(`${config.name}: motor "${name}" (id ${motor.id}) on ${config.port} is model ${found} (${foundName}), expected ${expected} (${motor.model})`);
        }
      }
      await motors.disableTorque();
      await this.setupShadows(bus);
      await motors.configure();
      if (config.writeCalibration ?? true) await motors.writeCalibration(config.calibration);
      for (const [name, mode] of Object.entries(config.operatingModes ?? {})) await motors.writeRegister('Operating_Mode', name, mode);
      if ((config.role ?? 'follower') === 'follower') await motors.enableTorque();
      for (const cam of config.cameras ?? []) await cam.start();
      this.motorsBus = motors;
      this.connectedAt = performance.now();
    } catch (err) {
      await bus.close();
      throw err;
    }
  }

  private async setupShadows(bus: ServoBus): Promise<void> {
    for (const [name, shadow] of Object.entries(this.config.shadows ?? {})) {
      const primary = this.config.motors[shadow.of];
      if (!primary) throw new RangeError(`${this.config.name}: shadow "${name}" doubles unknown motor "${shadow.of}"`);
      const own = new MotorsBus(bus, { [name]: { id: shadow.id, model: shadow.model, normMode: 'DEGREES' } });
      await bus.ping(shadow.id);
      await own.writeRegister('Torque_Enable', name, 0);
      await own.writeRegister('Secondary_ID', name, primary.id);
      const mode = this.config.operatingModes?.[shadow.of];
      if (mode !== undefined) await own.writeRegister('Operating_Mode', name, mode);
    }
  }

  async observe(): Promise<Observation> {
    const bus = this.bus;
    const positions = await bus.readPositions();
    const obs: Record<string, unknown> = { [OBSERVATION_STATE]: Float32Array.from(bus.names, (n) => positions[n]!) };
    for (const cam of this.config.cameras ?? []) obs[imageKey(cam.name)] = await cam.latestFrame();
    obs[TIMESTAMP] = (performance.now() - this.connectedAt) / 1000;
    return obs as Observation;
  }

  /** Send target positions (normalised units, joint order). Raw ticks are clamped to the calibrated range. */
  async act(action: Action): Promise<void> {
    if (this.config.role === 'leader') throw new Error(`${this.config.name}: a leader arm does not take actions`);
    const bus = this.bus;
    if (action.length !== bus.names.length) throw new RangeError(`${this.config.name}: action has ${action.length} values, expected ${bus.names.length}`);
    for (let i = 0; i < action.length; i++) {
      if (!Number.isFinite(action[i]!)) throw new RangeError(`${this.config.name}: action[${i}] (${bus.names[i]}) is ${action[i]}; refusing to send`);
    }
    await bus.writeGoalPositions(Object.fromEntries(bus.names.map((n, i) => [n, action[i]!])));
  }

  /** Broadcast torque-off, no replies awaited, so it works on a bus whose servos stopped answering. */
  async emergencyStop(): Promise<void> {
    await this.motorsBus?.emergencyTorqueOff();
  }

  /** Torque off (LeRobot `disable_torque_on_disconnect`, retried 5 times), then close the port. */
  async disconnect(): Promise<void> {
    const bus = this.motorsBus;
    if (!bus) return;
    this.motorsBus = undefined;
    try {
      if ((this.config.role ?? 'follower') === 'follower') {
        let done = false;
        for (let attempt = 0; attempt < 5 && !done; attempt++) {
          done = await bus.disableTorque().then(() => true, () => false);
        }
        if (!done) await bus.emergencyTorqueOff().catch(() => undefined);
      }
      for (const cam of this.config.cameras ?? []) await cam.stop();
    } finally {
      await bus.bus.close();
    }
  }
}
