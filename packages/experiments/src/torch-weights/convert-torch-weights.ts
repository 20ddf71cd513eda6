import { basename, resolve } from 'node:path';
import { writeSafetensors, type SafetensorsSource } from '@actfusion/cvae-core/io';
import { readTorchStateDict } from './torch-state-dict.js';

export interface ConvertSummary {
  readonly tensors: number;
  /** Elements written, all tensors. */
  readonly elements: number;
  /** Tensors per conversion, e.g. `{ 'FloatStorage -> F32': 102, 'LongStorage -> I32': 20 }`. */
  readonly conversions: Record<string, number>;
}

const SAFETENSORS_NAME = { float32: 'F32', int32: 'I32', bool: 'BOOL' } as const;

/**
 * `actfusion convert-weights`: a torch.save state dict (`.pth`, zip layout) to safetensors, every
 * tensor under its own name (with `key`, the state dict nested under it in a training checkpoint; floats as F32, integers as I32, bools as BOOL), written atomically.
 * The `vision-resnet` encoder's `pretrained` option reads the result (ignoring `fc.*` and
 * `num_batches_tracked`).
 */
export async function convertTorchWeights(input: string, output: string, options: { key?: string } = {}): Promise<ConvertSummary> {
  if (resolve(input) === resolve(output)) throw new Error(`${output}: the output would overwrite the input`);
  const tensors = await readTorchStateDict(input, options);
  if (tensors.length === 0) throw new Error(`${input}: the state dict${options.key ? ` under --key ${options.key}` : ''} holds no tensors`);
  const sources = new Map<string, SafetensorsSource>();
  const conversions: Record<string, number> = {};
  let elements = 0;
  for (const t of tensors) {
    sources.set(t.name, { shape: t.shape, dtype: t.dtype, size: t.values.length, data: () => Promise.resolve(t.values) });
    const key = `${t.storage} -> ${SAFETENSORS_NAME[t.dtype]}`;
    conversions[key] = (conversions[key] ?? 0) + 1;
    elements += t.values.length;
  }
  await writeSafetensors(output, sources, { metadata: { format: 'pt', source: basename(input), converter: 'actfusion convert-weights' } });
  return { tensors: tensors.length, elements, conversions };
}
