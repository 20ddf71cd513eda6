/**
 * What an unpickled stream may call: the caller decides which globals exist (`global` throws for
 * any other), what calling one (`REDUCE`) and `BUILD` do, and what a persistent id stands for.
 * Nothing is ever looked up or executed by name beyond what these hooks allow.
 */
export interface PickleHooks {
  global(module: string, name: string, at: number): unknown;
  reduce(callable: unknown, args: readonly unknown[], at: number): unknown;
  build(target: unknown, state: unknown, at: number): unknown;
  persistentLoad(pid: unknown, at: number): unknown;
}

const MARK = Symbol('mark');

/** Opcodes read (the ones `torch.save` of a state dict uses at protocols 2-4, and a few plain ones). */
const NAMES: Record<number, string> = {
  0x80: 'PROTO', 0x95: 'FRAME', 0x2e: 'STOP', 0x28: 'MARK', 0x7d: 'EMPTY_DICT', 0x5d: 'EMPTY_LIST', 0x29: 'EMPTY_TUPLE',
  0x74: 'TUPLE', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x94: 'MEMOIZE',
  0x68: 'BINGET', 0x6a: 'LONG_BINGET', 0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x51: 'BINPERSID', 0x52: 'REDUCE', 0x62: 'BUILD',
  0x73: 'SETITEM', 0x75: 'SETITEMS', 0x61: 'APPEND', 0x65: 'APPENDS', 0x4a: 'BININT', 0x4b: 'BININT1', 0x4d: 'BININT2',
  0x8a: 'LONG1', 0x58: 'BINUNICODE', 0x8c: 'SHORT_BINUNICODE', 0x4e: 'NONE', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x47: 'BINFLOAT',
};

/**
 * A strict unpickler for data written by `torch.save` (pickle protocols 2 to 4): the opcodes above
 * and nothing else. An unknown opcode, a truncated stream or a malformed stack is an error naming
 * the opcode and its byte offset in `source`. Dicts become `Map`s, tuples and lists arrays,
 * integers numbers (bigints beyond 2^53), strings strings.
 */
export function unpickle(data: Uint8Array, hooks: PickleHooks, source: string): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  let op = 0;
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${source}: pickle opcode ${NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`} at byte ${at}: ${why}`);
  };
  const need = (n: number): void => {
    if (p + n > data.length) fail(`needs ${n} more bytes but the stream ends at byte ${data.length} (truncated)`);
  };
  const u8 = (): number => (need(1), data[p++]!);
  const u16 = (): number => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = (): number => (need(4), (p += 4), view.getUint32(p - 4, true));
  const text = (n: number): string => (need(n), (p += n), new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(p - n, p)));
  const line = (): string => {
    const end = data.indexOf(0x0a, p);
    if (end < 0) fail('no newline ends the argument');
    const s = new TextDecoder('latin1').decode(data.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('the stack is empty');
    const v = stack.pop();
    if (v === MARK) fail('found a MARK where a value was expected');
    return v;
  };
  const top = (): unknown => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) fail('the stack has no value on top');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = stack.lastIndexOf(MARK);
    if (m < 0) fail('no MARK on the stack');
    const items = stack.splice(m);
    items.shift();
    return items;
  };
  const put = (i: number): void => void memo.set(i, top());
  const get = (i: number): void => {
    if (!memo.has(i)) fail(`memo ${i} was never stored`);
    stack.push(memo.get(i));
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) fail(`target is ${describe(dict)}, expected a dict`);
    if (items.length % 2 !== 0) fail('an odd number of keys and values');
    for (let i = 0; i < items.length; i += 2) (dict as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const append = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list) || Object.isFrozen(list)) fail(`target is ${describe(list)}, expected a list`);
    (list as unknown[]).push(...items);
  };

  for (;;) {
    at = p;
    op = u8();
    switch (op) {
      case 0x80: {
        const v = u8();
        if (v < 2 || v > 4) fail(`protocol ${v}; expected 2 to 4`);
        break;
      }
      case 0x95: need(8); p += 8; break; // FRAME: a length hint only
      case 0x2e: {
        if (stack.length !== 1) fail(`the stack holds ${stack.length} items at the end, expected 1`);
        return pop();
      }
      case 0x28: stack.push(MARK); break;
      case 0x7d: stack.push(new Map()); break;
      case 0x5d: stack.push([]); break;
      case 0x29: stack.push(Object.freeze([])); break;
      case 0x74: stack.push(Object.freeze(popMark())); break;
      case 0x85: { const a = pop(); stack.push(Object.freeze([a])); break; }
      case 0x86: { const b = pop(); const a = pop(); stack.push(Object.freeze([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(Object.freeze([a, b, c])); break; }
      case 0x71: put(u8()); break;
      case 0x72: put(u32()); break;
      case 0x94: put(memo.size); break;
      case 0x68: get(u8()); break;
      case 0x6a: get(u32()); break;
      case 0x63: { const module = line(); const name = line(); stack.push(hooks.global(module, name, at)); break; }
      case 0x93: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('module and name must be strings');
        stack.push(hooks.global(module as string, name as string, at));
        break;
      }
      case 0x51: stack.push(hooks.persistentLoad(pop(), at)); break;
      case 0x52: {
        const args = pop();
        const callable = pop();
        if (!Array.isArray(args)) fail(`arguments are ${describe(args)}, expected a tuple`);
        stack.push(hooks.reduce(callable, args as unknown[], at));
        break;
      }
      case 0x62: { const state = pop(); const target = pop(); stack.push(hooks.build(target, state, at)); break; }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; }
      case 0x75: { const items = popMark(); setItems(top(), items); break; }
      case 0x61: { const v = pop(); append(top(), [v]); break; }
      case 0x65: { const items = popMark(); append(top(), items); break; }
      case 0x4a: need(4); stack.push(view.getInt32(p, true)); p += 4; break;
      case 0x4b: stack.push(u8()); break;
      case 0x4d: stack.push(u16()); break;
      case 0x8a: { const n = u8(); need(n); stack.push(long1(data.subarray(p, p + n))); p += n; break; }
      case 0x58: stack.push(text(u32())); break;
      case 0x8c: stack.push(text(u8())); break;
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x47: need(8); stack.push(view.getFloat64(p, false)); p += 8; break;
      default:
        fail(`not an opcode a torch state dict uses; refusing the file (only ${Object.values(NAMES).length} opcodes are read)`);
    }
  }
}

/** LONG1: n little-endian two's-complement bytes. */
function long1(bytes: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes.length > 0 && bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A short description of a pickled value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return Object.isFrozen(v) ? `a tuple of ${v.length}` : `a list of ${v.length}`;
  if (typeof v === 'object') return (v as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
  return `${typeof v} ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`;
}
