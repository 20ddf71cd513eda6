import {
  bytesToUint,
  decodeRegister,
  encodeRegister,
  register,
  servoModel,
  uintToBytes,
  type ServoModel,
} from './control-tables.js';
import { protocolByName } from './protocols.js';
import { SerialTransport, type ByteTransport } from './serial-transport.js';
import { BROADCAST_ID, INSTRUCTION, type Frame, type PacketFramer, type ProtocolName, type ServoProtocol } from './servo-protocol.js';

export interface EmulatedServoOptions {
  readonly id: number;
  /** Model name from `SERVO_MODELS` (`sts3215`, `scs0009`, `xl330-m288`, ...). */
  readonly model: string;
  /** Mechanical position in ticks, before the homing offset (default half a turn: 2048, SCS 512). */
  readonly position?: number;
}

/** One instruction the emulator received, for tests to inspect. */
export interface ReceivedInstruction {
  readonly id: number;
  readonly instruction: number;
  readonly params: Uint8Array;
  /** The packet as it arrived, header to checksum. */
  readonly raw: Uint8Array;
}

interface Servo {
  id: number;
  readonly model: ServoModel;
  readonly memory: Uint8Array;
  position: number;
}

const DXL_ERR_INSTRUCTION = 2;
const DXL_ERR_DATA_LIMIT = 6;
const DXL_ERR_ACCESS = 7;

/**
 * A byte-level emulator of a chain of servos on one bus, for tests and demos without hardware.
 * It answers on a `ByteTransport` (normally the far end of a socat pseudo-terminal pair) the
 * way the servos do: PING (also broadcast), READ, WRITE, SYNC_READ, SYNC_WRITE on a control-table
 * memory in the model's byte order (big-endian for Feetech SCS), homing offsets applied to
 * Present_Position, torque gating goal positions, and EEPROM writes refused with torque on
 * (Dynamixel access error). Faults can be injected:
 * silent servos, corrupt replies, replies split into small chunks, error bits.
 */
export class ServoEmulator {
  readonly received: ReceivedInstruction[] = [];
  /** Every raw Goal_Position value a servo accepted, per id (for "never sent raw" checks). */
  readonly goalHistory = new Map<number, number[]>();
  /** Ids that do not answer (all of them when `silent` is true). */
  silentIds = new Set<number>();
  silent = false;
  /** Corrupt the checksum/CRC of the next n replies. */
  corruptReplies = 0;
  /** Write each reply in chunks of this many bytes, 1 ms apart (0 = whole packets). */
  splitReplies = 0;
  /** Error byte to put into replies, per id. */
  readonly errorBits = new Map<number, number>();
  /**
   * Probability that any one reply is corrupted (its last checksum/CRC byte flipped), drawn from
   * `faultRandom`. For soak tests: 0.01 = 1 % corrupt packets.
   */
  corruptProbability = 0;
  /** Delay before each reply in milliseconds, or a function drawing one per reply (a slow or loaded host). */
  replyDelayMs: number | (() => number) = 0;
  /** Uniform [0, 1) source for `corruptProbability`; seed it for repeatable soaks. */
  faultRandom: () => number = Math.random;
  /** Faults injected so far, for tests to compare with what the host counted. */
  readonly injected = { corruptReplies: 0, delayedReplies: 0, silentDrops: 0 };
  private readonly servos = new Map<number, Servo>();
  private readonly framer: PacketFramer;
  private transport: ByteTransport | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly protocol: ServoProtocol,
    servos: readonly EmulatedServoOptions[],
  ) {
    this.framer = protocol.createFramer();
    for (const s of servos) this.addServo(s);
  }

  /** Open `path` (e.g. the far end of a pty pair) with serialport and answer on it. */
  static async open(path: string, protocol: ServoProtocol | ProtocolName, servos: readonly EmulatedServoOptions[]): Promise<ServoEmulator> {
    const p = typeof protocol === 'string' ? protocolByName(protocol) : protocol;
    const emulator = new ServoEmulator(p, servos);
    emulator.attach(await SerialTransport.open(path, { baudRate: 1_000_000 }));
    return emulator;
  }

  attach(transport: ByteTransport): void {
    this.transport = transport;
    transport.onData((chunk) => {
      for (const ev of this.framer.push(chunk)) if (ev.kind === 'frame') this.handle(ev.frame);
    });
  }

  async close(): Promise<void> {
    await this.writing;
    await this.transport?.close();
  }

  addServo(options: EmulatedServoOptions): void {
    const model = servoModel(options.model);
    if (model.protocol !== this.protocol.name) throw new RangeError(`${model.name} is a ${model.protocol} servo, not ${this.protocol.name}`);
    const servo: Servo = { id: options.id, model, memory: new Uint8Array(256), position: options.position ?? model.resolution / 2 };
    this.servos.set(options.id, servo);
    this.set(servo, 'Model_Number', model.modelNumber);
    this.set(servo, 'ID', options.id);
    this.set(servo, 'Min_Position_Limit', 0);
    this.set(servo, 'Max_Position_Limit', model.resolution - 1);
    if (model.table.Operating_Mode) this.set(servo, 'Operating_Mode', model.protocol === 'dynamixel' ? 3 : 0);
    if (model.protocol === 'dynamixel') {
      this.set(servo, 'Baud_Rate', 3);
      this.set(servo, 'Secondary_ID', 255); // 255 = no secondary id (factory value)
    }
  }

  /** Read a register as the servo holds it (signed registers decoded). */
  registerValue(id: number, name: string): number {
    const servo = this.servo(id);
    if (name === 'Present_Position') return this.presentPosition(servo);
    const [address, size] = register(servo.model, name);
    return decodeRegister(servo.model, name, bytesToUint(servo.memory, address, size, servo.model.byteOrder));
  }

  setRegister(id: number, name: string, value: number): void {
    this.set(this.servo(id), name, value);
  }

  /** Move a servo by hand (a leader arm being moved by the operator). */
  setPosition(id: number, ticks: number): void {
    this.servo(id).position = ticks;
  }

  position(id: number): number {
    return this.servo(id).position;
  }

  private servo(id: number): Servo {
    const servo = this.servos.get(id);
    if (!servo) throw new RangeError(`the emulator has no servo with id ${id}`);
    return servo;
  }

  private set(servo: Servo, name: string, value: number): void {
    const [address, size] = register(servo.model, name);
    servo.memory.set(uintToBytes(encodeRegister(servo.model, name, value), size, servo.model.byteOrder), address);
  }

  /** Homing_Offset (0 on models without one, such as SCS). */
  private homingOffset(servo: Servo): number {
    const reg = servo.model.table.Homing_Offset;
    if (!reg) return 0;
    return decodeRegister(servo.model, 'Homing_Offset', bytesToUint(servo.memory, reg[0], reg[1], servo.model.byteOrder));
  }

  /** Dynamixel: Present = actual + offset. Feetech: Present = actual - offset, kept in 0..4095. */
  private presentPosition(servo: Servo): number {
    const offset = this.homingOffset(servo);
    if (servo.model.protocol === 'dynamixel') return servo.position + offset;
    const res = servo.model.resolution;
    return (((servo.position - offset) % res) + res) % res;
  }

  private handle(frame: Frame): void {
    if (this.protocol.name === 'dynamixel' && frame.code === 0x55) return; // a status packet, not for us
    this.received.push({ id: frame.id, instruction: frame.code, params: frame.params, raw: frame.raw });
    const p = frame.params;
    const wide = this.protocol.addressWidth === 2;
    const addr = (o: number) => (wide ? p[o]! | (p[o + 1]! << 8) : p[o]!);
    const w = this.protocol.addressWidth;
    switch (frame.code) {
      case INSTRUCTION.PING: {
        const ids = frame.id === BROADCAST_ID ? [...this.servos.keys()].sort((a, b) => a - b) : [frame.id];
        for (const id of ids) {
          const servo = this.servos.get(id);
          if (!servo) continue;
          const data = this.protocol.pingReturnsModel ? [...uintToBytes(servo.model.modelNumber, 2), 45] : [];
          this.reply(id, 0, data);
        }
        return;
      }
      case INSTRUCTION.READ: {
        const servo = this.servos.get(frame.id);
        if (servo) this.reply(frame.id, 0, this.readMemory(servo, addr(0), addr(w)));
        return;
      }
      case INSTRUCTION.WRITE: {
        // Servos whose Secondary_ID matches (ALOHA's shadow motors) apply the write silently.
        for (const s of this.addressed(frame.id)) {
          const addressedById = s.id === frame.id;
          const error = this.writeMemory(s, addr(0), p.subarray(w));
          if (addressedById) this.reply(frame.id, error, []);
        }
        return;
      }
      case INSTRUCTION.SYNC_READ: {
        const address = addr(0);
        const length = addr(w);
        for (const id of p.subarray(2 * w)) {
          const servo = this.servos.get(id);
          if (servo) this.reply(id, 0, this.readMemory(servo, address, length));
        }
        return;
      }
      case INSTRUCTION.SYNC_WRITE: {
        const address = addr(0);
        const length = addr(w);
        for (let o = 2 * w; o + 1 + length <= p.length; o += 1 + length) {
          for (const s of this.addressed(p[o]!)) this.writeMemory(s, address, p.subarray(o + 1, o + 1 + length));
        }
        return;
      }
      default:
        if (this.protocol.name === 'dynamixel' && this.servos.has(frame.id)) this.reply(frame.id, DXL_ERR_INSTRUCTION, []);
    }
  }

  /** Servos a write to `id` reaches: that id, servos with it as Secondary_ID, or all on broadcast. */
  private addressed(id: number): Servo[] {
    return [...this.servos.values()].filter((s) => {
      if (id === BROADCAST_ID || s.id === id) return true;
      const sec = s.model.table.Secondary_ID;
      return sec !== undefined && s.memory[sec[0]] === id;
    });
  }

  private readMemory(servo: Servo, address: number, length: number): Uint8Array {
    const [pAddr, pSize] = register(servo.model, 'Present_Position');
    servo.memory.set(uintToBytes(encodeRegister(servo.model, 'Present_Position', this.presentPosition(servo)), pSize, servo.model.byteOrder), pAddr);
    return servo.memory.slice(address, address + length);
  }

  /** Apply a write; returns the status error byte. */
  private writeMemory(servo: Servo, address: number, data: Uint8Array): number {
    const isDxl = servo.model.protocol === 'dynamixel';
    const [torqueAddr] = register(servo.model, 'Torque_Enable');
    const torqueOn = servo.memory[torqueAddr] === 1;
    if (isDxl && torqueOn && address < 64 && !(address <= torqueAddr && torqueAddr < address + data.length)) return DXL_ERR_ACCESS;
    const [goalAddr, goalSize] = register(servo.model, 'Goal_Position');
    const touchesGoal = address <= goalAddr && goalAddr + goalSize <= address + data.length;
    if (touchesGoal && isDxl) {
      const raw = bytesToUint(data, goalAddr - address, goalSize, servo.model.byteOrder);
      const goal = decodeRegister(servo.model, 'Goal_Position', raw);
      const min = this.registerValue(servo.id, 'Min_Position_Limit');
      const max = this.registerValue(servo.id, 'Max_Position_Limit');
      const mode = this.registerValue(servo.id, 'Operating_Mode');
      if (mode === 3 && (goal < min || goal > max)) return DXL_ERR_DATA_LIMIT;
    }
    servo.memory.set(data, address);
    const [idAddr] = register(servo.model, 'ID');
    if (address <= idAddr && idAddr < address + data.length && servo.memory[idAddr] !== servo.id) {
      // A new ID takes effect at once (after the status of this write, sent with the old id).
      this.servos.delete(servo.id);
      servo.id = servo.memory[idAddr]!;
      this.servos.set(servo.id, servo);
    }
    if (touchesGoal) {
      const goal = this.registerValue(servo.id, 'Goal_Position');
      const history = this.goalHistory.get(servo.id) ?? [];
      history.push(goal);
      this.goalHistory.set(servo.id, history);
      if (servo.memory[torqueAddr] === 1) {
        const offset = this.homingOffset(servo);
        servo.position = isDxl ? goal - offset : goal + offset;
      }
    }
    return 0;
  }

  private reply(id: number, error: number, data: ArrayLike<number>): void {
    if (this.silent || this.silentIds.has(id)) {
      this.injected.silentDrops++;
      return;
    }
    const packet = this.protocol.encodeStatus(id, error || (this.errorBits.get(id) ?? 0), data);
    if (this.corruptReplies > 0 || (this.corruptProbability > 0 && this.faultRandom() < this.corruptProbability)) {
      if (this.corruptReplies > 0) this.corruptReplies--;
      this.injected.corruptReplies++;
      packet[packet.length - 1] ^= 0x01;
    }
    const transport = this.transport;
    if (!transport) return;
    const chunk = this.splitReplies;
    const delay = typeof this.replyDelayMs === 'function' ? this.replyDelayMs() : this.replyDelayMs;
    this.writing = this.writing.then(async () => {
      if (delay > 0) {
        this.injected.delayedReplies++;
        await new Promise((r) => setTimeout(r, delay));
      }
      if (chunk <= 0) return transport.write(packet);
      for (let o = 0; o < packet.length; o += chunk) {
        await transport.write(packet.subarray(o, o + chunk));
        await new Promise((r) => setTimeout(r, 1));
      }
    }).catch(() => undefined);
  }
}
