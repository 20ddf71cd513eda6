import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BusTimeoutError, CorruptPacketError, ServoStatusError } from '../src/bus/bus-errors.js';
import { openPtyPair, type PtyPair } from '../src/bus/pty-pair.js';
import { ServoBus } from '../src/bus/servo-bus.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';
import type { ProtocolName } from '../src/bus/servo-protocol.js';

/** The real serial stack: serialport on one end of a socat pty pair, the emulator on the other. */
describe.each<[ProtocolName, string, number, number]>([
  ['dynamixel', 'xl330-m288', 116, 132],
  ['feetech', 'sts3215', 42, 56],
])('%s ServoBus over a socat pty pair', (protocol, model, goalAddr, presentAddr) => {
  let pty: PtyPair;
  let bus: ServoBus;
  let emulator: ServoEmulator;
  const size = protocol === 'dynamixel' ? 4 : 2;

  // One socat pair per protocol, alive for the whole block (socat exits when either end closes).
  beforeAll(async () => {
    pty = await openPtyPair();
    emulator = await ServoEmulator.open(pty.b, protocol, [
      { id: 1, model, position: 1000 },
      { id: 2, model, position: 3000 },
    ]);
    // 150 ms instead of the SDK's 34/50 ms: the CI machine is shared and loaded.
    bus = await ServoBus.open(pty.a, protocol, { retries: 1, timeoutMs: 150 });
  });

  afterAll(async () => {
    await bus?.close();
    await emulator?.close();
    await pty?.close();
  });

  beforeEach(() => {
    emulator.silent = false;
    emulator.silentIds.clear();
    emulator.corruptReplies = 0;
    emulator.splitReplies = 0;
    emulator.errorBits.clear();
  });

  it('pings, reads, writes, sync-reads and sync-writes', async () => {
    const ping = await bus.ping(2);
    expect(ping.id).toBe(2);
    if (protocol === 'dynamixel') expect(ping.modelNumber).toBe(1200);
    const modelBytes = await bus.read(1, protocol === 'dynamixel' ? 0 : 3, 2);
    expect(modelBytes[0]! | (modelBytes[1]! << 8)).toBe(protocol === 'dynamixel' ? 1200 : 777);

    const le = (v: number) => Array.from({ length: size }, (_, k) => (v >> (8 * k)) & 0xff);
    const torqueAddr = protocol === 'dynamixel' ? 64 : 40;
    await bus.write(1, torqueAddr, [1]);
    await bus.write(2, torqueAddr, [1]);
    expect(emulator.registerValue(1, 'Torque_Enable')).toBe(1);
    await bus.syncWrite(goalAddr, size, [
      [1, le(1500)],
      [2, le(2500)],
    ]);
    const present = await bus.syncRead(presentAddr, size, [2, 1]);
    const value = (b: Uint8Array) => b.reduce((acc, x, k) => acc + x * 256 ** k, 0);
    expect(value(present.get(1)!)).toBe(1500);
    expect(value(present.get(2)!)).toBe(2500);
    expect([...present.keys()]).toEqual([2, 1]);
  });

  it('frames replies that arrive split into 3-byte chunks', async () => {
    emulator.splitReplies = 3;
    const present = await bus.syncRead(presentAddr, size, [1, 2]);
    expect(present.size).toBe(2);
  });

  it('retries once after a corrupt reply and succeeds', async () => {
    const before = { ...bus.stats };
    emulator.corruptReplies = 1;
    await expect(bus.ping(1)).resolves.toMatchObject({ id: 1 });
    expect(bus.stats.corruptPackets - before.corruptPackets).toBe(1);
    expect(bus.stats.retries - before.retries).toBe(1);
  });

  it('names the corrupt byte when every attempt is corrupt', async () => {
    emulator.corruptReplies = 2;
    const err = await bus.read(1, presentAddr, size).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptPacketError);
    const packetLength = protocol === 'dynamixel' ? 11 + size : 6 + size;
    const offset = protocol === 'dynamixel' ? packetLength - 2 : packetLength - 1;
    expect((err as CorruptPacketError).byteOffset).toBe(offset);
    expect((err as Error).message).toContain(`at byte ${offset}`);
  });

  it('times out with an error naming the port and the silent id', async () => {
    emulator.silentIds.add(2);
    const err = await bus.syncRead(presentAddr, size, [1, 2]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusTimeoutError);
    expect((err as Error).message).toContain(pty.a);
    expect((err as BusTimeoutError).ids).toEqual([2]);
    expect((err as BusTimeoutError).attempts).toBe(2);
    // The bus is usable again once the servo answers.
    emulator.silentIds.clear();
    await expect(bus.ping(2)).resolves.toMatchObject({ id: 2 });
  });

  it('decodes servo error bits into a ServoStatusError', async () => {
    emulator.errorBits.set(1, protocol === 'dynamixel' ? 0x06 : 0x04);
    const err = await bus.ping(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServoStatusError);
    expect((err as Error).message).toContain(protocol === 'dynamixel' ? 'data limit error' : 'overheat');
  });

  it('finds every servo with a broadcast ping', async () => {
    const found = await bus.broadcastPing(200);
    expect(found.map((f) => f.id)).toEqual([1, 2]);
  });
});
