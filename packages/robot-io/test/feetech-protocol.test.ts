import { describe, expect, it } from 'vitest';
import { feetechChecksum, feetechProtocol } from '../src/bus/feetech-protocol.js';
import { INSTRUCTION } from '../src/bus/servo-protocol.js';

const bytes = (s: string) => Uint8Array.from(s.split(' ').map((h) => parseInt(h, 16)));

describe('Feetech STS packets', () => {
  it('encodes the reference PING golden packet', () => {
    expect(feetechProtocol.encodeInstruction(1, INSTRUCTION.PING, [])).toEqual(bytes('ff ff 01 02 01 fb'));
  });

  it('computes the checksum as ~(ID + LEN + INST + params) & 0xFF', () => {
    // WRITE id 1, Goal_Position (42) = 2048 little-endian: 0x00 0x08.
    const packet = feetechProtocol.encodeInstruction(1, INSTRUCTION.WRITE, [42, 0x00, 0x08]);
    expect(packet).toEqual(bytes('ff ff 01 05 03 2a 00 08 c4'));
    expect(feetechChecksum(packet)).toBe(0xc4);
  });

  it('encodes SYNC_WRITE with LEN = n(len+1) + 4', () => {
    const packet = feetechProtocol.encodeInstruction(0xfe, INSTRUCTION.SYNC_WRITE, [42, 2, 1, 0x00, 0x08, 2, 0xff, 0x07]);
    expect(packet[3]).toBe(2 * 3 + 4);
  });

  it('decodes status error bits', () => {
    const [ev] = feetechProtocol.createFramer().push(feetechProtocol.encodeStatus(2, 0x24, [1, 2]));
    if (ev?.kind !== 'frame') throw new Error('expected a frame');
    expect(feetechProtocol.toStatus(ev.frame)).toMatchObject({ id: 2, error: 0x24 });
    expect(feetechProtocol.describeError(0x24)).toEqual(['overheat', 'overload']);
    expect(feetechProtocol.describeError(0x40)).toEqual(['unknown bits 0x40']);
  });
});
