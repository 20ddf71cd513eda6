import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, createRuntime, type BackendRequest } from '@actfusion/cvae-core';
import { loadLeRobotPolicy } from '../act/load-lerobot-policy.js';
import { readParityInput } from '../act/parity-input.js';

/**
 * `actfusion predict --checkpoint DIR --input obs.json`: load a LeRobot ACT checkpoint directory
 * (ours or LeRobot's), run it on the observations of `obs.json` (the `parity.json` layout of the
 * PyTorch peer: `observation.state` [B, S], `images` {feature: [B, 3, H, W]}), print
 * `{"action": [B][k][A]}`. Without normalisation statistics in the checkpoint, inputs go to the
 * network as given and the chunk comes out as the network gives it.
 */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict an action chunk with a LeRobot-layout ACT checkpoint')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory (config.json + model.safetensors)')
    .requiredOption('--input <file>', 'observations JSON (parity.json layout)')
    .option('--backend <name>', `tensor backend: auto, ${BACKEND_NAMES.join(', ')}`, 'auto')
    .action(async (opts: { checkpoint: string; input: string; backend: string }) => {
      const runtime = await createRuntime({ backend: opts.backend as BackendRequest, seed: 0 });
      try {
        const { policy, description, hasNormalization } = await loadLeRobotPolicy(opts.checkpoint);
        if (hasNormalization) {
          throw new Error(
            `${opts.checkpoint}/model.safetensors: carries legacy normalisation buffers, which predict does not apply yet`,
          );
        }
        const { batch } = await readParityInput(opts.input, description);
        const chunk = policy.predictChunk(batch);
        process.stdout.write(`${JSON.stringify({ action: await chunk.array() })}\n`);
        tf.dispose([chunk, batch.qpos, ...Object.values(batch.images)]);
        policy.dispose();
      } finally {
        runtime.dispose();
      }
    });
}
