import { CorruptPacketError, hexByte, hexWord } from './bus-errors.js';
import { ByteFramer, type FrameFormat } from './packet-framer.js';
import type { Frame, PacketFramer, ServoProtocol, StatusPacket } from './servo-protocol.js';
import { checkId } from './servo-protocol.js';

/** Dynamixel Protocol 2.0 (ROBOTIS DynamixelSDK `protocol2_packet_handler.py`). */

const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC-16, polynomial 0x8005, init 0, no reflection (CRC-16/BUYPASS), over `bytes[start, end)`. */
export function crc16(bytes: ArrayLike<number>, start = 0, end = bytes.length, init = 0): number {
  let crc = init;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  return crc;
}

/** Insert an extra 0xFD after every `FF FF FD` in the instruction..parameter region. */
export function addStuffing(region: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < region.length; i++) {
    const b = region[i]!;
    out.push(b);
    if (b === 0xfd && i >= 2 && region[i - 1] === 0xff && region[i - 2] === 0xff) out.push(0xfd);
  }
  return out;
}

/** Undo `addStuffing`: `FF FF FD FD` becomes `FF FF FD`. */
export function removeStuffing(region: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < region.length; i++) {
    const b = region[i]!;
    out.push(b);
    if (b === 0xfd && i >= 2 && region[i - 1] === 0xff && region[i - 2] === 0xff && region[i + 1] === 0xfd) i++;
  }
  return out.length === region.length ? region : Uint8Array.from(out);
}

const STATUS = 0x55;
/** A generous upper bound on LEN; larger values are treated as corrupt headers. */
const MAX_LENGTH = 1024;

function encode(id: number, instruction: number, params: ArrayLike<number>): Uint8Array {
  const region = addStuffing([instruction, ...Array.from(params)]);
  const len = region.length + 2;
  const packet = new Uint8Array(7 + len);
  packet.set([0xff, 0xff, 0xfd, 0x00, id, len & 0xff, len >> 8], 0);
  packet.set(region, 7);
  const crc = crc16(packet, 0, packet.length - 2);
  packet[packet.length - 2] = crc & 0xff;
  packet[packet.length - 1] = crc >> 8;
  return packet;
}

const format: FrameFormat = {
  protocol: 'dynamixel',
  headerLength: 7,
  isHeader(buf, i) {
    return buf[i] === 0xff && buf[i + 1] === 0xff && buf[i + 2] === 0xfd && buf[i + 3] !== 0xfd;
  },
  packetLength(buf, i) {
    const len = buf[i + 5]! | (buf[i + 6]! << 8);
    if (buf[i + 3] !== 0x00) {
      return new CorruptPacketError('dynamixel', 3, 'reserved byte', '0x00', hexByte(buf[i + 3]!), buf.subarray(i, i + 7));
    }
    if (len < 3 || len > MAX_LENGTH) {
      return new CorruptPacketError('dynamixel', 5, 'LEN', `3..${MAX_LENGTH}`, String(len), buf.subarray(i, i + 7));
    }
    return 7 + len;
  },
  decode(packet): Frame | CorruptPacketError {
    const n = packet.length;
    const expected = crc16(packet, 0, n - 2);
    const actual = packet[n - 2]! | (packet[n - 1]! << 8);
    if (expected !== actual) {
      return new CorruptPacketError('dynamixel', n - 2, 'CRC (CRC_L, CRC_H)', hexWord(expected), hexWord(actual), packet);
    }
    const region = removeStuffing(packet.subarray(7, n - 2));
    return { id: packet[4]!, code: region[0]!, params: region.slice(1), raw: packet };
  },
};

export const dynamixelProtocol: ServoProtocol = {
  name: 'dynamixel',
  addressWidth: 2,
  pingReturnsModel: true,
  encodeInstruction(id, instruction, params) {
    checkId(id, true);
    return encode(id, instruction, params);
  },
  encodeStatus(id, error, data) {
    checkId(id);
    return encode(id, STATUS, [error, ...Array.from(data)]);
  },
  createFramer(): PacketFramer {
    return new ByteFramer(format);
  },
  toStatus(frame): StatusPacket {
    if (frame.code !== STATUS || frame.params.length < 1) {
      throw new CorruptPacketError('dynamixel', 7, 'instruction of a status packet', '0x55', hexByte(frame.code), frame.raw);
    }
    return { id: frame.id, error: frame.params[0]!, data: frame.params.subarray(1) };
  },
  describeError(error) {
    const names = ['', 'result fail', 'instruction error', 'CRC error', 'data range error', 'data length error', 'data limit error', 'access error'];
    const reasons: string[] = [];
    const num = error & 0x7f;
    if (num) reasons.push(names[num] ?? `error number ${num}`);
    if (error & 0x80) reasons.push('hardware alert (read Hardware_Error_Status @70)');
    return reasons;
  },
  statusLength(dataLength) {
    return 11 + dataLength;
  },
  packetTimeoutMs(baudRate, bytes) {
    // port_handler.py: tx_time_per_byte * len + 2 * LATENCY_TIMER + 2, LATENCY_TIMER = 16 ms.
    return (10_000 / baudRate) * bytes + 2 * 16 + 2;
  },
};
