import { z } from 'zod';
import { OBSERVATION_STATE, featuresOfKind, observationSpec, type FeatureSpec, type ObservationSpec } from '@actfusion/contracts';
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
  /** Not a LeRobot field: older actfusion files carried the ResNet width here. */
  backbone_width: z.number().int().positive().optional(),
  /** Not LeRobot fields: actfusion writes them (false + why) for policies LeRobot cannot build. */
  lerobot_compatible: z.boolean().optional(),
  lerobot_incompatibility: z.string().optional(),
  normalization_mapping: z.record(z.string(), z.string()).optional(),
  input_features: z.record(z.string(), Feature),
  output_features: z.record(z.string(), Feature),
});
export type LeRobotActConfig = z.infer<typeof LeRobotActConfigSchema>;

/** What a LeRobot config.json says about the policy, in actfusion's terms. */
export interface LeRobotPolicyDescription {
  readonly config: PolicyConfig;
  readonly spec: ObservationSpec;
  /** `resnet18` or `resnet34` (the layout; see `backboneWidth`). */
  readonly visionBackbone: string;
  /** ResNet width the config states (`actfusion-resnet18-w8`, or the older `backbone_width`); null = not stated. */
  readonly backboneWidth: number | null;
  /** LeRobot `normalization_mapping` (feature type -> mode), when the config has one. */
  readonly normalizationMapping?: Readonly<Record<string, string>>;
  /** `input_features` / `output_features` as the config states them. */
  readonly features: {
    readonly inputs: Record<string, { type: string; shape: number[] }>;
    readonly outputs: Record<string, { type: string; shape: number[] }>;
  };
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
  const images: FeatureSpec[] = [];
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
      images.push({ key, kind: 'image', shape: [f.shape[1]!, f.shape[2]!, 3] });
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
  const backbone = parseVisionBackbone(c.vision_backbone);
  return {
    config,
    spec: observationSpec({ stateDim, actionDim: action.shape[0]!, extra: images }),
    visionBackbone: backbone?.layout ?? c.vision_backbone,
    backboneWidth: backbone?.width ?? c.backbone_width ?? null,
    ...(c.normalization_mapping ? { normalizationMapping: c.normalization_mapping } : {}),
    features: { inputs: c.input_features, outputs: c.output_features },
    cameraKeys,
    nActionSteps: c.n_action_steps ?? c.chunk_size,
    temporalEnsembleCoeff: c.temporal_ensemble_coeff ?? null,
  };
}

/**
 * `vision_backbone` as actfusion writes it: torchvision's name (`resnet18`, `resnet34`) for the
 * full-width network LeRobot builds, `actfusion-resnet18-w8` for a narrower one (which LeRobot
 * cannot build). Returns null for names that are neither.
 */
export function parseVisionBackbone(name: string): { layout: string; width: number | null } | null {
  const m = /^(?:actfusion-)?(resnet18|resnet34)(?:-w(\d+))?$/.exec(name);
  if (!m) return null;
  return { layout: m[1]!, width: m[2] === undefined ? null : Number(m[2]) };
}

/** The LeRobot `config.json` object for a policy of this config and observation spec. */
export function toLeRobotConfig(
  config: PolicyConfig,
  spec: ObservationSpec,
  vision: { backbone?: string; width?: number; normalizationMapping?: Record<string, string>; reads?: readonly FeatureSpec[] } = {},
): Record<string, unknown> {
  // The features the policy's encoders read (default: every feature of the spec).
  const reads = vision.reads ?? spec.features;
  const layout = vision.backbone ?? 'resnet18';
  const width = vision.width ?? 64;
  const why: string[] = [];
  if (width !== 64) why.push(`the vision backbone is ${layout} at width ${width} (torchvision's is 64), which LeRobot would build at full width and fail to load`);
  if (reads.some((f) => f.kind === 'tactile-image' || f.kind === 'taxels')) why.push('the policy reads tactile sensors, which LeRobot ACT has no encoder for');
  if (reads.some((f) => f.kind === 'text')) why.push('the policy is conditioned on language, which LeRobot ACT has no encoder for');
  const input: Record<string, { type: string; shape: number[] }> = {};
  if (spec.stateDim > 0) input[OBSERVATION_STATE] = { type: 'STATE', shape: [spec.stateDim] };
  // LeRobot's ACT knows cameras only; features of other kinds (touch, language) are actfusion's.
  for (const f of featuresOfKind(spec, 'image')) input[f.key] = { type: 'VISUAL', shape: [3, f.shape[0]!, f.shape[1]!] };
  return {
    type: 'act',
    n_obs_steps: 1,
    chunk_size: config.chunkSize,
    n_action_steps: config.chunkSize,
    normalization_mapping: vision.normalizationMapping ?? { VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MEAN_STD' },
    vision_backbone: width === 64 ? layout : `actfusion-${layout}-w${width}`,
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
    ...(why.length > 0 ? { lerobot_compatible: false, lerobot_incompatibility: `${why.join('; ')}.` } : {}),
    input_features: input,
    output_features: { action: { type: 'ACTION', shape: [spec.actionDim] } },
  };
}
