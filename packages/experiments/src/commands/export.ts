import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createRuntime, exportActPolicyOnnx, Normalizer, writeOnnxModel, type NormalizerJson, type OnnxImageInput } from '@actfusion/cvae-core';
import { loadLeRobotPolicy } from '../act/load-lerobot-policy.js';

const IMAGE_INPUTS: readonly OnnxImageInput[] = ['uint8-hwc', 'float-chw'];

/**
 * `actfusion export --checkpoint DIR --format onnx --out FILE`: the policy of a LeRobot-layout
 * checkpoint (ours or LeRobot's) as an ONNX graph built from our own modules. Inputs are named by
 * feature key (`observation.state`, `observation.images.<camera>`), output `action`
 * [batch, k, A], dynamic batch, z = 0. With actfusion's `normalizer.json` beside the weights the
 * graph takes raw observations (state in robot units, camera bytes) and returns robot units, as
 * `predict` does; without statistics it takes and returns network units.
 */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export a trained policy to ONNX (runs in ONNX Runtime with no custom operators)')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory (config.json + model.safetensors [+ normalizer.json])')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--format <name>', 'export format (onnx)', 'onnx')
    .option('--image-input <layout>', `images as ${IMAGE_INPUTS.join(' (camera bytes) or ')} ([0, 1] or network values)`, 'uint8-hwc')
    .action(async (opts: { checkpoint: string; out: string; format: string; imageInput: string }) => {
      if (opts.format !== 'onnx') throw new Error(`--format: expected onnx, got '${opts.format}'`);
      if (!(IMAGE_INPUTS as readonly string[]).includes(opts.imageInput)) {
        throw new Error(`--image-input: expected ${IMAGE_INPUTS.join(' or ')}, got '${opts.imageInput}'`);
      }
      const runtime = await createRuntime({ backend: 'cpu', seed: 0 });
      try {
        const normalizer = await readNormalizer(opts.checkpoint);
        const { policy, hasNormalization } = await loadLeRobotPolicy(opts.checkpoint, { imageNormalization: normalizer ? 'imagenet' : 'none' });
        try {
          if (hasNormalization) {
            throw new Error(`${opts.checkpoint}/model.safetensors: carries LeRobot's legacy normalisation buffers (normalize_inputs.*), which export does not apply yet`);
          }
          const model = exportActPolicyOnnx(policy, {
            normalizer,
            imageInput: opts.imageInput as OnnxImageInput,
            metadata: { checkpoint: opts.checkpoint },
          });
          const bytes = await writeOnnxModel(opts.out, model);
          const inputs = model.graph.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape.join(', ')}]`).join(', ');
          console.error(`export: wrote ${opts.out} (${(bytes / 1e6).toFixed(1)} MB, opset ${model.opset}); inputs ${inputs}; output action[batch, ${policy.config.chunkSize}, ${policy.spec.actionDim}] ${normalizer ? 'in robot units' : 'in network units'}`);
        } finally {
          policy.dispose();
        }
      } finally {
        runtime.dispose();
      }
    });
}

async function readNormalizer(dir: string): Promise<Normalizer | null> {
  const path = join(dir, 'normalizer.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  return Normalizer.fromJSON(JSON.parse(text) as NormalizerJson, path);
}
