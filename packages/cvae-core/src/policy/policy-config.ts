import { z } from 'zod';

/**
 * Sizes and switches of an ACT policy. Defaults are LeRobot's `ACTConfig` (reference act.md §1.1):
 * D 512, 8 heads, FF 3200, 4 encoder layers, 1 decoder layer, 4 VAE encoder layers, latent 32,
 * chunk 100, dropout 0.1, post-norm, ReLU, CVAE on, kl_weight 10, L1 loss over valid steps.
 */
export const PolicyConfigSchema = z.object({
  dimModel: z.number().int().positive().default(512),
  nHeads: z.number().int().positive().default(8),
  dimFeedforward: z.number().int().positive().default(3200),
  nEncoderLayers: z.number().int().nonnegative().default(4),
  nDecoderLayers: z.number().int().positive().default(1),
  nVaeEncoderLayers: z.number().int().positive().default(4),
  latentDim: z.number().int().positive().default(32),
  chunkSize: z.number().int().positive().default(100),
  dropout: z.number().min(0).max(1).default(0.1),
  /** Pre-norm transformer layers (LeRobot `pre_norm`); post-norm (false) is ACT's default. */
  preNorm: z.boolean().default(false),
  feedforwardActivation: z.enum(['relu', 'gelu']).default('relu'),
  /** The CVAE: false drops the style encoder (z = 0 always, no KL term). */
  useVae: z.boolean().default(true),
  klWeight: z.number().nonnegative().default(10),
  /** `l1` (ACT) or `l2` (the ablation). */
  lossType: z.enum(['l1', 'l2']).default('l1'),
  /**
   * How the masked reconstruction loss is averaged: `valid` = sum over non-padded entries /
   * (valid steps x A) (LeRobot since PR #3442); `all` = original ACT's `(l1 * ~is_pad).mean()`,
   * dividing by every B x k x A entry, padded ones included.
   */
  lossReduction: z.enum(['valid', 'all']).default('valid'),
});

export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;
export type PolicyConfigInput = z.input<typeof PolicyConfigSchema>;

/** Validate and fill defaults; a bad field is named with what was expected. */
export function parsePolicyConfig(input: PolicyConfigInput, source = 'policy config'): PolicyConfig {
  const r = PolicyConfigSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${source}: ${issues}`);
  }
  if (r.data.dimModel % r.data.nHeads !== 0) {
    throw new Error(`${source}: dimModel (${r.data.dimModel}) must be divisible by nHeads (${r.data.nHeads})`);
  }
  return r.data;
}
