import type { ProtocolName } from './servo-protocol.js';

/** A register: `[address, size in bytes]`, as LeRobot's `tables.py` writes them. */
export type Register = readonly [address: number, size: 1 | 2 | 4];

/** How a register's raw bits map to a signed value. */
export type SignEncoding =
  | { readonly kind: 'twos-complement' }
  /** Sign-magnitude with the sign in bit `bit` (Feetech). */
  | { readonly kind: 'sign-magnitude'; readonly bit: number };

/**
 * Byte order of multi-byte register values on the wire and in servo memory: little-endian for
 * Dynamixel and Feetech STS/SMS ("protocol 0"), big-endian for Feetech SCS ("protocol 1",
 * FTServo `SCS_END = 1`). Packet framing and checksum do not depend on it.
 */
export type ByteOrder = 'little' | 'big';

export interface ServoModel {
  readonly name: string;
  readonly protocol: ProtocolName;
  readonly modelNumber: number;
  readonly byteOrder: ByteOrder;
  /** Ticks per revolution. */
  readonly resolution: number;
  readonly table: Readonly<Record<string, Register>>;
  /** Signed registers; absent ones are unsigned. */
  readonly signed: Readonly<Record<string, SignEncoding>>;
  /** Operating mode values this model accepts. */
  readonly operatingModes: readonly number[];
}

/** Dynamixel X-series (XL330, XL430, XM430, XM540, XC430, ...): DynamixelSDK model files, LeRobot `X_SERIES_CONTROL_TABLE`. */
export const X_SERIES_CONTROL_TABLE: Readonly<Record<string, Register>> = {
  Model_Number: [0, 2],
  Model_Information: [2, 4],
  Firmware_Version: [6, 1],
  ID: [7, 1],
  Baud_Rate: [8, 1],
  Return_Delay_Time: [9, 1],
  Drive_Mode: [10, 1],
  Operating_Mode: [11, 1],
  Secondary_ID: [12, 1],
  Protocol_Type: [13, 1],
  Homing_Offset: [20, 4],
  Moving_Threshold: [24, 4],
  Temperature_Limit: [31, 1],
  Max_Voltage_Limit: [32, 2],
  Min_Voltage_Limit: [34, 2],
  PWM_Limit: [36, 2],
  Current_Limit: [38, 2],
  Acceleration_Limit: [40, 4],
  Velocity_Limit: [44, 4],
  Max_Position_Limit: [48, 4],
  Min_Position_Limit: [52, 4],
  Shutdown: [63, 1],
  Torque_Enable: [64, 1],
  LED: [65, 1],
  Status_Return_Level: [68, 1],
  Registered_Instruction: [69, 1],
  Hardware_Error_Status: [70, 1],
  Velocity_I_Gain: [76, 2],
  Velocity_P_Gain: [78, 2],
  Position_D_Gain: [80, 2],
  Position_I_Gain: [82, 2],
  Position_P_Gain: [84, 2],
  Feedforward_2nd_Gain: [88, 2],
  Feedforward_1st_Gain: [90, 2],
  Bus_Watchdog: [98, 1],
  Goal_PWM: [100, 2],
  Goal_Current: [102, 2],
  Goal_Velocity: [104, 4],
  Profile_Acceleration: [108, 4],
  Profile_Velocity: [112, 4],
  Goal_Position: [116, 4],
  Realtime_Tick: [120, 2],
  Moving: [122, 1],
  Moving_Status: [123, 1],
  Present_PWM: [124, 2],
  Present_Current: [126, 2],
  Present_Velocity: [128, 4],
  Present_Position: [132, 4],
  Velocity_Trajectory: [136, 4],
  Position_Trajectory: [140, 4],
  Present_Input_Voltage: [144, 2],
  Present_Temperature: [146, 1],
};

const X_SIGNED: Record<string, SignEncoding> = Object.fromEntries(
  ['Homing_Offset', 'Goal_PWM', 'Goal_Current', 'Goal_Velocity', 'Goal_Position', 'Present_PWM', 'Present_Current', 'Present_Velocity', 'Present_Position', 'Velocity_Trajectory', 'Position_Trajectory'].map(
    (name) => [name, { kind: 'twos-complement' } as const],
  ),
);

/** Feetech STS/SMS series (STS3215): LeRobot `STS_SMS_SERIES_CONTROL_TABLE`, FTServo `sms_sts.py`. */
export const STS_SMS_SERIES_CONTROL_TABLE: Readonly<Record<string, Register>> = {
  Firmware_Major_Version: [0, 1],
  Firmware_Minor_Version: [1, 1],
  Model_Number: [3, 2],
  ID: [5, 1],
  Baud_Rate: [6, 1],
  Return_Delay_Time: [7, 1],
  Response_Status_Level: [8, 1],
  Min_Position_Limit: [9, 2],
  Max_Position_Limit: [11, 2],
  Max_Temperature_Limit: [13, 1],
  Max_Voltage_Limit: [14, 1],
  Min_Voltage_Limit: [15, 1],
  Max_Torque_Limit: [16, 2],
  Phase: [18, 1],
  Unloading_Condition: [19, 1],
  LED_Alarm_Condition: [20, 1],
  P_Coefficient: [21, 1],
  D_Coefficient: [22, 1],
  I_Coefficient: [23, 1],
  Minimum_Startup_Force: [24, 2],
  CW_Dead_Zone: [26, 1],
  CCW_Dead_Zone: [27, 1],
  Protection_Current: [28, 2],
  Angular_Resolution: [30, 1],
  Homing_Offset: [31, 2],
  Operating_Mode: [33, 1],
  Protective_Torque: [34, 1],
  Protection_Time: [35, 1],
  Overload_Torque: [36, 1],
  Torque_Enable: [40, 1],
  Acceleration: [41, 1],
  Goal_Position: [42, 2],
  Goal_Time: [44, 2],
  Goal_Velocity: [46, 2],
  Torque_Limit: [48, 2],
  Lock: [55, 1],
  Present_Position: [56, 2],
  Present_Velocity: [58, 2],
  Present_Load: [60, 2],
  Present_Voltage: [62, 1],
  Present_Temperature: [63, 1],
  Status: [65, 1],
  Moving: [66, 1],
  Present_Current: [69, 2],
  Maximum_Acceleration: [85, 1],
};

const STS_SIGNED: Record<string, SignEncoding> = {
  Homing_Offset: { kind: 'sign-magnitude', bit: 11 },
  Goal_Position: { kind: 'sign-magnitude', bit: 15 },
  Goal_Velocity: { kind: 'sign-magnitude', bit: 15 },
  Present_Position: { kind: 'sign-magnitude', bit: 15 },
  Present_Velocity: { kind: 'sign-magnitude', bit: 15 },
  Present_Load: { kind: 'sign-magnitude', bit: 10 },
};

/**
 * Feetech SCS series (SCS0009): LeRobot `SCS_SERIES_CONTROL_TABLE`. Same framing as STS, but
 * big-endian values, no Homing_Offset or Operating_Mode, Lock at 48, and no signed registers
 * (LeRobot's SCS encoding table is empty).
 */
export const SCS_SERIES_CONTROL_TABLE: Readonly<Record<string, Register>> = {
  Firmware_Major_Version: [0, 1],
  Firmware_Minor_Version: [1, 1],
  Model_Number: [3, 2],
  ID: [5, 1],
  Baud_Rate: [6, 1],
  Return_Delay_Time: [7, 1],
  Response_Status_Level: [8, 1],
  Min_Position_Limit: [9, 2],
  Max_Position_Limit: [11, 2],
  Max_Temperature_Limit: [13, 1],
  Max_Voltage_Limit: [14, 1],
  Min_Voltage_Limit: [15, 1],
  Max_Torque_Limit: [16, 2],
  Phase: [18, 1],
  Unloading_Condition: [19, 1],
  LED_Alarm_Condition: [20, 1],
  P_Coefficient: [21, 1],
  D_Coefficient: [22, 1],
  I_Coefficient: [23, 1],
  Minimum_Startup_Force: [24, 2],
  CW_Dead_Zone: [26, 1],
  CCW_Dead_Zone: [27, 1],
  Protective_Torque: [37, 1],
  Protection_Time: [38, 1],
  Torque_Enable: [40, 1],
  Acceleration: [41, 1],
  Goal_Position: [42, 2],
  Running_Time: [44, 2],
  Goal_Velocity: [46, 2],
  Lock: [48, 1],
  Present_Position: [56, 2],
  Present_Velocity: [58, 2],
  Present_Load: [60, 2],
  Present_Voltage: [62, 1],
  Present_Temperature: [63, 1],
  Sync_Write_Flag: [64, 1],
  Status: [65, 1],
  Moving: [66, 1],
};

function xModel(name: string, modelNumber: number, operatingModes = [0, 1, 3, 4, 5, 16]): ServoModel {
  return { name, protocol: 'dynamixel', modelNumber, byteOrder: 'little', resolution: 4096, table: X_SERIES_CONTROL_TABLE, signed: X_SIGNED, operatingModes };
}

/** Known models by LeRobot's name. Model numbers from LeRobot `MODEL_NUMBER_TABLE`. */
export const SERVO_MODELS: Readonly<Record<string, ServoModel>> = {
  'xl330-m077': xModel('xl330-m077', 1190),
  'xl330-m288': xModel('xl330-m288', 1200),
  'xl430-w250': xModel('xl430-w250', 1060, [1, 3, 4, 16]),
  'xm430-w350': xModel('xm430-w350', 1020),
  'xm540-w270': xModel('xm540-w270', 1120),
  'xc430-w150': xModel('xc430-w150', 1070, [1, 3, 4, 16]),
  'xh540-w150': xModel('xh540-w150', 1110),
  'xc330-t288': xModel('xc330-t288', 1220),
  'xc330-t181': xModel('xc330-t181', 1210),
  sts3215: {
    name: 'sts3215',
    protocol: 'feetech',
    modelNumber: 777,
    byteOrder: 'little',
    resolution: 4096,
    table: STS_SMS_SERIES_CONTROL_TABLE,
    signed: STS_SIGNED,
    operatingModes: [0, 1, 2, 3],
  },
  scs0009: {
    name: 'scs0009',
    protocol: 'feetech',
    modelNumber: 1284,
    byteOrder: 'big',
    resolution: 1024,
    table: SCS_SERIES_CONTROL_TABLE,
    signed: {},
    operatingModes: [], // no Operating_Mode register
  },
};

export function servoModel(name: string): ServoModel {
  const model = SERVO_MODELS[name];
  if (!model) throw new RangeError(`unknown servo model "${name}": expected one of ${Object.keys(SERVO_MODELS).join(', ')}`);
  return model;
}

/** The model a scanned model number belongs to, if known. */
export function modelByNumber(protocol: ProtocolName, modelNumber: number): ServoModel | undefined {
  return Object.values(SERVO_MODELS).find((m) => m.protocol === protocol && m.modelNumber === modelNumber);
}

/**
 * Identify a servo from the raw bytes of its 2-byte Model_Number register, which a Feetech bus
 * cannot decode before it knows the byte order: each known model of `protocol` is tried in its
 * own byte order (so an SCS0009 reads 1284 big-endian); an unknown number is decoded little-endian.
 */
export function modelFromNumberBytes(protocol: ProtocolName, bytes: Uint8Array): { modelNumber: number; model?: ServoModel } {
  for (const model of Object.values(SERVO_MODELS)) {
    if (model.protocol === protocol && bytesToUint(bytes, 0, 2, model.byteOrder) === model.modelNumber) {
      return { modelNumber: model.modelNumber, model };
    }
  }
  return { modelNumber: bytesToUint(bytes, 0, 2) };
}

export function register(model: ServoModel, name: string): Register {
  const reg = model.table[name];
  if (!reg) throw new RangeError(`${model.name} has no register "${name}" in its control table`);
  return reg;
}

/** Raw register bits -> signed integer, per the model's encoding of that register. */
export function decodeRegister(model: ServoModel, name: string, raw: number): number {
  const [, size] = register(model, name);
  const enc = model.signed[name];
  if (!enc) return raw;
  if (enc.kind === 'twos-complement') {
    const bits = size * 8;
    return raw >= 2 ** (bits - 1) ? raw - 2 ** bits : raw;
  }
  const mask = (1 << enc.bit) - 1;
  return raw & (1 << enc.bit) ? -(raw & mask) : raw & mask;
}

/** Signed integer -> raw register bits; throws naming the register when it does not fit. */
export function encodeRegister(model: ServoModel, name: string, value: number): number {
  const [, size] = register(model, name);
  if (!Number.isInteger(value)) throw new RangeError(`${model.name} ${name}: ${value} is not an integer`);
  const enc = model.signed[name];
  const bits = size * 8;
  if (!enc) {
    if (value < 0 || value >= 2 ** bits) throw new RangeError(`${model.name} ${name}: ${value} out of range 0..${2 ** bits - 1}`);
    return value;
  }
  if (enc.kind === 'twos-complement') {
    const lim = 2 ** (bits - 1);
    if (value < -lim || value >= lim) throw new RangeError(`${model.name} ${name}: ${value} out of range ${-lim}..${lim - 1}`);
    return value < 0 ? value + 2 ** bits : value;
  }
  const max = 2 ** enc.bit;
  if (Math.abs(value) >= max) throw new RangeError(`${model.name} ${name}: |${value}| must be below 2^${enc.bit} (sign-magnitude)`);
  return value < 0 ? (1 << enc.bit) | -value : value;
}

/** `size` bytes at `offset` -> unsigned integer, in the given byte order (a model's `byteOrder`). */
export function bytesToUint(bytes: Uint8Array, offset: number, size: number, order: ByteOrder = 'little'): number {
  let v = 0;
  for (let k = 0; k < size; k++) v = v * 256 + bytes[offset + (order === 'big' ? k : size - 1 - k)]!;
  return v;
}

/** Unsigned integer -> `size` bytes in the given byte order (a model's `byteOrder`). */
export function uintToBytes(value: number, size: number, order: ByteOrder = 'little'): number[] {
  const out: number[] = [];
  let v = value;
  for (let k = 0; k < size; k++) {
    out.push(v % 256);
    v = Math.floor(v / 256);
  }
  return order === 'big' ? out.reverse() : out;
}
