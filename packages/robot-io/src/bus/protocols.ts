import { dynamixelProtocol } from './dynamixel-protocol.js';
import { feetechProtocol } from './feetech-protocol.js';
import type { ServoProtocol } from './servo-protocol.js';

/** The protocol for a config name (`dynamixel` or `feetech`). */
export function protocolByName(name: string): ServoProtocol {
  if (name === 'dynamixel') return dynamixelProtocol;
  if (name === 'feetech') return feetechProtocol;
  throw new RangeError(`unknown servo protocol "${name}": expected "dynamixel" or "feetech"`);
}
