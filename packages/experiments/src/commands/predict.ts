import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, createRuntime, type BackendRequest } from '@actfusion/cvae-core';
import { readParityInput } from '../act/parity-input.js';
import { builtinKinds } from '../composition/builtin-kinds.js';
import { configForCheckpoint } from '../deploy/checkpoint-config.js';
import { INFERENCE_RUNTIMES, type InferenceRuntime } from '../deploy/chunk-predictor.js';
import { InferencePolicy } from '../deploy/inference-policy.js';
import { predictWithOnnx } from '../deploy/predict-with-onnx.js';
import { resolveCheckpoint } from '../deploy/resolve-checkpoint.js';
import { collect, positiveIntOption, SET_HELP } from './options.js';

export const CHECKPOINT_HELP = 'a run folder (uses checkpoints/last), a checkpoint folder (checkpoints/<step> or last) or a pretrained_model folder (ours or LeRobot\'s)';

/**
 * `actfusion predict --checkpoint DIR --input obs.json`: load a checkpoint (ours or LeRobot's, in
 * either of LeRobot's layouts), run it on the observations of `obs.json` (the `parity.json` layout
 * of the PyTorch peer: `observation.state` [B, S], `images` {feature: [B, 3, H, W]}), print
 * `{"action": [B][k][A]}`. The input holds raw observations (state in robot units, images in
 * [0, 1]); the checkpoint's statistics normalise them and unnormalise the chunk as LeRobot's
 * processors do. A checkpoint without statistics takes its inputs as given. `--runtime onnx`
 * exports the loaded policy (statistics in the graph) and runs it in ONNX Runtime.
 */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict an action chunk with a checkpoint (ours or LeRobot\'s)')
    .requiredOption('--checkpoint <dir>', CHECKPOINT_HELP)
    .requiredOption('--input <file>', 'observations JSON (parity.json layout)')
    .option('-c, --config <file|preset>', 'experiment config (default: the run\'s resolved config, else the checkpoint\'s config.json)')
    .option('--set <key=value>', SET_HELP, collect, [])
    .option('--backend <name>', `tensor backend: auto, ${BACKEND_NAMES.join(', ')}`, 'auto')
    .option('--runtime <name>', `inference runtime: ${INFERENCE_RUNTIMES.join(' or ')} (onnx: the policy exported to ONNX, run by ONNX Runtime)`, 'tfjs')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (with --runtime onnx)', '1')
    .action(async (opts: { checkpoint: string; input: string; config?: string; set: string[]; backend: string; runtime: string; threads: string }) => {
      if (!(INFERENCE_RUNTIMES as readonly string[]).includes(opts.runtime)) {
        throw new Error(`--runtime: expected ${INFERENCE_RUNTIMES.join(' or ')}, got '${opts.runtime}'`);
      }
      const inference = opts.runtime as InferenceRuntime;
      const threads = positiveIntOption('--threads', opts.threads);
      const ckpt = await resolveCheckpoint(opts.checkpoint);
      const { config } = await configForCheckpoint(ckpt, { registry: builtinKinds(), config: opts.config, set: opts.set });
      const runtime = await createRuntime({ backend: opts.backend as BackendRequest, seed: 0 });
      try {
        const policy = await InferencePolicy.load(config, ckpt.pretrainedDir, { registry: builtinKinds() });
        try {
          const batch = await readParityInput(opts.input, policy.description);
          try {
            if (inference === 'onnx') {
              const action = await predictWithOnnx(policy.policy, policy.normalizer, batch, { threads, imageNormalization: policy.onnxImageNormalization() });
              process.stdout.write(`${JSON.stringify({ action })}\n`);
              return;
            }
            const chunk = policy.predictBatch(batch);
            process.stdout.write(`${JSON.stringify({ action: await chunk.array() })}\n`);
            chunk.dispose();
          } finally {
            tf.dispose([batch.qpos, ...Object.values(batch.images)]);
          }
        } finally {
          await policy.dispose();
        }
      } finally {
        runtime.dispose();
      }
    });
}
