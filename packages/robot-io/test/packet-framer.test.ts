import { describe, expect, it } from 'vitest';
import { CorruptPacketError } from '../src/bus/bus-errors.js';
import { dynamixelProtocol } from '../src/bus/dynamixel-protocol.js';
import { feetechProtocol } from '../src/bus/feetech-protocol.js';
import type { FrameEvent, ServoProtocol } from '../src/bus/servo-protocol.js';

function frames(events: FrameEvent[]) {
  return events.flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));
}

describe.each<[string, ServoProtocol]>([
  ['dynamixel', dynamixelProtocol],
  ['feetech', feetechProtocol],
])('%s framer', (_name, protocol) => {
  const a = protocol.encodeStatus(1, 0, [0x00, 0x08, 0, 0]);
  const b = protocol.encodeStatus(2, 0, [0xff, 0xff, 0xfd, 0x11]); // needs stuffing on Dynamixel
  const stream = Uint8Array.from([0x13, 0x37, ...a, 0xff, 0x00, ...b]);

  it('frames packets split at every possible read boundary, with garbage around them', () => {
    for (let cut1 = 0; cut1 <= stream.length; cut1++) {
      for (let cut2 = cut1; cut2 <= stream.length; cut2 += 3) {
        const framer = protocol.createFramer();
        const got = [stream.subarray(0, cut1), stream.subarray(cut1, cut2), stream.subarray(cut2)].flatMap((c) => frames(framer.push(c)));
        expect(got.map((f) => f.id)).toEqual([1, 2]);
        expect(Array.from(protocol.toStatus(got[1]!).data)).toEqual([0xff, 0xff, 0xfd, 0x11]);
      }
    }
  });

  it('frames a byte-at-a-time stream', () => {
    const framer = protocol.createFramer();
    const got = Array.from(stream).flatMap((byte) => frames(framer.push(Uint8Array.of(byte))));
    expect(got.map((f) => f.id)).toEqual([1, 2]);
    expect(framer.discardedBytes).toBe(4);
  });

  it('reports a corrupt checksum naming the byte, then recovers on the next packet', () => {
    const bad = a.slice();
    bad[bad.length - 1] ^= 0x40;
    const events = protocol.createFramer().push(Uint8Array.from([...bad, ...b]));
    const corrupt = events.find((e) => e.kind === 'corrupt');
    expect(corrupt?.kind).toBe('corrupt');
    if (corrupt?.kind === 'corrupt') {
      expect(corrupt.error).toBeInstanceOf(CorruptPacketError);
      const crcOffset = protocol.name === 'dynamixel' ? bad.length - 2 : bad.length - 1;
      expect(corrupt.error.byteOffset).toBe(crcOffset);
      expect(corrupt.error.message).toContain(`at byte ${crcOffset}`);
      expect(corrupt.error.message).toMatch(/expected 0x[0-9A-F]+, got 0x[0-9A-F]+/);
    }
    expect(frames(events).map((f) => f.id)).toEqual([2]);
  });

  it('does not let a damaged length field swallow the following packet', () => {
    const bad = a.slice();
    bad[protocol.name === 'dynamixel' ? 5 : 3] = 0x40; // claims a much longer packet
    const framer = protocol.createFramer();
    const events = [...framer.push(bad), ...framer.push(b), ...framer.push(new Uint8Array(80))];
    expect(frames(events).map((f) => f.id)).toEqual([2]);
  });
});
