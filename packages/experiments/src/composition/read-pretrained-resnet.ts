import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '@actfusion/cvae-core/io';
import { readTorchStateDict } from '../torch-weights/torch-state-dict.js';

/** Tensors the backbone does not have: the classifier and batch norm's step counters. */
const unused = (n: string): boolean => n.startsWith('fc.') || n.endsWith('num_batches_tracked');

/**
 * torchvision ResNet weights for `vision-resnet`'s `pretrained` option: safetensors of torchvision's
 * state dict (`actfusion convert-weights` writes one), or the torch.save `.pth` torchvision
 * publishes (zip layout, read by the same strict reader), without `fc.*` and `num_batches_tracked`.
 */
export async function readPretrainedResNet(path: string): Promise<Map<string, tf.Tensor>> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new Error(
      `vision-resnet pretrained: ${file} does not exist; expected torchvision ResNet weights as safetensors ` +
        '(actfusion convert-weights resnet18-f37072fd.pth resnet18.safetensors) or the .pth itself',
    );
  }
  if (await isTorchSave(file)) {
    const out = new Map<string, tf.Tensor>();
    for (const t of await readTorchStateDict(file)) {
      if (!unused(t.name)) out.set(t.name, tf.tensor(t.values, t.shape, t.dtype));
    }
    return out;
  }
  const { tensors } = await readSafetensors(file, { names: (n) => !unused(n) });
  return tensors;
}

/** A zip archive (torch.save since 1.6) or a pickle (the legacy format, refused with its own message). */
async function isTorchSave(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return bytesRead === 4 && (head.readUInt32LE(0) === 0x04034b50 || (head[0] === 0x80 && head[1] === 0x02));
  } finally {
    await fh.close();
  }
}
