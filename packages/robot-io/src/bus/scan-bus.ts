import { modelByNumber, modelFromNumberBytes } from './control-tables.js';
import { ServoBus, type ServoBusOptions } from './servo-bus.js';
import type { ProtocolName } from './servo-protocol.js';

export interface ScannedServo {
  readonly id: number;
  readonly modelNumber: number;
  /** LeRobot model name when the number is known (`sts3215`, `xl330-m288`, ...). */
  readonly model?: string;
  readonly firmware?: number;
}

/**
 * Find every servo on `port` at `baud`: a broadcast PING, then (Feetech, whose PING carries no
 * model) a READ of Model_Number per id. Used by `actfusion robot scan`.
 */
export async function scanBus(port: string, protocol: ProtocolName, baud = 1_000_000, options: ServoBusOptions & { windowMs?: number } = {}): Promise<ScannedServo[]> {
  const bus = await ServoBus.open(port, protocol, { ...options, baudRate: baud });
  try {
    return await scanOpenBus(bus, options.windowMs);
  } finally {
    await bus.close();
  }
}

export async function scanOpenBus(bus: ServoBus, windowMs?: number): Promise<ScannedServo[]> {
  const found = await bus.broadcastPing(windowMs);
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
