import { join } from 'node:path';
import { type ActPolicy, type Normalizer } from '@actfusion/cvae-core';
import { writeLeRobotCheckpoint } from '@actfusion/cvae-core/io';
import { lastCheckpoint, Trainer, type TrainingProgress } from '@actfusion/cvae-core/training';
import { INSTRUCTION_EMBEDDINGS, type InstructionEmbeddings } from '@actfusion/encoder-language';
import { trainingCurvesSpec, type MetricPoint } from '../charts/training-curves.js';
import { writeChart } from '../charts/render-chart.js';
import { buildExperimentContainer } from '../composition/experiment-container.js';
import { INSTRUCTION_TABLE_FILE } from '../composition/instruction-table.js';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { writeResolvedConfig, type ResolvedConfigOptions } from '../config/write-resolved-config.js';
import { experimentPolicyFactory, resolveWorkers } from './experiment-policy-factory.js';
import { MetricsLog } from './metrics-log.js';
import { openChunkDataset } from './open-dataset.js';
import { ValidationLoss } from './validation-loss.js';

export interface TrainExperimentOptions {
  registry: KindRegistry;
  /** Continue from `<outputDir>/checkpoints/last` (weights, optimiser, RNG streams, step). */
  resume?: boolean;
  /** Called after every step (progress bar); `logFreq` steps also go to metrics.jsonl. */
  onProgress?: (p: TrainingProgress) => void;
  log?: (line: string) => void;
  /** Stop request (Ctrl-C): training stops at the next step boundary and writes a checkpoint of that step. */
  signal?: AbortSignal;
  /** How the written `config.resolved.yaml` describes the run (an ablation's shared training leaves out execution/eval). */
  resolvedConfig?: ResolvedConfigOptions;
}

export interface TrainSummary {
  outputDir: string;
  steps: number;
  finalLoss: number;
  checkpoint: string;
  metricsPath: string;
  curve: MetricPoint[];
  seconds: number;
  backend: string;
  /** True when `signal` stopped the run early; `checkpoint` then holds the last finished step. */
  interrupted: boolean;
}

/**
 * `actfusion train`: dataset -> chunk sampler -> policy built by the composition root ->
 * cvae-core Trainer. Writes the resolved config, metrics.jsonl (every `logFreq` steps),
 * checkpoints (every `saveFreq` steps and at the end) and training-curve plots into outputDir.
 */
export async function trainExperiment(config: ExperimentConfig, options: TrainExperimentOptions): Promise<TrainSummary> {
  const log = options.log ?? (() => {});
  const { sampler: dataset, split } = await openChunkDataset(config);
  const tasks = dataset.collection.episodes.flatMap((e) => (e.task === undefined ? [] : [e.task]));
  // A resumed run takes every weight from its checkpoint, so a `pretrained` file is not read again.
  const exp = await buildExperimentContainer(config, { registry: options.registry, spec: dataset.spec, withRuntime: true, tasks, weightsReplaced: options.resume === true });
  const started = performance.now();
  try {
    await writeResolvedConfig(config, config.outputDir, options.resolvedConfig);
    const policy = exp.policy();
    const nVal = split.validation.length;
    const valEpisodes = `${nVal} validation episode${nVal === 1 ? '' : 's'}`;
    const splitNote = nVal > 0 ? ` (training split; ${valEpisodes}: ${split.validation.join(', ')})` : '';
    if (exp.runtime !== undefined) log(`runtime: ${exp.runtime.backend} backend, ${exp.runtime.kernelReason}`);
    log(`policy ${policy.parameterCount?.() ?? ''} parameters, backend ${exp.runtime?.backend}; dataset ${dataset.episodeCount} episodes, ${dataset.frameCount} frames${splitNote}`);
    const metrics = new MetricsLog(join(config.outputDir, 'metrics.jsonl'));
    const curve: MetricPoint[] = [];
    let workers = resolveWorkers(config);
    const policyFactory = workers > 1 ? experimentPolicyFactory(config, dataset.spec, tasks) : null;
    if (workers > 1 && policyFactory === null) {
      if (config.train.workers !== undefined) {
        throw new Error(`train.workers = ${workers}: the worker threads run the built packages; run \`npm run build\` first`);
      }
      log(`train.workers: training in the main thread (worker threads need the built packages: npm run build)`);
      workers = 1;
    }
    if (workers > 1) log(`train.workers: ${workers} data-parallel workers, each with a shard of ${Math.floor(config.train.batchSize / workers)}${config.train.batchSize % workers ? `-${Math.ceil(config.train.batchSize / workers)}` : ''} samples of every batch`);
    // dataset.valFraction: a fixed, seeded set of validation chunks, read once before training.
    const validation =
      split.validation.length > 0 ? await ValidationLoss.prepare(dataset, split.validation, { seed: config.train.seed, batchSize: config.train.batchSize }) : undefined;
    let normalizer: Normalizer | undefined;
    // A language encoder's instruction table goes into every checkpoint, beside the weights.
    const table = exp.container.isRegistered(INSTRUCTION_EMBEDDINGS, true) ? exp.container.resolve<InstructionEmbeddings>(INSTRUCTION_EMBEDDINGS) : undefined;
    // The step of the newest checkpoint on disk, so an interrupted run does not write the same one twice.
    let savedAt: { step: number; dir: string } | undefined;
    const trainer = new Trainer(policy, dataset, {
      ...(options.signal ? { signal: options.signal } : {}),
      workers,
      ...(policyFactory ? { policyFactory } : {}),
      microBatch: config.train.microBatch,
      log,
      steps: config.train.steps,
      batchSize: config.train.batchSize,
      lr: config.train.lr,
      backboneLr: config.train.lrBackbone,
      weightDecay: config.train.weightDecay,
      gradClipNorm: config.train.gradClipNorm === 0 ? null : config.train.gradClipNorm,
      seed: config.train.seed,
      checkpointEvery: config.train.saveFreq,
      outputDir: config.outputDir,
      // pretrained_model/ in LeRobot's current layout: weights, an honest config.json, processor statistics.
      writePretrained: async (p, dir, normalizer) => {
        await writeLeRobotCheckpoint(dir, p as ActPolicy, {}, { normalizer: normalizer.toJSON(), images: imageNormalizationOf(config) });
        await table?.save(join(dir, INSTRUCTION_TABLE_FILE));
      },
      onProgress: async (p) => {
        if (p.checkpoint) savedAt = { step: p.step, dir: p.checkpoint };
        options.onProgress?.(p);
        if (p.step % config.train.logFreq === 0 || p.step === p.totalSteps) {
          const point: MetricPoint = { step: p.step, loss: p.loss, l1: p.l1, kl: p.kl };
          let val = {};
          if (validation && normalizer) {
            await trainer.syncPolicy(); // with train.workers > 1 the weights live in the workers
            const v = validation.compute(policy, normalizer, dataset.spec);
            point.val_loss = v.loss;
            val = { val_l1: v.l1, val_kl: v.kl };
            log(`step ${p.step}/${p.totalSteps} val_loss ${v.loss.toFixed(4)} (${validation.chunkCount} chunks of ${valEpisodes})`);
          }
          curve.push(point);
          metrics.write({ ...point, ...val, lr: p.lr, backboneLr: p.backboneLr, gradNorm: p.gradNorm, stepsPerSecond: p.stepsPerSecond, ...(p.checkpoint ? { checkpoint: p.checkpoint } : {}) });
        }
      },
    });
    try {
      if (options.resume) {
        const last = await lastCheckpoint(config.outputDir);
        if (last === null) throw new Error(`--resume: no checkpoint under ${join(config.outputDir, 'checkpoints')}`);
        await trainer.resume(last);
        savedAt = { step: trainer.step, dir: last };
        log(`resumed from ${last} at step ${trainer.step}`);
        // The curve covers the whole run: the earlier segments' points come first.
        const earlier = metrics.truncateAfter(trainer.step).filter((r) => typeof r.loss === 'number');
        curve.unshift(
          ...earlier.map((r) => ({
            step: r.step as number,
            loss: r.loss as number,
            l1: r.l1 as number,
            kl: r.kl as number,
            ...(typeof r.val_loss === 'number' ? { val_loss: r.val_loss } : {}),
          })),
        );
      }
      // The Trainer's normaliser (training-split statistics, or the checkpoint's on resume) also normalises validation.
      normalizer = await trainer.getNormalizer();
      const result = await trainer.train();
      if (result.interrupted) log(`interrupted after step ${result.step}/${config.train.steps}; writing its checkpoint`);
      const checkpoint = savedAt?.step === result.step ? savedAt.dir : await trainer.saveCheckpoint();
      if (curve.length > 0) await writeChart(trainingCurvesSpec(curve, { title: `${config.name}: training` }), join(config.outputDir, 'plots', 'training-curves'));
      return {
        outputDir: config.outputDir,
        steps: result.step,
        // A resumed run that was already finished trains no step: its last logged loss is the final one.
        finalLoss: result.losses.at(-1) ?? curve.at(-1)?.loss ?? Number.NaN,
        checkpoint,
        metricsPath: metrics.path,
        curve,
        seconds: (performance.now() - started) / 1000,
        backend: exp.runtime?.backend ?? 'unknown',
        interrupted: result.interrupted,
      };
    } finally {
      await trainer.close();
      trainer.dispose();
    }
  } finally {
    await exp.dispose();
  }
}

/** How the config's vision encoders normalise images (LeRobot maps every VISUAL feature one way). */
export function imageNormalizationOf(config: ExperimentConfig): 'imagenet' | 'none' {
  const vision = config.encoders.filter((e) => e.kind === 'vision-resnet');
  return vision.length > 0 && vision.every((e) => (e['normalize'] ?? 'imagenet') === 'none') ? 'none' : 'imagenet';
}
