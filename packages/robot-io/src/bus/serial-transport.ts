import { SerialPort } from 'serialport';
import { describeSerialPortProblem, SerialPortError } from './serial-port-error.js';

/** The byte pipe a servo bus talks through. `SerialTransport` is the real one. */
export interface ByteTransport {
  /** Device path, used in error messages. */
  readonly path: string;
  write(bytes: Uint8Array): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): void;
  close(): Promise<void>;
}

export interface SerialTransportOptions {
  readonly baudRate: number;
}

/** A `serialport` port (USB adapter, or a pseudo-terminal in tests) as a `ByteTransport`. */
export class SerialTransport implements ByteTransport {
  private constructor(
    readonly path: string,
    private readonly port: SerialPort,
  ) {}

  static async open(path: string, options: SerialTransportOptions): Promise<SerialTransport> {
    const port = new SerialPort({ path, baudRate: options.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new SerialPortError(path, describeSerialPortProblem(path, err.message), { cause: err })) : resolve())),
    );
    const transport = new SerialTransport(path, port);
    // Without a listener an 'error' event (adapter unplugged) would crash the process; keep it
    // instead: the bus then times out and the control loop's fault handling takes over.
    port.on('error', (err: Error) => {
      transport.lastError = err;
    });
    return transport;
  }

  /** The last asynchronous port error (e.g. the adapter was unplugged), if any. */
  lastError: Error | undefined;

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) =>
        err ? reject(new Error(`${this.path}: write failed: ${err.message}`, { cause: err })) : resolve(),
      ),
    );
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.port.on('data', (chunk: Buffer) => listener(chunk));
  }

  get isOpen(): boolean {
    return this.port.isOpen;
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
