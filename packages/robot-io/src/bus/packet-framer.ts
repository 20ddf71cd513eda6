import type { CorruptPacketError } from './bus-errors.js';
import type { Frame, FrameEvent, PacketFramer, ProtocolName } from './servo-protocol.js';

/** How one protocol's packets are recognised; the framing loop itself is shared. */
export interface FrameFormat {
  readonly protocol: ProtocolName;
  /** Bytes needed to know the packet length (header + id + length field). */
  readonly headerLength: number;
  /** Whether a packet starts at `i` (at least `headerLength` bytes are available). */
  isHeader(buf: Uint8Array, i: number): boolean;
  /** Total packet length from the header at `i`, or why the header is corrupt. */
  packetLength(buf: Uint8Array, i: number): number | CorruptPacketError;
  /** Check and decode one complete packet (a copy, header to checksum). */
  decode(packet: Uint8Array): Frame | CorruptPacketError;
}

/**
 * A streaming packet framer. Bytes may arrive in any chunking (one packet split over many
 * `data` events, many packets in one event, garbage between them): it buffers, resynchronises
 * on the header, frames by the length field and checks the CRC / checksum. After a corrupt
 * packet it skips one byte and searches again, so a damaged length field cannot swallow the
 * packet that follows.
 */
export class ByteFramer implements PacketFramer {
  private buf = new Uint8Array(256);
  private start = 0;
  private end = 0;
  private discarded = 0;

  constructor(private readonly format: FrameFormat) {}

  get discardedBytes(): number {
    return this.discarded;
  }

  reset(): number {
    const dropped = this.end - this.start;
    this.start = this.end = 0;
    return dropped;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    this.append(chunk);
    const events: FrameEvent[] = [];
    const { format } = this;
    const buf = this.buf;
    let i = this.start;
    while (i < this.end) {
      if (buf[i] !== 0xff) {
        i++;
        this.discarded++;
        continue;
      }
      if (this.end - i < format.headerLength) break;
      if (!format.isHeader(buf, i)) {
        i++;
        this.discarded++;
        continue;
      }
      const length = format.packetLength(buf, i);
      if (typeof length !== 'number') {
        events.push({ kind: 'corrupt', error: length });
        i++;
        this.discarded++;
        continue;
      }
      if (this.end - i < length) break;
      const decoded = format.decode(buf.slice(i, i + length));
      if ('code' in decoded) {
        events.push({ kind: 'frame', frame: decoded });
        i += length;
      } else {
        events.push({ kind: 'corrupt', error: decoded });
        i++;
        this.discarded++;
      }
    }
    this.start = i;
    if (this.start === this.end) this.start = this.end = 0;
    return events;
  }

  private append(chunk: Uint8Array): void {
    const pending = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      const next = this.buf.length >= 2 * (pending + chunk.length) ? this.buf : new Uint8Array(Math.max(256, 2 * (pending + chunk.length)));
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = pending;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }
}
