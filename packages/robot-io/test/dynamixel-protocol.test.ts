import { describe, expect, it } from 'vitest';
import { addStuffing, crc16, dynamixelProtocol, removeStuffing } from '../src/bus/dynamixel-protocol.js';
import { INSTRUCTION } from '../src/bus/servo-protocol.js';

const bytes = (s: string) => Uint8Array.from(s.split(' ').map((h) => parseInt(h, 16)));

describe('Dynamixel Protocol 2.0 packets', () => {
  it('CRC-16/BUYPASS check value of "123456789" is 0xFEE8', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0xfee8);
  });

  it('encodes the reference golden packets', () => {
    expect(dynamixelProtocol.encodeInstruction(1, INSTRUCTION.PING, [])).toEqual(bytes('ff ff fd 00 01 03 00 01 19 4e'));
    expect(dynamixelProtocol.encodeInstruction(1, INSTRUCTION.WRITE, [116, 0, 0x00, 0x02, 0x00, 0x00])).toEqual(
      bytes('ff ff fd 00 01 09 00 03 74 00 00 02 00 00 ca 89'),
    );
  });

  it('stuffs FF FF FD in parameters, grows LEN and round-trips through the framer', () => {
    expect(addStuffing([0x03, 0xff, 0xff, 0xfd, 0x01])).toEqual([0x03, 0xff, 0xff, 0xfd, 0xfd, 0x01]);
    expect(removeStuffing(Uint8Array.from([0x03, 0xff, 0xff, 0xfd, 0xfd, 0x01]))).toEqual(Uint8Array.from([0x03, 0xff, 0xff, 0xfd, 0x01]));
    const params = [0x10, 0x00, 0xff, 0xff, 0xfd, 0x07];
    const packet = dynamixelProtocol.encodeInstruction(3, INSTRUCTION.WRITE, params);
    expect(packet[5]! | (packet[6]! << 8)).toBe(1 + params.length + 1 + 2); // one stuffed byte
    expect(Array.from(packet.subarray(7, 7 + 7))).toEqual([0x03, 0x10, 0x00, 0xff, 0xff, 0xfd, 0xfd]);
    const [ev] = dynamixelProtocol.createFramer().push(packet);
    expect(ev?.kind).toBe('frame');
    if (ev?.kind === 'frame') {
      expect(ev.frame.id).toBe(3);
      expect(ev.frame.code).toBe(INSTRUCTION.WRITE);
      expect(Array.from(ev.frame.params)).toEqual(params);
    }
  });

  it('decodes status packets and error bits', () => {
    const status = dynamixelProtocol.encodeStatus(7, 0x84, [0x34, 0x12]);
    expect(status.length).toBe(dynamixelProtocol.statusLength(2));
    const [ev] = dynamixelProtocol.createFramer().push(status);
    if (ev?.kind !== 'frame') throw new Error('expected a frame');
    const s = dynamixelProtocol.toStatus(ev.frame);
    expect(s).toMatchObject({ id: 7, error: 0x84 });
    expect(Array.from(s.data)).toEqual([0x34, 0x12]);
    expect(dynamixelProtocol.describeError(0x84)).toEqual(['data range error', 'hardware alert (read Hardware_Error_Status @70)']);
    expect(dynamixelProtocol.describeError(0x03)).toEqual(['CRC error']);
  });

  it('uses the SDK packet timeout formula', () => {
    // 10 us per byte at 1 Mbps: 20 bytes -> 0.2 ms + 2 * 16 + 2.
    expect(dynamixelProtocol.packetTimeoutMs(1_000_000, 20)).toBeCloseTo(34.2, 6);
  });
});
