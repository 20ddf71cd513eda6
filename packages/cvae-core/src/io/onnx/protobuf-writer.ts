/**
 * The few Protocol Buffers wire-format pieces an ONNX file needs (proto3/proto2 encoding, no
 * schema): varints, length-delimited fields, fixed 32-bit floats and packed repeated scalars.
 * A message is built as a list of byte chunks so large tensor payloads are copied once, when the
 * whole model is concatenated.
 */
export class ProtoMessage {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  /** Bytes this message takes on the wire (without its own tag and length). */
  get byteLength(): number {
    return this.size;
  }

  /** A varint field (wire type 0): int32/int64/enum/bool. Negative numbers take ten bytes, as protobuf's int64. */
  varint(field: number, value: number | bigint): this {
    this.push(varintBytes((field << 3) | 0));
    this.push(varintBytes(value));
    return this;
  }

  /** A 32-bit float field (wire type 5). */
  float(field: number, value: number): this {
    this.push(varintBytes((field << 3) | 5));
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** A length-delimited field (wire type 2) holding raw bytes. */
  bytes(field: number, value: Uint8Array): this {
    this.push(varintBytes((field << 3) | 2));
    this.push(varintBytes(value.byteLength));
    this.push(value);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message field. */
  message(field: number, value: ProtoMessage): this {
    this.push(varintBytes((field << 3) | 2));
    this.push(varintBytes(value.size));
    for (const p of value.parts) this.push(p);
    return this;
  }

  /** A packed repeated varint field (int64/int32). */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const body = values.map((v) => varintBytes(v));
    return this.bytes(field, concatBytes(body));
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  /** The encoded message as one buffer. */
  finish(): Uint8Array {
    return concatBytes(this.parts, this.size);
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.byteLength;
  }
}

/** Base-128 varint; negative values as 64-bit two's complement (ten bytes), as protobuf encodes int64. */
export function varintBytes(value: number | bigint): Uint8Array {
  let v = typeof value === 'bigint' ? value : BigInt(value);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`protobuf varint: ${value} is not a safe integer`);
  }
  if (v < 0n) v = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  const size = total ?? parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
