import { readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * The FTDI latency timer (ms) of a USB serial adapter, from
 * `/sys/bus/usb-serial/devices/<tty>/latency_timer`; undefined when the port has none (ttyACM,
 * a pty). FTDI adapters (U2D2) default to 16 ms, which dominates every servo round trip; ALOHA's
 * udev rule sets 1 (`ATTR{device/latency_timer}="1"`).
 */
export async function usbLatencyTimer(port: string, sysfsRoot = '/sys/bus/usb-serial/devices'): Promise<number | undefined> {
  const tty = basename(await realpath(port));
  try {
    const text = await readFile(join(sysfsRoot, tty, 'latency_timer'), 'utf8');
    const value = Number.parseInt(text.trim(), 10);
    if (!Number.isFinite(value)) throw new Error(`${join(sysfsRoot, tty, 'latency_timer')}: expected an integer, got ${JSON.stringify(text)}`);
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A warning to show when the latency timer is above 1 ms, or undefined. */
export async function latencyTimerWarning(port: string, sysfsRoot?: string): Promise<string | undefined> {
  const ms = await usbLatencyTimer(port, sysfsRoot);
  if (ms === undefined || ms <= 1) return undefined;
  const tty = basename(await realpath(port));
  return (
    `${port}: USB latency timer is ${ms} ms; every bus round trip waits for it. Set it to 1 ms: ` +
    `echo 1 | sudo tee /sys/bus/usb-serial/devices/${tty}/latency_timer (or a udev rule as ALOHA does)`
  );
}
