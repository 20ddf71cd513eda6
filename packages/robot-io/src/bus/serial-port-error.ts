import { closeSync, constants, openSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { BusError } from './bus-errors.js';

/** A serial port that could not be opened; `path` is the device asked for, `problem` says what it is instead. */
export class SerialPortError extends BusError {
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`cannot open serial port ${path}: ${problem}`, options);
  }
}

const EXPECTED = 'expected a serial device such as /dev/ttyUSB0, /dev/ttyACM0 or a pseudo-terminal';

/**
 * Why `path` cannot be a serial port, in words (no such file, a folder, a regular file, a device
 * that is not a terminal), or `fallback` when it looks like one. Only called after opening failed:
 * opening a port toggles DTR, which resets some boards, so it is never opened just to check.
 */
export function describeSerialPortProblem(path: string, fallback: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no such device; ${EXPECTED} (is the adapter plugged in?)` : `cannot inspect it (${code ?? String(err)})`;
  }
  if (st.isDirectory()) return `it is a folder; ${EXPECTED}`;
  if (st.isFile()) return `it is a regular file, not a device; ${EXPECTED}`;
  if (!st.isCharacterDevice()) return `it is not a character device; ${EXPECTED}`;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    if (!isatty(fd)) return `it is a character device but not a terminal (no serial line settings); ${EXPECTED}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return `permission denied; add this user to the device's group (often dialout) or check its mode`;
    if (code === 'EBUSY') return `the device is busy (another program has it open)`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return fallback;
}
