import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '@actfusion/cvae-core/io';

/**
 * torchvision ResNet weights for `vision-resnet`'s `pretrained` option: a safetensors file of
 * torchvision's state dict (`tools/convert-torchvision-resnet.py` writes one), without the
 * classifier (`fc.*`) and `num_batches_tracked`, which the backbone does not have.
 */
export async function readPretrainedResNet(path: string): Promise<Map<string, tf.Tensor>> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new Error(`vision-resnet pretrained: ${file} does not exist; expected torchvision ResNet weights as safetensors (see tools/convert-torchvision-resnet.py)`);
  }
  const { tensors } = await readSafetensors(file, { names: (n) => !n.startsWith('fc.') && !n.endsWith('num_batches_tracked') });
  return tensors;
}
