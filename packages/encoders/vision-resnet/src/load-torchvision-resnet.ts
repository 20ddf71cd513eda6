import type * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '@actfusion/cvae-core/io';
import type { ResNet } from './resnet.js';

/**
 * Load torchvision-layout ResNet weights (`conv1.weight`, `bn1.running_mean`,
 * `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, ...) from a safetensors file into a
 * backbone, e.g. ImageNet-pretrained resnet18 converted with `safetensors.torch.save_file(
 * torchvision.models.resnet18(weights='IMAGENET1K_V1').state_dict(), path)`. `fc.*` and
 * `num_batches_tracked` are ignored; everything else must match names and shapes exactly.
 * A `prefix` (e.g. `model.backbone.`) selects the backbone inside a larger checkpoint.
 */
export async function loadTorchvisionResNet(backbone: ResNet, path: string, options: { prefix?: string } = {}): Promise<void> {
  const prefix = options.prefix ?? '';
  const { tensors } = await readSafetensors(path, {
    names: (n) => n.startsWith(prefix) && !n.slice(prefix.length).startsWith('fc.') && !n.endsWith('num_batches_tracked'),
  });
  const state = new Map<string, tf.Tensor>();
  for (const [n, t] of tensors) state.set(n.slice(prefix.length), t);
  try {
    backbone.loadStateDict(state, { source: path });
  } finally {
    for (const t of state.values()) t.dispose();
  }
}
