import type { CorruptPacketError } from './bus-errors.js';

/** Protocol names as the experiment config spells them. */
export type ProtocolName = 'dynamixel' | 'feetech';

/** Instruction codes shared by Dynamixel Protocol 2.0 and Feetech STS/SCS. */
export const INSTRUCTION = {
  PING: 0x01,
  READ: 0x02,
  WRITE: 0x03,
  REG_WRITE: 0x04,
  ACTION: 0x05,
  SYNC_READ: 0x82,
  SYNC_WRITE: 0x83,
} as const;

export const BROADCAST_ID = 0xfe;
export const MAX_ID = 0xfc;

/**
 * One framed packet, protocol-neutral. For an instruction packet `code` is the instruction;
 * for a status packet it is the error byte (Feetech) or 0x55 (Dynamixel, whose error byte is
 * then the first parameter). Use `ServoProtocol.toStatus` to read a status packet.
 */
export interface Frame {
  readonly id: number;
  readonly code: number;
  /** Parameters after the code, byte stuffing already removed. */
  readonly params: Uint8Array;
  /** The packet as received (still stuffed), header to checksum. */
  readonly raw: Uint8Array;
}

export interface StatusPacket {
  readonly id: number;
  readonly error: number;
  readonly data: Uint8Array;
}

export type FrameEvent =
  | { readonly kind: 'frame'; readonly frame: Frame }
  | { readonly kind: 'corrupt'; readonly error: CorruptPacketError };

/** A streaming framer: feed it bytes as they arrive, in any chunking, and get packets out. */
export interface PacketFramer {
  push(chunk: Uint8Array): FrameEvent[];
  /** Drop buffered bytes (before a new transaction). Returns how many were dropped. */
  reset(): number;
  /** Bytes skipped while searching for a header since creation. */
  readonly discardedBytes: number;
}

/** What differs between the two servo families, as data and small functions. */
export interface ServoProtocol {
  readonly name: ProtocolName;
  /** Width of the address and length fields of READ / WRITE / SYNC_* (2 Dynamixel, 1 Feetech). */
  readonly addressWidth: 1 | 2;
  /** Whether PING's status carries model number and firmware (Dynamixel) or nothing (Feetech). */
  readonly pingReturnsModel: boolean;
  encodeInstruction(id: number, instruction: number, params: ArrayLike<number>): Uint8Array;
  encodeStatus(id: number, error: number, data: ArrayLike<number>): Uint8Array;
  createFramer(): PacketFramer;
  toStatus(frame: Frame): StatusPacket;
  /** Human-readable reasons for a non-zero error byte. */
  describeError(error: number): string[];
  /** Wire size of a status packet carrying `dataLength` bytes (without stuffing). */
  statusLength(dataLength: number): number;
  /** The SDK's packet timeout for `bytes` expected at `baudRate`, in milliseconds. */
  packetTimeoutMs(baudRate: number, bytes: number): number;
}

/** Encode an address/length field pair in the protocol's width (little-endian). */
export function addressParams(protocol: ServoProtocol, address: number, length: number): number[] {
  if (protocol.addressWidth === 2) {
    return [address & 0xff, (address >> 8) & 0xff, length & 0xff, (length >> 8) & 0xff];
  }
  if (address > 0xff || length > 0xff) {
    throw new RangeError(`${protocol.name}: address ${address} / length ${length} must fit in one byte`);
  }
  return [address, length];
}

export function checkId(id: number, allowBroadcast = false): void {
  if (!Number.isInteger(id) || id < 0 || (id > MAX_ID && !(allowBroadcast && id === BROADCAST_ID))) {
    throw new RangeError(`servo id ${id} is out of range: expected an integer 0..${MAX_ID}`);
  }
}
