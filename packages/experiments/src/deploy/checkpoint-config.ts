import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describeLeRobotConfig, readSafetensorsHeader } from '@actfusion/cvae-core/io';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { loadConfig } from '../config/load-config.js';
import { applyOverride, parseOverride } from '../config/overrides.js';
import { validateExperiment } from '../config/validate-experiment.js';
import { RESOLVED_CONFIG_FILE } from '../config/write-resolved-config.js';
import type { ResolvedCheckpoint } from './resolve-checkpoint.js';

export interface CheckpointConfig {
  readonly config: ExperimentConfig;
  /** Where the config came from: `-c`, the run folder's resolved config, or the checkpoint's config.json. */
  readonly source: string;
}

/**
 * The experiment config to use with a checkpoint: the `-c` file or preset when given; otherwise
 * the resolved config of the run the checkpoint belongs to; otherwise one built from the
 * checkpoint's LeRobot `config.json` (ACT: joints + ResNet + transformer decoder, images
 * normalised by the checkpoint's statistics, a simulated robot with the checkpoint's cameras;
 * `--set robot.task=...` and the like adjust it). `--set` overrides apply in every case.
 */
export async function configForCheckpoint(
  ckpt: ResolvedCheckpoint,
  options: { registry: KindRegistry; config?: string | undefined; set?: readonly string[] },
): Promise<CheckpointConfig> {
  const set = options.set ?? [];
  if (options.config) return { config: await loadConfig(options.config, { registry: options.registry, set }), source: options.config };
  if (ckpt.runDir !== null) {
    const resolved = join(ckpt.runDir, RESOLVED_CONFIG_FILE);
    if (existsSync(resolved)) return { config: await loadConfig(resolved, { registry: options.registry, set }), source: resolved };
  }
  const path = join(ckpt.pretrainedDir, 'config.json');
  let document = await documentFromLeRobotConfig(ckpt.pretrainedDir);
  for (const text of set) document = applyOverride(document, parseOverride(text));
  return { config: validateExperiment(document, { file: path, registry: options.registry }), source: path };
}

/** An experiment document equivalent to a LeRobot ACT `config.json` (and its weights' ResNet width). */
export async function documentFromLeRobotConfig(dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read a JSON config: ${(err as Error).message}`);
  }
  const d = describeLeRobotConfig(json, path);
  if (!['resnet18', 'resnet34'].includes(d.visionBackbone)) {
    throw new Error(`${path}: vision_backbone '${d.visionBackbone}' is not supported (expected resnet18 or resnet34)`);
  }
  const header = await readSafetensorsHeader(join(dir, 'model.safetensors'));
  const conv1 = header.tensors.find((t) => t.name === 'model.backbone.conv1.weight');
  const width = conv1?.shape[0] ?? d.backboneWidth ?? 64;
  const imageFeatures = d.spec.features.filter((f) => f.kind === 'image');
  const cams = imageFeatures.map((f) => (f.key.startsWith('observation.images.') ? f.key.slice('observation.images.'.length) : f.key));
  const [h, w] = imageFeatures.length > 0 ? (imageFeatures[0]!.shape as [number, number, number]) : [480, 640];
  const c = d.config;
  const imagenetInside = existsSync(join(dir, 'normalizer.json')) && !existsSync(join(dir, 'policy_preprocessor.json'));
  return {
    name: `checkpoint-${basename(dir) === 'pretrained_model' ? 'pretrained' : basename(dir)}`,
    robot: { kind: 'sim', task: 'transfer-cube', cameras: cams, imageHeight: h, imageWidth: w },
    dataset: { path: '(none: the config was read from the checkpoint)' },
    encoders: [
      ...(d.spec.stateDim > 0 ? [{ kind: 'joints' }] : []),
      // LeRobot normalises images in its preprocessor, and actfusion applies the checkpoint's statistics
      // the same way; an actfusion checkpoint with only a normalizer.json was trained with ImageNet's inside.
      ...(cams.length > 0 ? [{ kind: 'vision-resnet', backbone: d.visionBackbone, width, normalize: imagenetInside ? 'imagenet' : 'none', cameras: cams }] : []),
    ],
    decoder: { kind: 'transformer' },
    policy: {
      dimModel: c.dimModel,
      nHeads: c.nHeads,
      dimFeedforward: c.dimFeedforward,
      nEncoderLayers: c.nEncoderLayers,
      nDecoderLayers: c.nDecoderLayers,
      dropout: c.dropout,
      preNorm: c.preNorm,
      activation: c.feedforwardActivation,
      chunkSize: c.chunkSize,
    },
    cvae: { useVae: c.useVae, latentDim: c.latentDim, klWeight: c.klWeight, nVaeEncoderLayers: c.nVaeEncoderLayers },
    execution:
      d.temporalEnsembleCoeff !== null
        ? { mode: 'temporal-ensemble', temporalEnsembleCoeff: d.temporalEnsembleCoeff }
        : { mode: 'open-loop', nActionSteps: d.nActionSteps },
    outputDir: join('runs', 'from-checkpoint'),
  };
}
