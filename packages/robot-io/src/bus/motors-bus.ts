import type { ArmCalibration, MotorCalibration } from './calibration.js';
import { bytesToUint, decodeRegister, encodeRegister, register, servoModel, uintToBytes, type ServoModel } from './control-tables.js';
import { normalize, unnormalize, type MotorNormMode } from './normalization.js';
import type { ServoBus } from './servo-bus.js';
import { BROADCAST_ID } from './servo-protocol.js';

/** LeRobot `Motor(id, model, norm_mode)`. */
export interface Motor {
  readonly id: number;
  readonly model: string;
  readonly normMode: MotorNormMode;
}

/**
 * Named motors on one `ServoBus`, the LeRobot `MotorsBus` way: register names looked up in the
 * model's control table, signed values decoded per model (two's complement for Dynamixel,
 * sign-magnitude for Feetech) in the model's byte order (big-endian for Feetech SCS), positions normalised with the calibration. The hot path is
 * `readPositions` (SYNC_READ) and `writeGoalPositions` (SYNC_WRITE, no reply).
 */
export class MotorsBus {
  readonly names: readonly string[];
  private readonly models = new Map<string, ServoModel>();
  private calibrationValue: ArmCalibration | undefined;

  constructor(
    readonly bus: ServoBus,
    readonly motors: Readonly<Record<string, Motor>>,
    calibration?: ArmCalibration,
  ) {
    this.names = Object.keys(motors);
    for (const [name, motor] of Object.entries(motors)) {
      const model = servoModel(motor.model);
      if (model.protocol !== bus.protocol.name) {
        throw new RangeError(`motor "${name}": ${motor.model} is a ${model.protocol} servo but the bus speaks ${bus.protocol.name}`);
      }
      this.models.set(name, model);
    }
    if (calibration) this.calibration = calibration;
  }

  get calibration(): ArmCalibration | undefined {
    return this.calibrationValue;
  }

  set calibration(calibration: ArmCalibration | undefined) {
    if (calibration) {
      for (const name of this.names) {
        const c = calibration[name];
        if (!c) throw new RangeError(`calibration has no entry for motor "${name}"`);
        if (c.id !== this.motors[name]!.id) throw new RangeError(`calibration of "${name}" is for id ${c.id}, the motor has id ${this.motors[name]!.id}`);
      }
    }
    this.calibrationValue = calibration;
  }

  /** Feetech applies drive mode in software; Dynamixel has it in hardware (LeRobot `apply_drive_mode`). */
  private get applyDriveMode(): boolean {
    return this.bus.protocol.name === 'feetech';
  }

  model(name: string): ServoModel {
    const model = this.models.get(name);
    if (!model) throw new RangeError(`unknown motor "${name}": expected one of ${this.names.join(', ')}`);
    return model;
  }

  async readRegister(reg: string, motor: string): Promise<number> {
    const model = this.model(motor);
    const [address, size] = register(model, reg);
    const data = await this.bus.read(this.motors[motor]!.id, address, size);
    return decodeRegister(model, reg, bytesToUint(data, 0, size, model.byteOrder));
  }

  async writeRegister(reg: string, motor: string, value: number): Promise<void> {
    const model = this.model(motor);
    const [address, size] = register(model, reg);
    await this.bus.write(this.motors[motor]!.id, address, uintToBytes(encodeRegister(model, reg, value), size, model.byteOrder));
  }

  private sharedRegister(reg: string, motors: readonly string[]): readonly [number, number] {
    const [address, size] = register(this.model(motors[0]!), reg);
    for (const m of motors) {
      const [a, s] = register(this.model(m), reg);
      if (a !== address || s !== size) throw new RangeError(`${reg} is at different addresses on ${motors[0]} and ${m}: cannot sync`);
    }
    return [address, size];
  }

  async syncReadRegister(reg: string, motors: readonly string[] = this.names): Promise<Record<string, number>> {
    const [address, size] = this.sharedRegister(reg, motors);
    const data = await this.bus.syncRead(address, size, motors.map((m) => this.motors[m]!.id));
    const out: Record<string, number> = {};
    for (const m of motors) {
      const model = this.model(m);
      out[m] = decodeRegister(model, reg, bytesToUint(data.get(this.motors[m]!.id)!, 0, size, model.byteOrder));
    }
    return out;
  }

  async syncWriteRegister(reg: string, values: Readonly<Record<string, number>>): Promise<void> {
    const motors = Object.keys(values);
    const [address, size] = this.sharedRegister(reg, motors);
    await this.bus.syncWrite(
      address,
      size,
      motors.map((m) => {
        const model = this.model(m);
        return [this.motors[m]!.id, uintToBytes(encodeRegister(model, reg, values[m]!), size, model.byteOrder)] as const;
      }),
    );
  }

  private requireCalibration(motor: string): MotorCalibration {
    const c = this.calibrationValue?.[motor];
    if (!c) throw new Error(`motor "${motor}" has no calibration: run calibration or load a LeRobot calibration JSON`);
    return c;
  }

  normalize(motor: string, raw: number): number {
    const c = this.requireCalibration(motor);
    return normalize(this.motors[motor]!.normMode, raw, c, { resolution: this.model(motor).resolution, applyDriveMode: this.applyDriveMode }, motor);
  }

  /** Normalised -> raw ticks, then clamped into the calibrated range so a raw value beyond it is never sent. */
  unnormalize(motor: string, value: number): number {
    const c = this.requireCalibration(motor);
    const raw = unnormalize(this.motors[motor]!.normMode, value, c, { resolution: this.model(motor).resolution, applyDriveMode: this.applyDriveMode }, motor);
    return Math.min(c.rangeMax, Math.max(c.rangeMin, raw));
  }

  /** Present_Position of every motor, normalised. */
  async readPositions(motors: readonly string[] = this.names): Promise<Record<string, number>> {
    const raw = await this.syncReadRegister('Present_Position', motors);
    return Object.fromEntries(motors.map((m) => [m, this.normalize(m, raw[m]!)]));
  }

  /** Write normalised goals with one SYNC_WRITE; returns the raw ticks sent. */
  async writeGoalPositions(goals: Readonly<Record<string, number>>): Promise<Record<string, number>> {
    const raw = Object.fromEntries(Object.entries(goals).map(([m, v]) => [m, this.unnormalize(m, v)]));
    await this.syncWriteRegister('Goal_Position', raw);
    return raw;
  }

  async enableTorque(motors: readonly string[] = this.names): Promise<void> {
    for (const m of motors) {
      await this.writeRegister('Torque_Enable', m, 1);
      if (this.bus.protocol.name === 'feetech') await this.writeRegister('Lock', m, 1);
    }
  }

  async disableTorque(motors: readonly string[] = this.names): Promise<void> {
    for (const m of motors) {
      await this.writeRegister('Torque_Enable', m, 0);
      if (this.bus.protocol.name === 'feetech') await this.writeRegister('Lock', m, 0);
    }
  }

  /**
   * Torque off without waiting for any reply (works when servos stopped answering): a
   * broadcast WRITE of Torque_Enable = 0, repeated `times` (LeRobot retries torque-off 5 times).
   */
  async emergencyTorqueOff(times = 3): Promise<void> {
    const [address, size] = this.sharedRegister('Torque_Enable', this.names);
    for (let k = 0; k < times; k++) await this.bus.write(BROADCAST_ID, address, uintToBytes(0, size));
  }

  /** LeRobot `configure_motors`: Return_Delay_Time 0 (and Feetech accelerations 254). Torque must be off. */
  async configure(): Promise<void> {
    for (const m of this.names) {
      await this.writeRegister('Return_Delay_Time', m, 0);
      if (this.bus.protocol.name === 'feetech') {
        await this.writeRegister('Maximum_Acceleration', m, 254);
        await this.writeRegister('Acceleration', m, 254);
      }
    }
  }

  /** Write Homing_Offset and Min/Max_Position_Limit to the servos (torque off first). */
  async writeCalibration(calibration: ArmCalibration): Promise<void> {
    this.calibration = calibration;
    await this.disableTorque();
    for (const m of this.names) {
      const c = calibration[m]!;
      await this.writeRegister('Homing_Offset', m, c.homingOffset);
      await this.writeRegister('Min_Position_Limit', m, c.rangeMin);
      await this.writeRegister('Max_Position_Limit', m, c.rangeMax);
    }
  }

  /** Read the calibration stored in the servos (drive mode from Drive_Mode on Dynamixel, 0 on Feetech). */
  async readCalibration(): Promise<ArmCalibration> {
    const out: Record<string, MotorCalibration> = {};
    for (const m of this.names) {
      out[m] = {
        id: this.motors[m]!.id,
        driveMode: this.bus.protocol.name === 'dynamixel' ? await this.readRegister('Drive_Mode', m) : 0,
        homingOffset: await this.readRegister('Homing_Offset', m),
        rangeMin: await this.readRegister('Min_Position_Limit', m),
        rangeMax: await this.readRegister('Max_Position_Limit', m),
      };
    }
    return out;
  }

  /**
   * LeRobot `set_half_turn_homings`: with the arm in the middle of its range, write offsets so
   * every Present_Position reads 2047 (Dynamixel: offset = 2047 - pos; Feetech: pos - 2047).
   */
  async setHalfTurnHomings(motors: readonly string[] = this.names): Promise<Record<string, number>> {
    await this.disableTorque(motors);
    for (const m of motors) await this.writeRegister('Homing_Offset', m, 0);
    const positions = await this.syncReadRegister('Present_Position', motors);
    const offsets: Record<string, number> = {};
    for (const m of motors) {
      const half = Math.floor(this.model(m).resolution / 2) - 1;
      offsets[m] = this.bus.protocol.name === 'dynamixel' ? half - positions[m]! : positions[m]! - half;
      await this.writeRegister('Homing_Offset', m, offsets[m]!);
    }
    return offsets;
  }

  /**
   * LeRobot `record_ranges_of_motion`: poll Present_Position every `periodMs` until `signal`
   * aborts, and return the min and max seen per motor.
   */
  async recordRangesOfMotion(signal: AbortSignal, periodMs = 20, motors: readonly string[] = this.names): Promise<Record<string, { min: number; max: number }>> {
    const ranges: Record<string, { min: number; max: number }> = {};
    do {
      const pos = await this.syncReadRegister('Present_Position', motors);
      for (const m of motors) {
        const r = (ranges[m] ??= { min: pos[m]!, max: pos[m]! });
        r.min = Math.min(r.min, pos[m]!);
        r.max = Math.max(r.max, pos[m]!);
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, periodMs));
    } while (!signal.aborted);
    return ranges;
  }
}
