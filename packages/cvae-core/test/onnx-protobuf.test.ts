import { describe, expect, it } from 'vitest';
import { encodeOnnxModel, OnnxGraphBuilder, ProtoMessage, varintBytes } from '../src/io/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('protobuf wire format', () => {
  it('encodes varints as base-128, negatives as ten-byte two\'s complement', () => {
    expect(hex(varintBytes(0))).toBe('00');
    expect(hex(varintBytes(1))).toBe('01');
    expect(hex(varintBytes(300))).toBe('ac02');
    expect(hex(varintBytes(-1))).toBe('ffffffffffffffffff01');
    expect(hex(varintBytes(2n ** 40n))).toBe('808080808020');
    expect(() => varintBytes(2 ** 60)).toThrow(/not a safe integer/);
  });

  it('encodes tagged fields: varint, float, string, nested message, packed', () => {
    const inner = new ProtoMessage().varint(1, 150);
    const m = new ProtoMessage().varint(1, 150).float(2, 1).string(3, 'hi').message(4, inner).packedVarints(5, [3, 270]);
    // 08 96 01 | 15 0000803f | 1a 02 6869 | 22 03 089601 | 2a 03 03 8e02
    expect(hex(m.finish())).toBe('089601150000803f1a026869220308960' + '12a03038e02');
    expect(m.byteLength).toBe(m.finish().byteLength);
  });
});

describe('ONNX model encoding', () => {
  it('writes ir_version 8, the producer, the graph and opset 17 in ModelProto field order', () => {
    const g = new OnnxGraphBuilder();
    const x = g.input('x', 'float32', ['batch', 2]);
    g.output(g.op('Relu', [x]), 'y', 'float32', ['batch', 2]);
    const bytes = encodeOnnxModel({ graph: g.build('tiny'), opset: 17, producerName: 'actfusion', producerVersion: '0.1.0' });
    expect(hex(bytes.subarray(0, 2))).toBe('0808'); // field 1 (ir_version) = 8
    expect(Buffer.from(bytes).includes(Buffer.from('Relu'))).toBe(true);
    // the opset_import message: field 8, { domain '' (field 1), version 17 (field 2) }
    expect(Buffer.from(bytes).includes(Buffer.from('42040a001011', 'hex'))).toBe(true);
  });

  it('refuses a graph without outputs and a reused input name', () => {
    const g = new OnnxGraphBuilder();
    g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(/already used/);
    expect(() => g.build('none')).toThrow(/no output/);
  });
});
