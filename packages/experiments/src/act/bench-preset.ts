import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parsePolicyConfig, type PolicyConfig } from '@actfusion/cvae-core';
import { type ObservationSpec } from '@actfusion/contracts';
import { observationSpec } from '@actfusion/contracts';

/** A benchmark workload, in the peer's (`act_torch.py`) field names. */
export const BenchPresetSchema = z.object({
  name: z.string().optional(),
  about: z.string().optional(),
  batch: z.number().int().positive(),
  cameras: z.number().int().nonnegative(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  state_dim: z.number().int().positive(),
  action_dim: z.number().int().positive(),
  chunk: z.number().int().positive(),
  dim_model: z.number().int().positive(),
  n_heads: z.number().int().positive(),
  dim_feedforward: z.number().int().positive(),
  enc_layers: z.number().int().nonnegative(),
  dec_layers: z.number().int().positive(),
  vae_layers: z.number().int().positive(),
  latent_dim: z.number().int().positive(),
  backbone_width: z.number().int().positive(),
  kl_weight: z.number().nonnegative().default(10),
  lr: z.number().positive().default(1e-5),
});
export type BenchPreset = z.infer<typeof BenchPresetSchema>;

/** Where the project's copies of the bench presets live (`presets/bench/<name>.json`). */
export const BENCH_PRESET_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'presets', 'bench');

/** Read a preset by name (`act-small`) or path (`x.json`); errors name the file and field. */
export async function readBenchPreset(nameOrPath: string): Promise<{ preset: BenchPreset; path: string }> {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : join(BENCH_PRESET_DIR, `${nameOrPath}.json`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read the bench preset: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = BenchPresetSchema.safeParse(json);
  if (!r.success) {
    throw new Error(`${path}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return { preset: r.data, path };
}

/** The policy config, observation spec and ResNet width the peer builds for a preset. */
export function benchPolicyParts(p: BenchPreset): { config: PolicyConfig; spec: ObservationSpec; width: number } {
  const cameras: Record<string, readonly [number, number]> = {};
  for (let i = 0; i < p.cameras; i++) cameras[`cam${i}`] = [p.height, p.width];
  const config = parsePolicyConfig({
    dimModel: p.dim_model,
    nHeads: p.n_heads,
    dimFeedforward: p.dim_feedforward,
    nEncoderLayers: p.enc_layers,
    nDecoderLayers: p.dec_layers,
    nVaeEncoderLayers: p.vae_layers,
    latentDim: p.latent_dim,
    chunkSize: p.chunk,
    klWeight: p.kl_weight,
    // The peer's loss is the original ACT `(l1 * ~is_pad).mean()`.
    lossReduction: 'all',
  });
  return { config, spec: observationSpec({ stateDim: p.state_dim, actionDim: p.action_dim, cameras }), width: p.backbone_width };
}
