import { describe, type PickleHooks } from './pickle-reader.js';

/** A `torch.<X>Storage` class named by a state dict's pickle: element type and width. */
export class TorchStorageType {
  constructor(
    readonly name: string,
    readonly bytes: number,
    readonly kind: 'float' | 'int' | 'bool',
  ) {}
}

/** The storages a state dict may name; their bytes are decoded by `decodeStorage`. */
export const STORAGE_TYPES: ReadonlyMap<string, TorchStorageType> = new Map(
  (
    [
      ['FloatStorage', 4, 'float'],
      ['DoubleStorage', 8, 'float'],
      ['HalfStorage', 2, 'float'],
      ['BFloat16Storage', 2, 'float'],
      ['LongStorage', 8, 'int'],
      ['IntStorage', 4, 'int'],
      ['ShortStorage', 2, 'int'],
      ['CharStorage', 1, 'int'],
      ['ByteStorage', 1, 'int'],
      ['BoolStorage', 1, 'bool'],
    ] as const
  ).map(([name, bytes, kind]) => [name, new TorchStorageType(name, bytes, kind)]),
);

/** A persistent id `('storage', torch.FloatStorage, '0', 'cpu', 9408)`: the archive member `data/0`. */
export class TorchStorageRef {
  constructor(
    readonly type: TorchStorageType,
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`: a view of a storage. */
export class TorchTensorRef {
  constructor(
    readonly storage: TorchStorageRef,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

const ORDERED_DICT = Symbol('collections.OrderedDict');
const REBUILD_TENSOR_V2 = Symbol('torch._utils._rebuild_tensor_v2');
const REBUILD_PARAMETER = Symbol('torch._utils._rebuild_parameter');

const ALLOWED = 'collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch.<Type>Storage';

/**
 * The only objects a state dict's pickle may build: an OrderedDict (its `_metadata` attribute
 * ignored), tensors over storages, parameters wrapping a tensor. Every other global is refused
 * (nothing named by the file is ever imported or called).
 */
export function torchStateDictHooks(source: string): PickleHooks {
  const err = (at: number, why: string): Error => new Error(`${source}: byte ${at} of data.pkl: ${why}`);
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);
  return {
    global(module, name, at) {
      if (module === 'collections' && name === 'OrderedDict') return ORDERED_DICT;
      if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return REBUILD_TENSOR_V2;
      if (module === 'torch._utils' && name === '_rebuild_parameter') return REBUILD_PARAMETER;
      if (module === 'torch' && STORAGE_TYPES.has(name)) return STORAGE_TYPES.get(name);
      throw err(at, `pickle GLOBAL ${module}.${name} is not allowed (a state dict of tensors uses only ${ALLOWED}); refusing to load other objects`);
    },
    reduce(callable, args, at) {
      if (callable === ORDERED_DICT) {
        if (args.length !== 0) throw err(at, `OrderedDict called with ${args.length} arguments, expected none`);
        return new Map();
      }
      if (callable === REBUILD_TENSOR_V2) {
        const [storage, offset, size, stride] = args;
        if (args.length < 6 || !(storage instanceof TorchStorageRef) || !isInt(offset) || !ints(size) || !ints(stride) || size.length !== stride.length) {
          throw err(at, `_rebuild_tensor_v2 expects (storage, offset, size, stride, requires_grad, hooks), got (${args.map(describe).join(', ')})`);
        }
        return new TorchTensorRef(storage, offset, size, stride);
      }
      if (callable === REBUILD_PARAMETER) {
        if (!(args[0] instanceof TorchTensorRef)) throw err(at, `_rebuild_parameter expects a tensor first, got ${describe(args[0])}`);
        return args[0];
      }
      throw err(at, `REDUCE calls ${describe(callable)}, which is not a callable of a state dict`);
    },
    build(target, state, at) {
      // OrderedDict.__setstate__ of a state dict: its `_metadata` (module versions), unused here.
      if (target instanceof Map && (state instanceof Map || state === null)) return target;
      throw err(at, `BUILD of ${describe(target)} with ${describe(state)} is not part of a state dict`);
    },
    persistentLoad(pid, at) {
      const [tag, type, key, location, numel] = Array.isArray(pid) ? pid : [];
      if (tag !== 'storage' || !(type instanceof TorchStorageType) || typeof key !== 'string' || typeof location !== 'string' || !isInt(numel)) {
        throw err(at, `persistent id ${describe(pid)} is not ('storage', torch.<Type>Storage, key, location, numel)`);
      }
      return new TorchStorageRef(type, key, location, numel);
    },
  };
}
