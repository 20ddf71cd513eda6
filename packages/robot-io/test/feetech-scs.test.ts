import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToUint, modelFromNumberBytes, servoModel, uintToBytes } from '../src/bus/control-tables.js';
import { MotorsBus } from '../src/bus/motors-bus.js';
import { openPtyPair, type PtyPair } from '../src/bus/pty-pair.js';
import { scanBus } from '../src/bus/scan-bus.js';
import { ServoBus } from '../src/bus/servo-bus.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';
import { INSTRUCTION } from '../src/bus/servo-protocol.js';

const bytes = (s: string) => Uint8Array.from(s.split(' ').map((h) => parseInt(h, 16)));

describe('Feetech SCS byte order (LeRobot protocol_version 1)', () => {
  it('is data on the model: scs0009 big-endian, sts3215 little-endian', () => {
    expect(servoModel('scs0009')).toMatchObject({ protocol: 'feetech', modelNumber: 1284, byteOrder: 'big', resolution: 1024 });
    expect(servoModel('sts3215').byteOrder).toBe('little');
    expect(uintToBytes(0x03e8, 2, 'big')).toEqual([0x03, 0xe8]);
    expect(uintToBytes(0x03e8, 2)).toEqual([0xe8, 0x03]);
    expect(bytesToUint(bytes('05 04'), 0, 2, 'big')).toBe(1284);
    expect(modelFromNumberBytes('feetech', bytes('05 04'))).toEqual({ modelNumber: 1284, model: servoModel('scs0009') });
    expect(modelFromNumberBytes('feetech', bytes('09 03'))).toEqual({ modelNumber: 777, model: servoModel('sts3215') });
    expect(modelFromNumberBytes('feetech', bytes('34 12'))).toEqual({ modelNumber: 0x1234 });
  });
});

/** The real serial stack: serialport on one end of a socat pty pair, the emulator on the other. */
describe('Feetech SCS servo next to an STS servo over a socat pty pair', () => {
  let pty: PtyPair;
  let emulator: ServoEmulator;
  let bus: ServoBus;
  let motors: MotorsBus;

  beforeAll(async () => {
    pty = await openPtyPair();
    emulator = await ServoEmulator.open(pty.b, 'feetech', [
      { id: 1, model: 'scs0009', position: 700 },
      { id: 2, model: 'sts3215', position: 1000 },
    ]);
    bus = await ServoBus.open(pty.a, 'feetech', { retries: 1, timeoutMs: 150 });
    motors = new MotorsBus(bus, {
      scs: { id: 1, model: 'scs0009', normMode: 'DEGREES' },
      sts: { id: 2, model: 'sts3215', normMode: 'DEGREES' },
    });
  });

  afterAll(async () => {
    await bus?.close();
    await emulator?.close();
    await pty?.close();
  });

  it('sends a 2-byte WRITE of Goal_Position big-endian to SCS, little-endian to STS (golden packets)', async () => {
    await motors.writeRegister('Goal_Position', 'scs', 1000);
    // FF FF | ID 01 | LEN 05 | WRITE 03 | addr 2A (42) | 1000 = 0x03E8 big-endian: 03 E8 | CHK
    // CHK = ~(01 + 05 + 03 + 2A + 03 + E8) & FF = ~0x11E & FF = ~0x1E & FF = 0xE1
    expect(emulator.received.at(-1)!.raw).toEqual(bytes('ff ff 01 05 03 2a 03 e8 e1'));
    expect(emulator.registerValue(1, 'Goal_Position')).toBe(1000);

    await motors.writeRegister('Goal_Position', 'sts', 1000);
    // STS unchanged: E8 03; CHK = ~(02 + 05 + 03 + 2A + E8 + 03) & FF = ~0x11F & FF = 0xE0
    expect(emulator.received.at(-1)!.raw).toEqual(bytes('ff ff 02 05 03 2a e8 03 e0'));
    expect(emulator.registerValue(2, 'Goal_Position')).toBe(1000);
  });

  it('decodes a READ of Present_Position big-endian', async () => {
    emulator.setPosition(1, 700);
    expect(Array.from(await bus.read(1, 56, 2))).toEqual([0x02, 0xbc]); // 700 = 0x02BC, high byte first
    expect(await motors.readRegister('Present_Position', 'scs')).toBe(700);
    expect(await motors.readRegister('Model_Number', 'scs')).toBe(1284);
    expect(await motors.readRegister('Present_Position', 'sts')).toBe(1000);
  });

  it('SYNC_WRITE and SYNC_READ encode and decode each servo in its own byte order', async () => {
    await motors.writeRegister('Torque_Enable', 'scs', 1);
    await motors.writeRegister('Torque_Enable', 'sts', 1);
    await motors.syncWriteRegister('Goal_Position', { scs: 300, sts: 3000 });
    // SYNC_WRITE gets no reply: the SYNC_READ answer proves the emulator has applied it.
    expect(await motors.syncReadRegister('Present_Position')).toEqual({ scs: 300, sts: 3000 });
    const sent = emulator.received.filter((r) => r.instruction === INSTRUCTION.SYNC_WRITE).at(-1)!;
    // addr 2A, len 02, [id 01: 300 = 01 2C big-endian], [id 02: 3000 = B8 0B little-endian]
    // CHK = ~(FE + 0A + 83 + 2A + 02 + 01 + 01 + 2C + 02 + B8 + 0B) & FF = ~0x2AA & FF = 0x55
    expect(sent.raw).toEqual(bytes('ff ff fe 0a 83 2a 02 01 01 2c 02 b8 0b 55'));
    expect(emulator.position(1)).toBe(300);
    expect(emulator.position(2)).toBe(3000);
  });

  it('rejects values that do not fit, naming the model and register', async () => {
    await expect(motors.writeRegister('Goal_Position', 'scs', -1)).rejects.toThrow(/scs0009 Goal_Position: -1 out of range 0\.\.65535/);
    await expect(motors.readRegister('Homing_Offset', 'scs')).rejects.toThrow(/scs0009 has no register "Homing_Offset"/);
  });
});

describe('scanBus over a socat pty pair', () => {
  it('finds an SCS servo by its big-endian model number', async () => {
    const pty = await openPtyPair();
    const emulator = await ServoEmulator.open(pty.b, 'feetech', [
      { id: 4, model: 'scs0009' },
      { id: 9, model: 'sts3215' },
    ]);
    try {
      const found = await scanBus(pty.a, 'feetech', 1_000_000, { windowMs: 200, timeoutMs: 250 });
      expect(found).toEqual([
        { id: 4, modelNumber: 1284, model: 'scs0009' },
        { id: 9, modelNumber: 777, model: 'sts3215' },
      ]);
    } finally {
      await emulator.close();
      await pty.close();
    }
  });
});
