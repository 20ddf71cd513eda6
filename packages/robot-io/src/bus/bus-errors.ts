/** Base class of every servo-bus failure, so callers can catch bus faults as one kind. */
export class BusError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No (complete) reply arrived within the packet timeout, after all retries. */
export class BusTimeoutError extends BusError {
  constructor(
    readonly port: string,
    readonly ids: readonly number[],
    readonly timeoutMs: number,
    readonly attempts: number,
    detail = '',
  ) {
    super(
      `${port}: no status packet from id ${ids.join(', ')} within ${timeoutMs.toFixed(1)} ms ` +
        `(${attempts} attempt${attempts === 1 ? '' : 's'})${detail ? `; ${detail}` : ''}`,
    );
  }
}

/** Bytes that look like a packet but fail a check (CRC, checksum, length, reserved byte). */
export class CorruptPacketError extends BusError {
  constructor(
    readonly protocol: string,
    /** Offset of the offending byte inside the packet (0 = first header byte). */
    readonly byteOffset: number,
    readonly field: string,
    readonly expected: string,
    readonly actual: string,
    readonly packet: Uint8Array,
  ) {
    super(
      `${protocol} packet: bad ${field} at byte ${byteOffset}: expected ${expected}, got ${actual} ` +
        `(packet ${hex(packet)})`,
    );
  }
}

/** A well-formed status packet whose error field reports a fault of the servo itself. */
export class ServoStatusError extends BusError {
  constructor(
    readonly id: number,
    readonly errorByte: number,
    readonly reasons: readonly string[],
  ) {
    super(`servo id ${id} reported error 0x${errorByte.toString(16).padStart(2, '0')}: ${reasons.join(', ')}`);
  }
}

/** Lower-case hex dump `ff ff fd 00 ...` used in error messages and logs. */
export function hex(bytes: Uint8Array, max = 48): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} ... (${bytes.length} bytes)` : shown;
}

export function hexByte(b: number): string {
  return `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;
}

export function hexWord(w: number): string {
  return `0x${w.toString(16).padStart(4, '0').toUpperCase()}`;
}
