import { z } from 'zod';

/**
 * The zod schema of one experiment. Every object is strict, so a misspelt key is an error
 * naming the key rather than a silently ignored setting. Names follow ACT / LeRobot
 * (`chunkSize`, `dimModel`, `klWeight`, `nActionSteps`, `temporalEnsembleCoeff`).
 *
 * Encoders and the decoder are `{ kind, ...options }`; the options of each kind are checked
 * by the kind registry (see `validateKinds`), so this schema only requires `kind`.
 */
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const positive = z.number().positive();
const nonNegative = z.number().nonnegative();

/**
 * Upper bounds: a value past them is a typo or a unit mistake, and would otherwise surface minutes
 * later as an out-of-memory crash or an "Invalid typed array length" deep inside a library.
 */
export const LIMITS = {
  imageSide: 4096,
  episodeLength: 1_000_000,
  episodes: 1_000_000,
  steps: 100_000_000,
  batchSize: 4096,
  width: 16_384,
  layers: 128,
  heads: 1024,
  chunkSize: 10_000,
  seed: 2 ** 32 - 1,
  evalSeed: 999_999,
  evalEpisodes: 100_000,
  threads: 1024,
} as const;
const upTo = (max: number) => positiveInt.max(max);

export const kindOptionsSchema = z.looseObject({ kind: z.string().min(1) });
export type KindOptions = z.infer<typeof kindOptionsSchema>;

export const simRobotSchema = z.strictObject({
  kind: z.literal('sim'),
  /** Simulated task name, e.g. `transfer-cube` or `insertion`. */
  task: z.string().min(1),
  /** Control steps per episode (ACT: 400 at 50 Hz). */
  episodeLength: upTo(LIMITS.episodeLength).default(400),
  cameras: z.array(z.string().min(1)).default(['top']),
  imageHeight: upTo(LIMITS.imageSide).default(480),
  imageWidth: upTo(LIMITS.imageSide).default(640),
  /**
   * Randomise object positions at every reset from the episode's seed (ACT's ranges); false puts
   * each object at the middle of its range (record, eval and run).
   */
  randomize: z.boolean().default(true),
});

export const servoRobotSchema = z.strictObject({
  kind: z.literal('servo'),
  port: z.string().min(1),
  protocol: z.enum(['dynamixel', 'feetech']),
  baud: positiveInt.default(1_000_000),
  /** Servo ids in joint order. */
  ids: z.array(nonNegativeInt).min(1),
  calibration: z.string().optional(),
  controlHz: positive.default(50),
  cameras: z.array(z.string().min(1)).default([]),
});

export const robotSchema = z.discriminatedUnion('kind', [simRobotSchema, servoRobotSchema]);

export const datasetSchema = z.strictObject({
  /** Folder of episodes (relative paths resolve against the output folder's parent, i.e. the cwd). */
  path: z.string().min(1),
  format: z.enum(['aloha-hdf5', 'lerobot']).default('aloha-hdf5'),
  /** Episodes to record with the scripted expert when the dataset is missing. */
  episodes: upTo(LIMITS.episodes).default(50),
  /** Fraction of episodes held out for validation. */
  valFraction: z.number().min(0).lt(1).default(0),
});

export const runtimeSchema = z.strictObject({
  backend: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /**
   * The wasm backend's matrix products and convolutions (forward and gradients): `native` on OpenBLAS
   * (@actfusion/native-kernels, built at install; an error when it is not available), `wasm` on
   * XNNPACK, `auto` native when its addon loaded, else wasm with one log line saying why.
   */
  kernels: z.enum(['auto', 'native', 'wasm']).default('auto'),
  /** OpenBLAS threads of the native kernels; unset: 1 per data-parallel training worker, every core otherwise. */
  blasThreads: upTo(LIMITS.threads).optional(),
  /**
   * What runs the trained policy in `predict`, `eval` and `run`: `tfjs` (the backend above, in a worker thread) or
   * `onnx` (the policy exported to ONNX in memory and run by ONNX Runtime on its own threads).
   */
  inference: z.enum(['tfjs', 'onnx']).default('tfjs'),
  /** ONNX Runtime intra-op threads for `inference: onnx`. */
  inferenceThreads: upTo(LIMITS.threads).default(1),
});

export const policySchema = z.strictObject({
  dimModel: upTo(LIMITS.width).default(512),
  nHeads: upTo(LIMITS.heads).default(8),
  dimFeedforward: upTo(LIMITS.width).default(3200),
  nEncoderLayers: upTo(LIMITS.layers).default(4),
  nDecoderLayers: upTo(LIMITS.layers).default(1),
  dropout: z.number().min(0).lt(1).default(0.1),
  preNorm: z.boolean().default(false),
  activation: z.enum(['relu', 'gelu']).default('relu'),
  /** k: actions predicted per forward pass (decoder queries). */
  chunkSize: upTo(LIMITS.chunkSize).default(100),
});

export const cvaeSchema = z.strictObject({
  useVae: z.boolean().default(true),
  latentDim: upTo(LIMITS.width).default(32),
  klWeight: nonNegative.default(10),
  nVaeEncoderLayers: upTo(LIMITS.layers).default(4),
});

export const executionSchema = z.strictObject({
  /**
   * open-loop: execute nActionSteps, then wait for the next chunk; temporal-ensemble: a chunk every
   * step (ACT); async: request the next chunk `rtc.inferenceDelay` steps before it is needed and
   * switch to it (no blending); rtc: the same with real-time chunking's soft blending.
   */
  mode: z.enum(['open-loop', 'temporal-ensemble', 'async', 'rtc']).default('open-loop'),
  /** Open loop: actions executed from each chunk before the next inference (<= chunkSize; default chunkSize). */
  nActionSteps: positiveInt.optional(),
  /** Temporal ensembling weight exp(-m*i), i = 0 the oldest prediction (ACT: m = 0.01). */
  temporalEnsembleCoeff: nonNegative.default(0.01),
  /**
   * async / rtc: steps executed per chunk, the inference delay in steps (`actfusion run` raises it
   * to the measured latency) and the blending schedule of rtc.
   */
  rtc: z
    .strictObject({
      executionHorizon: positiveInt.default(10),
      inferenceDelay: nonNegativeInt.default(2),
      schedule: z.enum(['exp', 'linear', 'ones', 'zeros']).default('exp'),
    })
    .prefault({}),
  /** SafeRobot's cap on the change of a joint target per tick (LeRobot max_relative_target); none by default. */
  maxRelativeTarget: positive.optional(),
});

export const trainSchema = z.strictObject({
  steps: upTo(LIMITS.steps).default(100_000),
  batchSize: upTo(LIMITS.batchSize).default(8),
  lr: positive.default(1e-5),
  lrBackbone: nonNegative.default(1e-5),
  weightDecay: nonNegative.default(1e-4),
  /** Max global gradient norm; 0 disables clipping. */
  gradClipNorm: nonNegative.default(10),
  /** Reconstruction loss: ACT uses L1 (the paper's ablation compares L2). */
  loss: z.enum(['l1', 'l2']).default('l1'),
  saveFreq: positiveInt.default(20_000),
  logFreq: positiveInt.default(100),
  seed: nonNegativeInt.max(LIMITS.seed).default(1000),
  /**
   * Data-parallel worker threads, each with its own tensor backend and a shard of every batch
   * (unset: the machine's cores, at most batchSize; 1 trains in the main thread).
   */
  workers: upTo(LIMITS.batchSize).optional(),
  /**
   * Samples per forward/backward pass; gradients are summed over the passes of a batch (or a
   * worker's shard). `auto`: the whole shard, or on wasm as many samples as fit the heap.
   */
  microBatch: z.union([upTo(LIMITS.batchSize), z.literal('auto')]).default('auto'),
});

export const evalSchema = z.strictObject({
  /** Rollouts per seed. */
  episodes: upTo(LIMITS.evalEpisodes).default(50),
  /** Environment seeds; each seed runs `episodes` rollouts. */
  seeds: z.array(nonNegativeInt.max(LIMITS.evalSeed)).min(1).default([1000]),
  /**
   * Which episode seeds to draw: `tune` while choosing settings, `report` for the figures you
   * publish. The two ranges are disjoint by construction (see `evalEpisodeSeed`), and both are
   * disjoint from the recording seeds (0, 1, ...).
   */
  split: z.enum(['tune', 'report']).default('tune'),
  /** Save every Nth rollout frame as PNG (0 = none). */
  saveFramesEvery: nonNegativeInt.default(0),
  /** Stop a rollout after this many steps (default: the robot's episode length). */
  maxSteps: upTo(LIMITS.episodeLength).optional(),
  /**
   * Episodes run at once, each with its own simulator and predictor (unset: the machine's cores;
   * always 1 with `--realtime`). Every episode's result is the same whatever the count.
   */
  workers: upTo(LIMITS.threads).optional(),
});

export const ablationSchema = z.strictObject({
  /** Config key (dotted path) -> values to try; the grid is their cartesian product. */
  grid: z.record(z.string().min(1), z.array(z.unknown()).min(1)),
  /** Training seeds per grid cell (written to train.seed). */
  seeds: z.array(nonNegativeInt.max(LIMITS.seed)).min(1).default([0, 1, 2]),
  /**
   * Where trials train, one folder per training config (a hash of everything but `execution`,
   * `eval`, `name`, `outputDir`): trials that differ only in how the policy is run share one
   * training. Two ablations pointing at the same folder share it too. Default `<outputDir>/training`.
   */
  trainingDir: z.string().min(1).optional(),
});

export const experimentSchema = z.strictObject({
  name: z.string().min(1).default('experiment'),
  robot: robotSchema,
  dataset: datasetSchema,
  runtime: runtimeSchema.prefault({}),
  encoders: z.array(kindOptionsSchema).min(1),
  decoder: kindOptionsSchema,
  policy: policySchema.prefault({}),
  cvae: cvaeSchema.prefault({}),
  execution: executionSchema.prefault({}),
  train: trainSchema.prefault({}),
  eval: evalSchema.prefault({}),
  /** Folder for checkpoints, metrics, plots and the resolved config. */
  outputDir: z.string().min(1),
  ablation: ablationSchema.optional(),
});

export type ExperimentConfig = z.infer<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;
export type SimRobotConfig = z.infer<typeof simRobotSchema>;
export type ServoRobotConfig = z.infer<typeof servoRobotSchema>;
export type AblationConfig = z.infer<typeof ablationSchema>;
