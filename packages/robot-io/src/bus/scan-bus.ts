import { modelByNumber, modelFromNumberBytes } from './control-tables.js';
import { ServoBus, type PingResult, type ServoBusOptions } from './servo-bus.js';
import type { ProtocolName } from './servo-protocol.js';

export interface ScannedServo {
  readonly id: number;
  readonly modelNumber: number;
  /** LeRobot model name when the number is known (`sts3215`, `xl330-m288`, ...). */
  readonly model?: string;
  readonly firmware?: number;
}

export interface ScanOptions {
  /** How long one broadcast PING collects replies (default: the bus's own timing, see `broadcastPing`). */
  readonly windowMs?: number;
  /**
   * Broadcast PINGs to send; the servos found are the union (default 3). A servo whose reply was
   * lost or late (a corrupt byte, a loaded host) answers the next round, as LeRobot's
   * `broadcast_ping(num_retry=...)` does.
   */
  readonly rounds?: number;
}

/**
 * Find every servo on `port` at `baud`: broadcast PINGs (several rounds, results merged), then
 * (Feetech, whose PING carries no model) a READ of Model_Number per id. Used by
 * `actfusion robot scan`.
 */
export async function scanBus(port: string, protocol: ProtocolName, baud = 1_000_000, options: ServoBusOptions & ScanOptions = {}): Promise<ScannedServo[]> {
  const bus = await ServoBus.open(port, protocol, { ...options, baudRate: baud });
  try {
    return await scanOpenBus(bus, options);
  } finally {
    await bus.close();
  }
}

export async function scanOpenBus(bus: ServoBus, options: ScanOptions = {}): Promise<ScannedServo[]> {
  const rounds = options.rounds ?? 3;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`scan rounds must be an integer >= 1, got ${rounds}`);
  const byId = new Map<number, PingResult>();
  for (let r = 0; r < rounds; r++) {
    for (const p of await bus.broadcastPing(options.windowMs)) byId.set(p.id, p);
  }
  const found = [...byId.values()].sort((a, b) => a.id - b.id);
  const out: ScannedServo[] = [];
  for (const p of found) {
    const { modelNumber, model } =
      p.modelNumber !== undefined
        ? { modelNumber: p.modelNumber, model: modelByNumber(bus.protocol.name, p.modelNumber) }
        : // Feetech Model_Number @3: little-endian on STS, big-endian on SCS.
          modelFromNumberBytes(bus.protocol.name, await bus.read(p.id, 3, 2));
    out.push({ id: p.id, modelNumber, ...(model ? { model: model.name } : {}), ...(p.firmware !== undefined ? { firmware: p.firmware } : {}) });
  }
  return out;
}
