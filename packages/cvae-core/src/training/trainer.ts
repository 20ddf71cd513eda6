import * as tf from '@tensorflow/tfjs-core';
import type { ChunkDataset } from '@actfusion/contracts';
import { Rng } from '../random/rng.js';
import { Normalizer, type NormalizerOptions } from './normalizer.js';
import type { TrainablePolicy } from './trainable-policy.js';
import type { AdamWParamGroup } from '../optim/adamw.js';
import { writeLeRobotCheckpoint } from '../policy/lerobot-checkpoint.js';
import { PolicyConfigSchema, type PolicyConfig } from '../policy/policy-config.js';
import type { ObservationSpec } from '@actfusion/contracts';
import { actParamGroups } from '../optim/param-groups.js';
import { adamWTrainerOptimizer, type TrainerOptimizer } from './trainer-optimizer.js';
import { reductionOf } from './batch-gradients.js';
import { LocalStepRunner, type MicroBatchSetting, type StepRunner } from './step-runner.js';
import type { PolicyFactoryRef } from './parallel/policy-factory.js';
import { WorkerPoolStepRunner } from './parallel/worker-pool-step-runner.js';
import { threadMemory, type TrainingMemory } from './parallel/thread-memory.js';
import {
  allocateSharedTrainingState,
  parameterOffsets,
  sharedOptimizerState,
  writeSharedOptimizerState,
  writeSharedWeights,
  type HostTensor,
  type SharedTrainingState,
} from './parallel/shared-training-state.js';
import {
  readTrainingCheckpoint,
  stepIdentifier,
  writeTrainingCheckpoint,
} from './training-checkpoint.js';

/** One line of progress, after every optimiser step. */
export interface TrainingProgress {
  /** Steps completed (1 after the first update). */
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  readonly l1: number;
  readonly kl: number;
  /** Learning rate of the main group. */
  readonly lr: number;
  readonly backboneLr: number;
  /** Global gradient L2 norm before clipping (LeRobot's `grad_norm`). */
  readonly gradNorm: number;
  /** Optimiser steps per second since this `train()` call started. */
  readonly stepsPerSecond: number;
  /** Directory of the checkpoint written at this step, if any. */
  readonly checkpoint?: string;
}

export interface TrainerOptions {
  /** Total optimiser steps of the run. */
  readonly steps: number;
  /** Default 8 (ACT, LeRobot). */
  readonly batchSize?: number;
  /** Default 1e-5. */
  readonly lr?: number;
  /** Default 1e-5; applies to parameters whose name starts with `backbonePrefix`. */
  readonly backboneLr?: number;
  /** Default `backbone.`. */
  readonly backbonePrefix?: string;
  /** Default 1e-4. */
  readonly weightDecay?: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  /** Max global gradient norm (LeRobot 10); 0 or null disables clipping (original ACT). */
  readonly gradClipNorm?: number | null;
  /** Seed of the data-sampling and model (dropout, reparameterisation) random streams. */
  readonly seed?: number;
  /** Write a checkpoint every N steps (and after the last step) under `outputDir`. */
  readonly checkpointEvery?: number;
  readonly outputDir?: string;
  /** Normalisation options when the normaliser is built from the dataset statistics. */
  readonly normalization?: NormalizerOptions;
  /** Use this normaliser instead of building one from `dataset.stats()`. */
  readonly normalizer?: Normalizer;
  /** Called after every step; a returned promise is awaited before the next step (e.g. a validation pass). */
  readonly onProgress?: (p: TrainingProgress) => unknown;
  /** Replace the default AdamW (e.g. with cvae-core's optim blocks). */
  readonly createOptimizer?: (groups: AdamWParamGroup[], options: TrainerOptions) => TrainerOptimizer;
  /**
   * Write `pretrained_model/` yourself. Default: an ACT policy (a `PolicyConfig` and a spec) goes
   * through `writeLeRobotCheckpoint` (LeRobot `model.safetensors` + `ACTConfig` `config.json`);
   * any other policy gets `model.safetensors` of its `model.`-prefixed state dict and its own config.
   */
  readonly writePretrained?: (policy: TrainablePolicy, dir: string, normalizer: Normalizer) => Promise<void>;
  /**
   * Samples per forward/backward pass; the passes' gradients are summed into one step (the result
   * equals the whole-batch step within float rounding). Default `auto`: the whole batch, or on the
   * wasm backend as many samples as fit `memoryBudgetBytes` (with a log line when that cuts the batch).
   */
  readonly microBatch?: MicroBatchSetting;
  /** Tensor bytes a step may use when `microBatch` is `auto` on wasm (default 3 GiB of the 4 GiB heap). */
  readonly memoryBudgetBytes?: number;
  /**
   * Data-parallel worker threads (default 1: train in this thread). With N > 1 each worker builds the
   * policy from `policyFactory` with its own tensor backend, takes a shard of every batch, and the
   * shards' gradients are summed through shared memory before one identical optimiser step in every
   * worker; this thread only samples batches, so its event loop stays free.
   */
  readonly workers?: number;
  /** How workers build the same policy (required when `workers` > 1). */
  readonly policyFactory?: PolicyFactoryRef;
  /** Where notices go (the micro-batch choice, worker start-up); default stderr. */
  readonly log?: (line: string) => void;
  /**
   * Stop request (e.g. Ctrl-C): `train()` checks it before every step and returns at the next step
   * boundary with `interrupted: true`; the state is then whole, so `saveCheckpoint()` can save it.
   */
  readonly signal?: AbortSignal;
}

export interface TrainingResult {
  readonly step: number;
  /** Loss of every step run by this call, in order. */
  readonly losses: number[];
  readonly checkpoints: string[];
  /** True when `signal` stopped the run before `untilStep`. */
  readonly interrupted: boolean;
}

/**
 * ACT's training loop over a `ChunkDataset`: sample a batch, collate and normalise it, compute
 * the loss under `tf.variableGrads`, clip the global gradient norm, step AdamW with a separate
 * backbone group, report progress, and checkpoint every N steps (weights, optimiser state, RNG
 * state, step) so that `resume` continues exactly where the run stopped.
 */
export class Trainer {
  private readonly options: TrainerOptions;
  private readonly dataRng: Rng;
  private readonly modelRng: Rng;
  private readonly optimizer: TrainerOptimizer;
  private readonly params: [string, tf.Variable][];
  private normalizer: Normalizer | null = null;
  private stepCount = 0;
  private runner: StepRunner | null = null;
  /** With workers: the one copy of the weights and AdamW state they update (kept across pool restarts, dropped by `resume`). */
  private shared: SharedTrainingState | null = null;

  constructor(
    readonly policy: TrainablePolicy,
    readonly dataset: ChunkDataset,
    options: TrainerOptions,
  ) {
    if (!(Number.isInteger(options.steps) && options.steps >= 1)) {
      throw new Error(`Trainer: option 'steps' must be a positive integer, got ${options.steps}`);
    }
    const batchSize = options.batchSize ?? 8;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new Error(`Trainer: option 'batchSize' must be a positive integer, got ${batchSize}`);
    }
    const workers = options.workers ?? 1;
    if (!(Number.isInteger(workers) && workers >= 1)) {
      throw new Error(`Trainer: option 'workers' must be a positive integer, got ${workers}`);
    }
    if (workers > batchSize) {
      throw new Error(`Trainer: option 'workers' (${workers}) is larger than 'batchSize' (${batchSize}); every worker needs at least one sample`);
    }
    if (workers > 1 && !options.policyFactory) {
      throw new Error(`Trainer: option 'workers' = ${workers} needs 'policyFactory' (how the workers build the policy)`);
    }
    if (options.checkpointEvery !== undefined && !options.outputDir) {
      throw new Error(`Trainer: option 'checkpointEvery' needs 'outputDir'`);
    }
    this.options = options;
    this.normalizer = options.normalizer ?? null;
    const root = new Rng(options.seed ?? 1000);
    this.dataRng = root.fork();
    this.modelRng = root.fork();
    this.params = policy.trainableParameters();
    if (this.params.length === 0) throw new Error('Trainer: the policy has no trainable parameters');
    const prefix = options.backbonePrefix ?? 'backbone.';
    const groups = actParamGroups(this.params, {
      lr: options.lr ?? 1e-5,
      lrBackbone: options.backboneLr ?? 1e-5,
      weightDecay: options.weightDecay ?? 1e-4,
      isBackbone: (name) => name.startsWith(prefix),
    });
    this.optimizer =
      options.createOptimizer?.(groups, options) ??
      adamWTrainerOptimizer(groups, {
        ...(options.betas ? { betas: options.betas } : {}),
        ...(options.eps !== undefined ? { eps: options.eps } : {}),
        weightDecay: options.weightDecay ?? 1e-4,
      });
  }

  /** Optimiser steps completed so far. */
  get step(): number {
    return this.stepCount;
  }

  /** The normaliser in use (built from the dataset statistics on first use, or restored by `resume`). */
  async getNormalizer(): Promise<Normalizer> {
    this.normalizer ??= Normalizer.fromStats(await this.dataset.stats(), this.options.normalization);
    return this.normalizer;
  }

  /** Run until `untilStep` (default: the configured total) steps are done. */
  async train(untilStep = this.options.steps): Promise<TrainingResult> {
    const normalizer = await this.getNormalizer();
    const batchSize = this.options.batchSize ?? 8;
    const clip = this.options.gradClipNorm === undefined ? 10 : this.options.gradClipNorm;
    const every = this.options.checkpointEvery;
    const losses: number[] = [];
    const checkpoints: string[] = [];
    const start = performance.now();
    const startStep = this.stepCount;
    this.policy.train();
    const runner = await this.stepRunner(normalizer, clip);
    const target = Math.min(untilStep, this.options.steps);
    const signal = this.options.signal;
    while (this.stepCount < target && signal?.aborted !== true) {
      const samples = await this.dataset.sampleBatch(batchSize, this.dataRng);
      const r = await runner.step(samples, this.modelRng.getState(), this.stepCount + 1);
      this.modelRng.setState(r.rngEnd);
      const lossV = [r.loss];
      const l1V = [r.l1];
      const klV = [r.kl];
      const gradNorm = r.gradNorm;
      this.stepCount++;
      // A step ends on a clean stream boundary: drop any cached Box-Muller spare (Rng.getState does
      // the same), so a run that writes checkpoints draws exactly what a run that does not draws.
      for (const rng of [this.dataRng, this.modelRng]) rng.setState(rng.getState());
      losses.push(lossV[0]!);
      let checkpoint: string | undefined;
      if (every && (this.stepCount % every === 0 || this.stepCount === this.options.steps)) {
        checkpoint = await this.saveCheckpoint();
        checkpoints.push(checkpoint);
      }
      const seconds = (performance.now() - start) / 1000;
      // Let timers and I/O run between steps (queue locks renew, progress is written).
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.options.onProgress?.({
        step: this.stepCount,
        totalSteps: this.options.steps,
        loss: lossV[0]!,
        l1: l1V[0]!,
        kl: klV[0]!,
        lr: this.groupLr('default', this.options.lr ?? 1e-5),
        backboneLr: this.groupLr('backbone', this.options.backboneLr ?? 1e-5),
        gradNorm,
        stepsPerSecond: (this.stepCount - startStep) / Math.max(seconds, 1e-9),
        ...(checkpoint ? { checkpoint } : {}),
      });
    }
    await runner.pull();
    return { step: this.stepCount, losses, checkpoints, interrupted: this.stepCount < target };
  }

  /** The step runner, made on first use: this thread, or a pool of workers. */
  private async stepRunner(normalizer: Normalizer, clip: number | null): Promise<StepRunner> {
    if (this.runner) return this.runner;
    const o = this.options;
    const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const cfg = {
      spec: this.dataset.spec,
      normalizer,
      reduction: reductionOf(this.policy),
      clip,
      microBatch: o.microBatch ?? 'auto',
      ...(o.memoryBudgetBytes !== undefined ? { budgetBytes: o.memoryBudgetBytes } : {}),
      log,
    };
    if ((o.workers ?? 1) === 1) {
      this.runner = new LocalStepRunner(this.policy, this.params, this.optimizer, cfg);
    } else {
      const { offsets, floats } = parameterOffsets(this.params);
      if (!this.shared) {
        // The optimiser state moves to shared memory; this thread's copy (after a resume) is freed.
        this.shared = allocateSharedTrainingState(floats, this.params.length);
        writeSharedOptimizerState(this.shared, this.optimizer, this.params, offsets);
        this.optimizer.dispose();
      }
      writeSharedWeights(this.shared, this.params, offsets);
      this.runner = await WorkerPoolStepRunner.start({
        workers: o.workers!,
        factory: o.policyFactory!,
        policy: this.policy,
        state: this.shared,
        step: cfg,
        optimizerOptions: {
          lr: o.lr ?? 1e-5,
          backboneLr: o.backboneLr ?? 1e-5,
          backbonePrefix: o.backbonePrefix ?? 'backbone.',
          weightDecay: o.weightDecay ?? 1e-4,
          ...(o.betas ? { betas: o.betas } : {}),
          ...(o.eps !== undefined ? { eps: o.eps } : {}),
        },
      });
    }
    return this.runner;
  }

  private groupLr(name: string, fallback: number): number {
    return this.optimizer.groups.find((g) => g.name === name)?.lr ?? fallback;
  }

  /** Bring `policy` up to date with the workers' weights (nothing to do in one thread), e.g. before evaluating it. */
  async syncPolicy(): Promise<void> {
    await this.runner?.pull();
  }

  /** Where the run's memory sits now: every thread's wasm heap, tensors and V8 heap, and shared buffers (before the first `train()`: this thread only). */
  async memoryReport(): Promise<TrainingMemory> {
    return this.runner ? this.runner.memory() : { threads: [threadMemory('main')], sharedBytes: 0 };
  }

  /** Write a checkpoint of the current state now; returns its directory. */
  async saveCheckpoint(): Promise<string> {
    const { outputDir } = this.options;
    if (!outputDir) throw new Error(`Trainer.saveCheckpoint: option 'outputDir' is not set`);
    const normalizer = await this.getNormalizer();
    await this.runner?.pull();
    const model = new Map<string, tf.Tensor>([...this.policy.stateDict()].map(([n, v]) => [`model.${n}`, v]));
    const act = actPolicyOf(this.policy);
    const writer =
      this.options.writePretrained ?? (act ? (_policy: TrainablePolicy, dir: string, normalizer: Normalizer) => writeLeRobotCheckpoint(dir, act, {}, { normalizer: normalizer.toJSON() }) : undefined);
    // With workers the optimiser state is in shared memory (read in place); else the optimiser's tensors.
    const optimizerState: Map<string, tf.Tensor | HostTensor> = this.shared
      ? sharedOptimizerState(this.shared, this.optimizer, this.params, parameterOffsets(this.params).offsets)
      : this.optimizer.stateTensors();
    try {
      return await writeTrainingCheckpoint(
        outputDir,
        stepIdentifier(this.stepCount, this.options.steps),
        {
          step: this.stepCount,
          model,
          config: this.policy.config ?? {},
          normalizer: normalizer.toJSON(),
          optimizer: optimizerState,
          optimizerParamGroups: this.optimizer.paramGroupsJson(),
          rng: { data: this.dataRng.getState(), model: this.modelRng.getState() },
        },
        writer ? (dir) => writer(this.policy, dir, normalizer) : undefined,
      );
    } finally {
      // Live variables stay; tensors made for the occasion (step counters) go.
      tf.dispose([...optimizerState.values()].filter((t): t is tf.Tensor => t instanceof tf.Tensor && !(t instanceof tf.Variable)));
    }
  }

  /** Restore weights, optimiser state, RNG streams, normaliser and step from a checkpoint directory. */
  async resume(checkpointDir: string): Promise<void> {
    const ckpt = await readTrainingCheckpoint(checkpointDir);
    try {
      const own = new Map([...ckpt.model].map(([n, t]) => [n.startsWith('model.') ? n.slice(6) : n, t]));
      this.policy.loadStateDict(own, { source: `${checkpointDir}/pretrained_model/model.safetensors` });
      this.optimizer.loadState(ckpt.optimizer, `${checkpointDir}/training_state/optimizer_state.safetensors`);
      for (const key of ['data', 'model'] as const) {
        if (!ckpt.rng[key]) throw new Error(`${checkpointDir}/training_state/rng_state.json: field '${key}' is missing`);
      }
      this.dataRng.setState(ckpt.rng.data!);
      this.modelRng.setState(ckpt.rng.model!);
      this.normalizer = Normalizer.fromJSON(ckpt.normalizer, `${checkpointDir}/pretrained_model/normalizer.json`);
      this.stepCount = ckpt.step;
    } finally {
      tf.dispose([...ckpt.model.values(), ...ckpt.optimizer.values()]);
    }
    // Workers started before the resume hold the old state: the next `train()` starts them afresh
    // from the loaded state.
    await this.close();
    this.shared = null;
  }

  /** Free the optimiser state (and stop the workers, if any: await it, or call `close()`). */
  dispose(): void {
    this.optimizer.dispose();
    this.shared = null;
    void this.close();
  }

  /** Stop the worker threads, if any. */
  async close(): Promise<void> {
    const r = this.runner;
    this.runner = null;
    await r?.dispose();
  }
}

/** The policy as an ACT policy (a strict `PolicyConfig` plus a spec), or null. */
function actPolicyOf(policy: TrainablePolicy): (TrainablePolicy & { config: PolicyConfig; spec: ObservationSpec }) | null {
  // strict: an object with fields PolicyConfig does not know is some other policy's config.
  const parsed = PolicyConfigSchema.strict().safeParse(policy.config);
  return parsed.success && policy.spec ? (policy as TrainablePolicy & { config: PolicyConfig; spec: ObservationSpec }) : null;
}
