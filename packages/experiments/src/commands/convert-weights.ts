import type { Command } from 'commander';
import { convertTorchWeights } from '../torch-weights/convert-torch-weights.js';

/**
 * `actfusion convert-weights <in.pth> <out.safetensors>`: torchvision's published weights (a
 * torch.save state dict, e.g. `resnet18-f37072fd.pth`) as safetensors for a `vision-resnet`
 * encoder's `pretrained:` option. Read in TypeScript (zip + a strict unpickler that refuses
 * anything but tensors); no Python. `--key` picks the state dict nested in a training checkpoint.
 */
export function registerConvertWeightsCommand(program: Command): void {
  program
    .command('convert-weights')
    .description('convert a torch.save state dict (.pth, e.g. torchvision resnet18-f37072fd.pth) to safetensors for vision-resnet `pretrained:`')
    .argument('<in.pth>', 'a state dict written by torch.save (PyTorch >= 1.6 zip layout)')
    .argument('<out.safetensors>', 'the safetensors file to write (atomically)')
    .option('--key <path>', "the state dict inside a training checkpoint, e.g. model or state_dict (a dotted path descends: model.backbone)")
    .action(async (input: string, output: string, o: { key?: string }) => {
      const s = await convertTorchWeights(input, output, o.key !== undefined ? { key: o.key } : {});
      const how = Object.entries(s.conversions).map(([k, n]) => `${n} ${k}`).join(', ');
      console.log(`convert-weights: wrote ${s.tensors} tensors (${s.elements.toLocaleString('en-US')} values: ${how}) to ${output}`);
    });
}
