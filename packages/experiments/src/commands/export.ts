import type { Command } from 'commander';
import { createRuntime } from '@actfusion/cvae-core';
import { exportActPolicyOnnx, writeOnnxModel, type OnnxImageInput } from '@actfusion/cvae-core/io';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { configForCheckpoint } from '../deploy/checkpoint-config.js';
import { InferencePolicy } from '../deploy/inference-policy.js';
import { resolveCheckpoint } from '../deploy/resolve-checkpoint.js';
import { collect, SET_HELP } from './options.js';
import { CHECKPOINT_HELP } from './predict.js';

const IMAGE_INPUTS: readonly OnnxImageInput[] = ['uint8-hwc', 'float-chw'];

/**
 * `actfusion export --checkpoint DIR --format onnx --out FILE`: the policy of a LeRobot-layout
 * checkpoint (ours or LeRobot's) as an ONNX graph built from our own modules. Inputs are named by
 * feature key (`observation.state`, `observation.images.<camera>`), output `action`
 * [batch, k, A], dynamic batch, z = 0. With actfusion's `normalizer.json` beside the weights the
 * graph takes raw observations (state in robot units, camera bytes) and returns robot units, as
 * `predict` does; without statistics it takes and returns network units. The checkpoint may be a run
 * folder, `checkpoints/last` or a `pretrained_model` folder, with LeRobot's processor statistics,
 * its legacy in-model buffers or actfusion's `normalizer.json`; the config comes from `-c`, the run
 * or the checkpoint's `config.json`.
 */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export a trained policy to ONNX (runs in ONNX Runtime with no custom operators)')
    .requiredOption('--checkpoint <dir>', CHECKPOINT_HELP)
    .option('-c, --config <file|preset>', 'experiment config (default: the run\'s resolved config, else the checkpoint\'s config.json)')
    .option('--set <key=value>', SET_HELP, collect, [])
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--format <name>', 'export format (onnx)', 'onnx')
    .option('--image-input <layout>', `images as ${IMAGE_INPUTS.join(' (camera bytes) or ')} ([0, 1] or network values)`, 'uint8-hwc')
    .action(async (opts: { checkpoint: string; out: string; format: string; imageInput: string; config?: string; set: string[] }) => {
      if (opts.format !== 'onnx') throw new Error(`--format: expected onnx, got '${opts.format}'`);
      if (!(IMAGE_INPUTS as readonly string[]).includes(opts.imageInput)) {
        throw new Error(`--image-input: expected ${IMAGE_INPUTS.join(' or ')}, got '${opts.imageInput}'`);
      }
      const ckpt = await resolveCheckpoint(opts.checkpoint);
      const { config } = await configForCheckpoint(ckpt, { registry: builtinKinds(), config: opts.config, set: opts.set });
      const runtime = await createRuntime({ backend: 'cpu', seed: 0 });
      try {
        const loaded = await InferencePolicy.load(config, ckpt.pretrainedDir, { registry: builtinKinds() });
        try {
          const { policy } = loaded;
          const withStats = loaded.normalizationSource !== 'none';
          const model = exportActPolicyOnnx(policy, {
            normalizer: withStats ? loaded.normalizer : null,
            imageInput: opts.imageInput as OnnxImageInput,
            imageNormalization: loaded.onnxImageNormalization(),
            metadata: { checkpoint: ckpt.pretrainedDir, statistics: loaded.normalizationSource },
          });
          const bytes = await writeOnnxModel(opts.out, model);
          const inputs = model.graph.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape.join(', ')}]`).join(', ');
          console.error(`export: wrote ${opts.out} (${(bytes / 1e6).toFixed(1)} MB, opset ${model.opset}); inputs ${inputs}; output action[batch, ${policy.config.chunkSize}, ${policy.spec.actionDim}] ${withStats ? `in robot units (statistics: ${loaded.normalizationSource})` : 'in network units'}`);
        } finally {
          await loaded.dispose();
        }
      } finally {
        runtime.dispose();
      }
    });
}
