import { CorruptPacketError, hexByte } from './bus-errors.js';
import { ByteFramer, type FrameFormat } from './packet-framer.js';
import type { Frame, PacketFramer, ServoProtocol, StatusPacket } from './servo-protocol.js';
import { checkId } from './servo-protocol.js';

/**
 * Feetech STS/SMS ("protocol 0", little-endian) packets, as in FTServo_Python
 * `protocol_packet_handler.py`: `FF FF ID LEN INST|ERR PARAM... CHK`, LEN = nParams + 2,
 * CHK = ~(ID + LEN + INST + sum(PARAM)) & 0xFF. No byte stuffing.
 * SCS servos ("protocol 1") use the same packets; only their register values are big-endian,
 * which is the model's `byteOrder` (control-tables.ts), not the packet format's concern.
 */

/** Feetech checksum over `bytes[start, end)` (ID through the last parameter). */
export function feetechChecksum(bytes: ArrayLike<number>, start = 2, end = bytes.length - 1): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i]!;
  return ~sum & 0xff;
}

/** `TXPACKET_MAX_LEN` of the SDK. */
const MAX_PACKET = 250;

function encode(id: number, code: number, params: ArrayLike<number>): Uint8Array {
  const packet = new Uint8Array(6 + params.length);
  if (packet.length > MAX_PACKET) throw new RangeError(`feetech packet of ${packet.length} bytes exceeds ${MAX_PACKET}`);
  packet.set([0xff, 0xff, id, params.length + 2, code], 0);
  packet.set(Array.from(params), 5);
  packet[packet.length - 1] = feetechChecksum(packet);
  return packet;
}

const format: FrameFormat = {
  protocol: 'feetech',
  headerLength: 4,
  isHeader(buf, i) {
    // A third 0xFF means the first one was noise (ids stop at 0xFE).
    return buf[i] === 0xff && buf[i + 1] === 0xff && buf[i + 2] !== 0xff;
  },
  packetLength(buf, i) {
    const len = buf[i + 3]!;
    if (len < 2 || len + 4 > MAX_PACKET) {
      return new CorruptPacketError('feetech', 3, 'LEN', `2..${MAX_PACKET - 4}`, String(len), buf.subarray(i, i + 4));
    }
    return 4 + len;
  },
  decode(packet): Frame | CorruptPacketError {
    const n = packet.length;
    const expected = feetechChecksum(packet);
    if (expected !== packet[n - 1]) {
      return new CorruptPacketError('feetech', n - 1, 'checksum', hexByte(expected), hexByte(packet[n - 1]!), packet);
    }
    return { id: packet[2]!, code: packet[4]!, params: packet.slice(5, n - 1), raw: packet };
  },
};

export const feetechProtocol: ServoProtocol = {
  name: 'feetech',
  addressWidth: 1,
  pingReturnsModel: false,
  encodeInstruction(id, instruction, params) {
    checkId(id, true);
    return encode(id, instruction, params);
  },
  encodeStatus(id, error, data) {
    checkId(id);
    return encode(id, error, data);
  },
  createFramer(): PacketFramer {
    return new ByteFramer(format);
  },
  toStatus(frame): StatusPacket {
    return { id: frame.id, error: frame.code, data: frame.params };
  },
  describeError(error) {
    const bits: Array<[number, string]> = [
      [1, 'input voltage'],
      [2, 'angle limit'],
      [4, 'overheat'],
      [8, 'over-current'],
      [32, 'overload'],
    ];
    const reasons = bits.filter(([bit]) => error & bit).map(([, name]) => name);
    const unknown = error & ~0x2f;
    if (unknown) reasons.push(`unknown bits ${hexByte(unknown)}`);
    return reasons;
  },
  statusLength(dataLength) {
    return 6 + dataLength;
  },
  packetTimeoutMs(baudRate, bytes) {
    // FTServo port_handler.py (as LeRobot patches it): tx_byte * len + 3 * tx_byte + LATENCY_TIMER (50 ms).
    const txByte = 10_000 / baudRate;
    return txByte * bytes + 3 * txByte + 50;
  },
};
