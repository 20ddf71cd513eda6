import { describe } from './pickle-reader.js';
import { TorchTensorRef } from './torch-pickle-objects.js';

/** One entry of a dict for an error message: `model (a dict of 122 tensors)`, `epoch (number 3)`. */
function describeEntry(key: unknown, value: unknown): string {
  const name = typeof key === 'string' ? key : describe(key);
  if (value instanceof TorchTensorRef) return `${name} (a tensor)`;
  if (value instanceof Map) {
    const tensors = [...value.values()].filter((v) => v instanceof TorchTensorRef).length;
    return `${name} (a dict of ${value.size} entr${value.size === 1 ? 'y' : 'ies'}${tensors > 0 ? `, ${tensors === value.size ? 'all' : tensors} tensors` : ''})`;
  }
  return `${name} (${describe(value)})`;
}

/** `a (…), b (…), …`: at most 12 entries, then how many more. */
export function describeKeys(dict: Map<unknown, unknown>): string {
  const entries = [...dict].slice(0, 12).map(([k, v]) => describeEntry(k, v));
  return entries.join(', ') + (dict.size > 12 ? `, ... (${dict.size - 12} more)` : '');
}

/** Keys of `dict` holding a dict whose values are all tensors: what `--key` would pick. */
function stateDictKeys(dict: Map<unknown, unknown>): string[] {
  return [...dict].filter(([k, v]) => typeof k === 'string' && v instanceof Map && v.size > 0 && [...v.values()].every((t) => t instanceof TorchTensorRef)).map(([k]) => k as string);
}

/**
 * The flat tensor dict of a checkpoint: the pickled root, or with `key` the dict under it
 * (`model`, `state_dict`; a dotted path such as `module.backbone` descends, a segment matching the
 * longest key first, so keys that hold dots work too). Anything else is an error naming the file,
 * where it looked and the keys it found there (with a `--key` hint when one of them is a state dict).
 */
export function selectStateDict(root: unknown, key: string | undefined, path: string): Map<string, TorchTensorRef> {
  if (!(root instanceof Map)) throw new Error(`${path}: the pickled object is ${describe(root)}, expected a state dict (a dict of name -> tensor)`);
  let node: Map<unknown, unknown> = root;
  let where = 'the top level';
  if (key !== undefined) {
    const parts = key.split('.');
    let taken: string[] = [];
    while (parts.length > 0) {
      let n = parts.length;
      while (n > 0 && !node.has(parts.slice(0, n).join('.'))) n--;
      if (n === 0) throw new Error(`${path}: --key ${key}: no key '${parts.join('.')}' at ${where}; keys there: ${describeKeys(node)}`);
      const k = parts.splice(0, n).join('.');
      taken = [...taken, k];
      const next = node.get(k);
      if (!(next instanceof Map)) throw new Error(`${path}: --key ${key}: '${taken.join("' -> '")}' is ${describe(next)}, expected a dict of tensors`);
      node = next;
      where = `'${taken.join("' -> '")}'`;
    }
  }
  for (const [name, value] of node) {
    if (typeof name !== 'string') throw new Error(`${path}: state dict key ${describe(name)} at ${where} is not a string`);
    if (!(value instanceof TorchTensorRef)) {
      const candidates = stateDictKeys(node);
      const hint =
        candidates.length > 0
          ? `; the state dict is under '${candidates[0]}'${candidates.length > 1 ? ` (or ${candidates.slice(1).map((c) => `'${c}'`).join(', ')})` : ''}: actfusion convert-weights --key ${candidates[0]}`
          : key === undefined
            ? '; actfusion convert-weights --key <path> picks a state dict nested in it'
            : '';
      throw new Error(`${path}: not a flat state dict at ${where}: '${name}' is ${describe(value)}, expected a tensor. Keys there: ${describeKeys(node)}${hint}`);
    }
  }
  return node as Map<string, TorchTensorRef>;
}
