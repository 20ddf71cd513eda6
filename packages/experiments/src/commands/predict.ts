import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, createRuntime, Normalizer, type BackendRequest, type NormalizerJson } from '@actfusion/cvae-core';
import { loadLeRobotPolicy } from '../act/load-lerobot-policy.js';
import { readParityInput } from '../act/parity-input.js';
import { INFERENCE_RUNTIMES, type InferenceRuntime } from '../deploy/chunk-predictor.js';
import { predictWithOnnx } from '../deploy/predict-with-onnx.js';
import { positiveIntOption } from './options.js';

/**
 * `actfusion predict --checkpoint DIR --input obs.json`: load a LeRobot ACT checkpoint directory
 * (ours or LeRobot's), run it on the observations of `obs.json` (the `parity.json` layout of the
 * PyTorch peer: `observation.state` [B, S], `images` {feature: [B, 3, H, W]}), print
 * `{"action": [B][k][A]}`. Without normalisation statistics in the checkpoint, inputs go to the
 * network as given and the chunk comes out as the network gives it. With actfusion's
 * `normalizer.json` beside the weights (what the Trainer writes into `pretrained_model/`), the
 * input holds raw observations: the state is normalised with it, images are taken in [0, 1] and
 * normalised with ImageNet's statistics, and the chunk is unnormalised to robot units.
 */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict an action chunk with a LeRobot-layout ACT checkpoint')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory (config.json + model.safetensors)')
    .requiredOption('--input <file>', 'observations JSON (parity.json layout)')
    .option('--backend <name>', `tensor backend: auto, ${BACKEND_NAMES.join(', ')}`, 'auto')
    .option('--runtime <name>', `inference runtime: ${INFERENCE_RUNTIMES.join(' or ')} (onnx: the policy exported to ONNX, run by ONNX Runtime)`, 'tfjs')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (with --runtime onnx)', '1')
    .action(async (opts: { checkpoint: string; input: string; backend: string; runtime: string; threads: string }) => {
      if (!(INFERENCE_RUNTIMES as readonly string[]).includes(opts.runtime)) {
        throw new Error(`--runtime: expected ${INFERENCE_RUNTIMES.join(' or ')}, got '${opts.runtime}'`);
      }
      const inference = opts.runtime as InferenceRuntime;
      const threads = positiveIntOption('--threads', opts.threads);
      const runtime = await createRuntime({ backend: opts.backend as BackendRequest, seed: 0 });
      try {
        const normalizer = await readNormalizer(opts.checkpoint);
        const { policy, description, hasNormalization } = await loadLeRobotPolicy(opts.checkpoint, {
          imageNormalization: normalizer ? 'imagenet' : 'none',
        });
        try {
          if (hasNormalization) {
            throw new Error(
              `${opts.checkpoint}/model.safetensors: carries LeRobot's legacy normalisation buffers (normalize_inputs.*), which predict does not apply; convert them to a normalizer.json`,
            );
          }
          const { batch } = await readParityInput(opts.input, description);
          if (inference === 'onnx') {
            try {
              const action = await predictWithOnnx(policy, normalizer, batch, { threads });
              process.stdout.write(`${JSON.stringify({ action })}\n`);
            } finally {
              tf.dispose([batch.qpos, ...Object.values(batch.images)]);
            }
            return;
          }
          let qpos = batch.qpos;
          if (normalizer) {
            const raw = qpos.dataSync() as Float32Array;
            qpos = tf.tensor2d(normalizer.normalizeQpos(raw), qpos.shape);
          }
          let chunk = policy.predictChunk({ ...batch, qpos });
          if (normalizer) {
            const un = normalizer.unnormalizeActionTensor(chunk);
            chunk.dispose();
            chunk = un;
          }
          process.stdout.write(`${JSON.stringify({ action: await chunk.array() })}\n`);
          tf.dispose([chunk, qpos, batch.qpos, ...Object.values(batch.images)]);
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
