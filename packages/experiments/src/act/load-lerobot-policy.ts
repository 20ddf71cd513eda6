import { type ActPolicy } from '@actfusion/cvae-core';
import { readLeRobotCheckpoint, type LeRobotPolicyDescription } from '@actfusion/cvae-core/io';
import type { ResNetDepth } from '@actfusion/encoder-vision-resnet';
import { buildActPolicy } from './build-act-policy.js';

export interface LoadedLeRobotPolicy {
  readonly policy: ActPolicy;
  readonly description: LeRobotPolicyDescription;
  /** True when the checkpoint carries normalisation statistics (processor files or legacy buffers). */
  readonly hasNormalization: boolean;
}

/**
 * Load a LeRobot ACT checkpoint directory (`config.json` + `model.safetensors`) into an ActPolicy
 * built through DI. By default images are taken as already normalised (LeRobot normalises them in
 * its preprocessor), so the vision encoder runs with `normalize: 'none'`; `imageNormalization:
 * 'imagenet'` makes it take [0, 1] images and apply ImageNet's mean/std itself (how actfusion trains). Strict: every tensor of the
 * file must land in the policy and every tensor of the policy must come from the file.
 */
export async function loadLeRobotPolicy(
  dir: string,
  options: { imageNormalization?: 'none' | 'imagenet' } = {},
): Promise<LoadedLeRobotPolicy> {
  const ckpt = await readLeRobotCheckpoint(dir);
  const { description } = ckpt;
  const depth = ({ resnet18: 18, resnet34: 34 } as Record<string, ResNetDepth>)[description.visionBackbone];
  try {
    if (!depth) throw new Error(`${dir}/config.json: vision_backbone '${description.visionBackbone}' is not supported (expected resnet18 or resnet34)`);
    const { policy } = buildActPolicy({
      config: description.config,
      spec: description.spec,
      vision: { depth, width: ckpt.backboneWidth ?? 64, normalize: options.imageNormalization ?? 'none' },
    });
    try {
      policy.loadStateDict(ckpt.tensors, { source: `${dir}/model.safetensors` });
    } catch (err) {
      policy.dispose();
      throw err;
    }
    policy.eval();
    return { policy, description, hasNormalization: ckpt.normalization !== null };
  } finally {
    for (const t of ckpt.tensors.values()) t.dispose();
  }
}
