import { BusTimeoutError } from './bus-errors.js';
import { MotorsBus } from './motors-bus.js';
import { servoModel } from './control-tables.js';
import { ServoBus, type ServoBusOptions } from './servo-bus.js';
import type { ProtocolName } from './servo-protocol.js';

/** Baud_Rate register codes (X-series e-manual; Feetech codes 5-7 as LeRobot's table). */
export const BAUD_CODES: Readonly<Record<ProtocolName, Readonly<Record<number, number>>>> = {
  dynamixel: { 9600: 0, 57600: 1, 115200: 2, 1_000_000: 3, 2_000_000: 4, 3_000_000: 5, 4_000_000: 6 },
  feetech: { 1_000_000: 0, 500_000: 1, 250_000: 2, 128_000: 3, 115_200: 4, 57_600: 5, 38_400: 6, 19_200: 7 },
};

export interface SetupMotorOptions {
  /** The id to give the motor. */
  readonly id: number;
  /** Expected model (`sts3215`, `xl330-m288`, ...); a different one is an error. */
  readonly model: string;
  /** Baud rate to leave it at (default 1,000,000). */
  readonly baud?: number;
  /** Bauds to search, in order (default: the target, then every other rate of the protocol). */
  readonly searchBauds?: readonly number[];
  readonly bus?: ServoBusOptions;
  /** Broadcast-ping window per baud, ms (default 100). */
  readonly windowMs?: number;
}

export interface SetupMotorResult {
  readonly previousId: number;
  readonly previousBaud: number;
  readonly id: number;
  readonly baud: number;
}

/**
 * LeRobot `setup_motor`: with exactly one motor on the bus, find it at any baud (Dynamixel
 * ships at 57,600), check its model, then write its ID and Baud_Rate (torque off, Feetech Lock
 * off first). Each arm motor is connected alone in turn.
 */
export async function setupMotor(port: string, protocol: ProtocolName, options: SetupMotorOptions): Promise<SetupMotorResult> {
  const codes = BAUD_CODES[protocol];
  const baud = options.baud ?? 1_000_000;
  const code = codes[baud];
  if (code === undefined) throw new RangeError(`${protocol}: baud ${baud} has no Baud_Rate code; expected one of ${Object.keys(codes).join(', ')}`);
  const model = servoModel(options.model);
  if (model.protocol !== protocol) throw new RangeError(`${options.model} is a ${model.protocol} servo, not ${protocol}`);
  const bauds = options.searchBauds ?? [baud, ...Object.keys(codes).map(Number).filter((b) => b !== baud)];
  for (const searchBaud of bauds) {
    const bus = await ServoBus.open(port, protocol, { ...options.bus, baudRate: searchBaud });
    try {
      const found = await bus.broadcastPing(options.windowMs ?? 100);
      if (found.length === 0) continue;
      if (found.length > 1) {
        throw new Error(`${port}: found ids ${found.map((f) => f.id).join(', ')} at ${searchBaud} baud; connect only the motor to set up`);
      }
      const previousId = found[0]!.id;
      const motors = new MotorsBus(bus, { motor: { id: previousId, model: options.model, normMode: 'DEGREES' } });
      const number = await motors.readRegister('Model_Number', 'motor');
      if (number !== model.modelNumber) {
        throw new Error(`${port}: motor id ${previousId} is model ${number}, expected ${model.modelNumber} (${options.model})`);
      }
      await motors.disableTorque();
      if (previousId !== options.id) {
        await motors.writeRegister('ID', 'motor', options.id);
      }
      const moved = new MotorsBus(bus, { motor: { id: options.id, model: options.model, normMode: 'DEGREES' } });
      if (searchBaud !== baud || (await moved.readRegister('Baud_Rate', 'motor')) !== code) {
        // The servo may switch rate before its status goes out; a missing reply is expected here.
        await moved.writeRegister('Baud_Rate', 'motor', code).catch((err: unknown) => {
          if (!(err instanceof BusTimeoutError)) throw err;
        });
      }
      return { previousId, previousBaud: searchBaud, id: options.id, baud };
    } finally {
      await bus.close();
    }
  }
  throw new Error(`${port}: no ${protocol} motor answered a broadcast ping at ${bauds.join(', ')} baud`);
}
