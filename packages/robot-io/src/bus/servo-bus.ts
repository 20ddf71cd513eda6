import { BusError, BusTimeoutError, CorruptPacketError, ServoStatusError } from './bus-errors.js';
import { protocolByName } from './protocols.js';
import { SerialTransport, type ByteTransport } from './serial-transport.js';
import {
  BROADCAST_ID,
  INSTRUCTION,
  addressParams,
  checkId,
  type Frame,
  type PacketFramer,
  type ProtocolName,
  type ServoProtocol,
  type StatusPacket,
} from './servo-protocol.js';

export interface ServoBusOptions {
  /** Baud rate (default 1,000,000, as ALOHA, Koch and SO-100 use). Sets the packet timeout. */
  readonly baudRate?: number;
  /** Extra attempts after a timeout or a corrupt reply (LeRobot's SO follower uses 2). Default 1. */
  readonly retries?: number;
  /** Override the SDK packet timeout, in milliseconds. */
  readonly timeoutMs?: number;
}

export interface PingResult {
  readonly id: number;
  /** From the PING status (Dynamixel); Feetech's PING carries no model, see `scanBus`. */
  readonly modelNumber?: number;
  readonly firmware?: number;
  readonly error: number;
}

export interface BusStats {
  transactions: number;
  retries: number;
  timeouts: number;
  corruptPackets: number;
  strayPackets: number;
}

/**
 * One half-duplex servo bus: it serialises transactions, frames replies as they stream in,
 * retries on timeouts and corrupt packets, and throws errors that name the port, the ids, the
 * byte and what was expected. The instruction set (PING, READ, WRITE, SYNC_READ, SYNC_WRITE)
 * is the same for Dynamixel 2.0 and Feetech; `protocol` supplies the packet format.
 */
export class ServoBus {
  readonly stats: BusStats = { transactions: 0, retries: 0, timeouts: 0, corruptPackets: 0, strayPackets: 0 };
  readonly baudRate: number;
  private readonly framer: PacketFramer;
  private readonly queue: Frame[] = [];
  private corrupt: CorruptPacketError[] = [];
  private wake: (() => void) | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly transport: ByteTransport,
    readonly protocol: ServoProtocol,
    private readonly options: ServoBusOptions = {},
  ) {
    this.baudRate = options.baudRate ?? 1_000_000;
    this.framer = protocol.createFramer();
    transport.onData((chunk) => {
      for (const ev of this.framer.push(chunk)) {
        if (ev.kind === 'frame') this.queue.push(ev.frame);
        else {
          this.corrupt.push(ev.error);
          this.stats.corruptPackets++;
        }
      }
      this.wake?.();
    });
  }

  /** Open a serial port (real adapter or pty) and put a bus on it. */
  static async open(path: string, protocol: ServoProtocol | ProtocolName, options: ServoBusOptions = {}): Promise<ServoBus> {
    const p = typeof protocol === 'string' ? protocolByName(protocol) : protocol;
    const transport = await SerialTransport.open(path, { baudRate: options.baudRate ?? 1_000_000 });
    return new ServoBus(transport, p, options);
  }

  get port(): string {
    return this.transport.path;
  }

  async ping(id: number): Promise<PingResult> {
    checkId(id);
    const [status] = await this.transact(this.protocol.encodeInstruction(id, INSTRUCTION.PING, []), [id], this.protocol.pingReturnsModel ? 3 : 0);
    return this.pingResult(status!);
  }

  /**
   * Broadcast PING: every servo answers in id order. Collects replies for `windowMs`
   * (default: time for 253 replies plus the packet timeout).
   */
  async broadcastPing(windowMs?: number): Promise<PingResult[]> {
    const packet = this.protocol.encodeInstruction(BROADCAST_ID, INSTRUCTION.PING, []);
    const window = windowMs ?? this.timeoutFor(253 * this.protocol.statusLength(3));
    return this.exclusive(async () => {
      this.begin();
      await this.transport.write(packet);
      const found = new Map<number, PingResult>();
      // Servos answer one after another; once one has answered, the others get one more packet
      // timeout after the latest reply, so a chain whose replies started late is still heard out.
      const quiet = this.timeoutFor(this.protocol.statusLength(3));
      let deadline = performance.now() + window;
      for (;;) {
        const frame = await this.nextFrame(deadline);
        if (!frame) break;
        deadline = Math.max(deadline, performance.now() + quiet);
        if (isEcho(frame, packet)) continue;
        let status: StatusPacket;
        try {
          status = this.protocol.toStatus(frame);
        } catch {
          this.stats.strayPackets++; // not a status packet (another host's instruction)
          continue;
        }
        found.set(status.id, this.pingResult(status));
      }
      return [...found.values()].sort((a, b) => a.id - b.id);
    });
  }

  async read(id: number, address: number, length: number): Promise<Uint8Array> {
    checkId(id);
    const packet = this.protocol.encodeInstruction(id, INSTRUCTION.READ, addressParams(this.protocol, address, length));
    const [status] = await this.transact(packet, [id], length);
    return status!.data;
  }

  /** An acknowledged write (a broadcast write, id 0xFE, gets no reply). */
  async write(id: number, address: number, data: ArrayLike<number>): Promise<void> {
    checkId(id, true);
    const params = [...addressParams(this.protocol, address, 0).slice(0, this.protocol.addressWidth), ...Array.from(data)];
    const packet = this.protocol.encodeInstruction(id, INSTRUCTION.WRITE, params);
    await this.transact(packet, id === BROADCAST_ID ? [] : [id], 0);
  }

  /** SYNC_READ: one request, one status packet per id in id-list order. */
  async syncRead(address: number, length: number, ids: readonly number[]): Promise<Map<number, Uint8Array>> {
    ids.forEach((id) => checkId(id));
    const packet = this.protocol.encodeInstruction(BROADCAST_ID, INSTRUCTION.SYNC_READ, [
      ...addressParams(this.protocol, address, length),
      ...ids,
    ]);
    const statuses = await this.transact(packet, ids, length);
    return new Map(statuses.map((s) => [s.id, s.data]));
  }

  /** SYNC_WRITE: `length` bytes at `address` for each id; no reply. */
  async syncWrite(address: number, length: number, entries: ReadonlyArray<readonly [number, ArrayLike<number>]>): Promise<void> {
    const params = addressParams(this.protocol, address, length);
    for (const [id, data] of entries) {
      checkId(id);
      if (data.length !== length) throw new RangeError(`syncWrite to id ${id}: ${data.length} data bytes, expected ${length}`);
      params.push(id, ...Array.from(data));
    }
    await this.transact(this.protocol.encodeInstruction(BROADCAST_ID, INSTRUCTION.SYNC_WRITE, params), [], 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.lock.catch(() => undefined);
    await this.transport.close();
  }

  private pingResult(status: StatusPacket): PingResult {
    if (this.protocol.pingReturnsModel && status.data.length >= 3) {
      return { id: status.id, modelNumber: status.data[0]! | (status.data[1]! << 8), firmware: status.data[2]!, error: status.error };
    }
    return { id: status.id, error: status.error };
  }

  private timeoutFor(bytes: number): number {
    return this.options.timeoutMs ?? this.protocol.packetTimeoutMs(this.baudRate, bytes);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new BusError(`${this.port}: bus is closed`));
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private begin(): void {
    this.framer.reset();
    this.queue.length = 0;
    this.corrupt = [];
    this.stats.transactions++;
  }

  /**
   * Send `packet` and wait for one status from each of `ids` (in any order), each carrying
   * `dataLength` bytes. Retries the whole exchange on a timeout or a corrupt reply.
   */
  private transact(packet: Uint8Array, ids: readonly number[], dataLength: number): Promise<StatusPacket[]> {
    const attempts = 1 + (this.options.retries ?? 1);
    const timeout = this.timeoutFor(packet.length + ids.length * this.protocol.statusLength(dataLength));
    return this.exclusive(async () => {
      let lastError: Error | undefined;
      for (let attempt = 0; attempt < attempts; attempt++) {
        if (attempt > 0) this.stats.retries++;
        this.begin();
        await this.transport.write(packet);
        if (ids.length === 0) return [];
        const got = new Map<number, StatusPacket>();
        const deadline = performance.now() + timeout;
        let malformed: Error | undefined;
        while (got.size < ids.length) {
          const frame = await this.nextFrame(deadline);
          if (!frame) break;
          if (isEcho(frame, packet)) continue;
          let status: StatusPacket;
          try {
            status = this.protocol.toStatus(frame);
          } catch (err) {
            malformed = err as Error;
            continue;
          }
          if (!ids.includes(status.id) || got.has(status.id)) {
            this.stats.strayPackets++;
            continue;
          }
          if (status.error !== 0 && (this.protocol.name === 'feetech' || (status.error & 0x7f) !== 0)) {
            throw new ServoStatusError(status.id, status.error, this.protocol.describeError(status.error));
          }
          if (dataLength > 0 && status.data.length !== dataLength) {
            malformed = new BusError(
              `${this.port}: status from id ${status.id} carries ${status.data.length} data bytes, expected ${dataLength}`,
            );
            continue;
          }
          got.set(status.id, status);
        }
        if (got.size === ids.length) return ids.map((id) => got.get(id)!);
        const missing = ids.filter((id) => !got.has(id));
        const corrupt = this.corrupt.at(-1);
        lastError = corrupt ?? malformed ?? new BusTimeoutError(this.port, missing, timeout, attempt + 1);
        if (!corrupt && !malformed) this.stats.timeouts++;
      }
      if (lastError instanceof BusTimeoutError) {
        throw new BusTimeoutError(this.port, lastError.ids, lastError.timeoutMs, attempts);
      }
      throw lastError!;
    });
  }

  private nextFrame(deadline: number): Promise<Frame | undefined> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const wait = deadline - performance.now();
      if (wait <= 0) return resolve(undefined);
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(this.queue.shift());
      }, wait);
      this.wake = () => {
        const frame = this.queue.shift();
        if (!frame) return;
        clearTimeout(timer);
        this.wake = undefined;
        resolve(frame);
      };
    });
  }
}

function isEcho(frame: Frame, sent: Uint8Array): boolean {
  return frame.raw.length === sent.length && frame.raw.every((b, i) => b === sent[i]);
}
