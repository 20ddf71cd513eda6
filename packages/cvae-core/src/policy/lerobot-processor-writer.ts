import { join } from 'node:path';
import { writeFileAtomic } from '@actfusion/atomic-file';
import * as tf from '@tensorflow/tfjs-core';
import type { ObservationSpec } from '@actfusion/contracts';
import { writeSafetensors } from '../io/safetensors.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../nn/image-feature-tokens.js';
import type { NormalizationMode, NormalizerJson } from '../training/normalizer.js';
import { LEROBOT_NORM_EPS, POSTPROCESSOR_FILE, PREPROCESSOR_FILE } from './lerobot-normalization.js';

const IMAGE_PREFIX = 'observation.images.';

export interface ProcessorWriteOptions {
  readonly spec: ObservationSpec;
  readonly normalizer: NormalizerJson;
  /** How the policy's images are normalised: ImageNet mean/std (ACT, LeRobot's `use_imagenet_stats`) or not at all. */
  readonly images: 'imagenet' | 'none';
}

/** The `normalization_mapping` of these statistics (LeRobot normalises by feature type). */
export function normalizationMappingOf(o: Pick<ProcessorWriteOptions, 'normalizer' | 'images'>): Record<string, NormalizationMode> {
  return { VISUAL: o.images === 'imagenet' ? 'MEAN_STD' : 'IDENTITY', STATE: o.normalizer.qpos.mode, ACTION: o.normalizer.action.mode };
}

/** LeRobot statistics of one side of a `NormalizerJson` (inverse of `featureNormalization`). */
function statsOf(f: NormalizerJson['qpos'], eps: number): Record<string, number[]> {
  if (f.mode === 'MEAN_STD') return { mean: f.shift, std: f.scale.map((s) => (s > eps ? s - eps : s)) };
  if (f.mode === 'MIN_MAX') return { min: f.shift, max: f.shift.map((m, i) => m + f.scale[i]!) };
  return {};
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Write LeRobot's current pre/post-processor files next to `config.json`, so LeRobot's
 * `PolicyProcessorPipeline.from_pretrained` rebuilds the normalisation the policy was trained with:
 *
 * - `policy_preprocessor.json`: rename -> to_batch -> device -> normalizer_processor (step 3), with
 *   `policy_preprocessor_step_3_normalizer_processor.safetensors` (`<feature>.<stat>` tensors);
 * - `policy_postprocessor.json`: unnormalizer_processor (step 0) -> device, with its safetensors.
 *
 * The written `std` is the std actfusion divides by, less LeRobot's eps, so LeRobot's
 * `(x - mean) / (std + eps)` gives the same numbers.
 */
export async function writeLeRobotProcessors(dir: string, o: ProcessorWriteOptions): Promise<void> {
  const eps = LEROBOT_NORM_EPS;
  const inputFeatures: Record<string, { type: string; shape: number[] }> = {};
  const tensors = new Map<string, tf.Tensor>();
  const put = (key: string, stats: Record<string, number[]>, shape?: number[]) => {
    for (const [stat, v] of Object.entries(stats)) tensors.set(`${key}.${stat}`, tf.tensor(v, shape ?? [v.length], 'float32'));
  };
  if (o.spec.stateDim > 0) {
    inputFeatures['observation.state'] = { type: 'STATE', shape: [o.spec.stateDim] };
    put('observation.state', statsOf(o.normalizer.qpos, eps));
  }
  for (const f of o.spec.features.filter((x) => x.kind === 'image')) {
    const key = f.key;
    const [h, w] = f.shape as [number, number, number];
    inputFeatures[key] = { type: 'VISUAL', shape: [3, h, w] };
    if (o.images === 'imagenet') put(key, { mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD] }, [3, 1, 1]);
  }
  const actionFeature = { action: { type: 'ACTION', shape: [o.spec.actionDim] } };
  const actionStats = statsOf(o.normalizer.action, eps);
  put('action', actionStats);
  const normMap = normalizationMappingOf(o);
  const preState = 'policy_preprocessor_step_3_normalizer_processor.safetensors';
  const postState = 'policy_postprocessor_step_0_unnormalizer_processor.safetensors';
  const postTensors = new Map([...tensors].filter(([n]) => n.startsWith('action.')));
  try {
    await writeSafetensors(join(dir, preState), tensors);
    await writeSafetensors(join(dir, postState), postTensors);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  const device = { registry_name: 'device_processor', config: { device: 'cpu', float_dtype: null } };
  await writeJsonAtomic(join(dir, PREPROCESSOR_FILE), {
    name: 'policy_preprocessor',
    steps: [
      { registry_name: 'rename_observations_processor', config: { rename_map: {} } },
      { registry_name: 'to_batch_processor', config: {} },
      device,
      {
        registry_name: 'normalizer_processor',
        config: { eps, features: { ...inputFeatures, ...actionFeature }, norm_map: normMap },
        state_file: preState,
      },
    ],
  });
  await writeJsonAtomic(join(dir, POSTPROCESSOR_FILE), {
    name: 'policy_postprocessor',
    steps: [
      { registry_name: 'unnormalizer_processor', config: { eps, features: actionFeature, norm_map: normMap }, state_file: postState },
      device,
    ],
  });
}
