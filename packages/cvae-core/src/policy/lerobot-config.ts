import { z } from 'zod';
import type { ObservationSpec } from '@actfusion/contracts';
import { parsePolicyConfig, type PolicyConfig } from './policy-config.js';

const Feature = z.object({ type: z.string(), shape: z.array(z.number().int().positive()) });

/**
 * The fields of LeRobot's `ACTConfig` (`config.json` of a checkpoint) that shape the network.
 * Other fields (optimiser presets, normalisation mapping, ...) are kept but not interpreted.
 */
export const LeRobotActConfigSchema = z.looseObject({
  type: z.literal('act'),
  chunk_size: z.number().int().positive(),
  n_action_steps: z.number().int().positive().optional(),
  vision_backbone: z.string().default('resnet18'),
  pre_norm: z.boolean().default(false),
  dim_model: z.number().int().positive(),
  n_heads: z.number().int().positive(),
  dim_feedforward: z.number().int().positive(),
  feedforward_activation: z.enum(['relu', 'gelu']).default('relu'),
  n_encoder_layers: z.number().int().nonnegative(),
  n_decoder_layers: z.number().int().positive(),
  use_vae: z.boolean().default(true),
  latent_dim: z.number().int().positive(),
  n_vae_encoder_layers: z.number().int().positive(),
  dropout: z.number().min(0).max(1).default(0.1),
  kl_weight: z.number().nonnegative().default(10),
  replace_final_stride_with_dilation: z.union([z.boolean(), z.number()]).optional(),
  temporal_ensemble_coeff: z.number().nullable().optional(),
  /** Not a LeRobot field: written by actfusion only when the ResNet is narrower than torchvision's 64. */
  backbone_width: z.number().int().positive().optional(),
  input_features: z.record(z.string(), Feature),
  output_features: z.record(z.string(), Feature),
});
export type LeRobotActConfig = z.infer<typeof LeRobotActConfigSchema>;

/** What a LeRobot config.json says about the policy, in actfusion's terms. */
export interface LeRobotPolicyDescription {
  readonly config: PolicyConfig;
  readonly spec: ObservationSpec;
  /** `resnet18` or `resnet34`. */
  readonly visionBackbone: string;
  /** Camera name (`cam0`) -> LeRobot feature key (`observation.images.cam0`), in token order. */
  readonly cameraKeys: Readonly<Record<string, string>>;
  readonly nActionSteps: number;
  readonly temporalEnsembleCoeff: number | null;
}

const IMAGE_PREFIX = 'observation.images.';

/** Parse a LeRobot ACT `config.json` object; `source` names the file in error messages. */
export function describeLeRobotConfig(json: unknown, source = 'config.json'): LeRobotPolicyDescription {
  const r = LeRobotActConfigSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${source}: not a LeRobot ACT config: ${issues}`);
  }
  const c = r.data;
  if (c.replace_final_stride_with_dilation) {
    throw new Error(`${source}: replace_final_stride_with_dilation is not supported (expected false)`);
  }
  let stateDim = 0;
  const cameras: Record<string, readonly [number, number]> = {};
  const cameraKeys: Record<string, string> = {};
  for (const [key, f] of Object.entries(c.input_features)) {
    if (key === 'observation.state') {
      if (f.shape.length !== 1) throw new Error(`${source}: input_features.${key}.shape must be [S], got [${f.shape}]`);
      stateDim = f.shape[0]!;
    } else if (f.type === 'VISUAL') {
      if (f.shape.length !== 3 || f.shape[0] !== 3) {
        throw new Error(`${source}: input_features.${key}.shape must be [3, H, W], got [${f.shape}]`);
      }
      const name = key.startsWith(IMAGE_PREFIX) ? key.slice(IMAGE_PREFIX.length) : key;
      cameras[name] = [f.shape[1]!, f.shape[2]!];
      cameraKeys[name] = key;
    } else {
      throw new Error(`${source}: input_features.${key} (type ${f.type}) is not supported (expected observation.state or VISUAL)`);
    }
  }
  const action = c.output_features['action'];
  if (!action || action.shape.length !== 1) {
    throw new Error(`${source}: output_features.action with shape [A] is required`);
  }
  const config = parsePolicyConfig(
    {
      dimModel: c.dim_model,
      nHeads: c.n_heads,
      dimFeedforward: c.dim_feedforward,
      nEncoderLayers: c.n_encoder_layers,
      nDecoderLayers: c.n_decoder_layers,
      nVaeEncoderLayers: c.n_vae_encoder_layers,
      latentDim: c.latent_dim,
      chunkSize: c.chunk_size,
      dropout: c.dropout,
      preNorm: c.pre_norm,
      feedforwardActivation: c.feedforward_activation,
      useVae: c.use_vae,
      klWeight: c.kl_weight,
    },
    source,
  );
  return {
    config,
    spec: { stateDim, actionDim: action.shape[0]!, cameras },
    visionBackbone: c.vision_backbone,
    cameraKeys,
    nActionSteps: c.n_action_steps ?? c.chunk_size,
    temporalEnsembleCoeff: c.temporal_ensemble_coeff ?? null,
  };
}

/** The LeRobot `config.json` object for a policy of this config and observation spec. */
export function toLeRobotConfig(
  config: PolicyConfig,
  spec: ObservationSpec,
  vision: { backbone?: string; width?: number } = {},
): Record<string, unknown> {
  const input: Record<string, { type: string; shape: number[] }> = {};
  if (spec.stateDim > 0) input['observation.state'] = { type: 'STATE', shape: [spec.stateDim] };
  for (const [name, [h, w]] of Object.entries(spec.cameras)) {
    input[name.startsWith(IMAGE_PREFIX) ? name : IMAGE_PREFIX + name] = { type: 'VISUAL', shape: [3, h, w] };
  }
  return {
    type: 'act',
    n_obs_steps: 1,
    chunk_size: config.chunkSize,
    n_action_steps: config.chunkSize,
    normalization_mapping: { VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MEAN_STD' },
    vision_backbone: vision.backbone ?? 'resnet18',
    pretrained_backbone_weights: null,
    replace_final_stride_with_dilation: false,
    pre_norm: config.preNorm,
    dim_model: config.dimModel,
    n_heads: config.nHeads,
    dim_feedforward: config.dimFeedforward,
    feedforward_activation: config.feedforwardActivation,
    n_encoder_layers: config.nEncoderLayers,
    n_decoder_layers: config.nDecoderLayers,
    use_vae: config.useVae,
    latent_dim: config.latentDim,
    n_vae_encoder_layers: config.nVaeEncoderLayers,
    temporal_ensemble_coeff: null,
    dropout: config.dropout,
    kl_weight: config.klWeight,
    ...(vision.width !== undefined && vision.width !== 64 ? { backbone_width: vision.width } : {}),
    input_features: input,
    output_features: { action: { type: 'ACTION', shape: [spec.actionDim] } },
  };
}
