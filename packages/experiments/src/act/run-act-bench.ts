import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { assembleBatch, createRuntime, Rng, type BackendRequest, type KernelPathRequest, type ObservationBatch } from '@actfusion/cvae-core';
import { AdamW, Trainer, type MicroBatchSetting } from '@actfusion/cvae-core/training';
import { featuresOfKind } from '@actfusion/contracts';
import { BenchDataset } from './bench-dataset.js';
import { benchPolicyFactory } from './bench-policy-factory.js';
import { benchPolicyParts, type BenchPreset } from './bench-preset.js';
import { buildActPolicy } from './build-act-policy.js';
import { median } from './bench-rounds.js';
import { kernelShapeTotals, kernelTotals, type KernelTotal, type ProfileInfo } from './kernel-profile.js';

export interface ActBenchResult {
  readonly impl: string;
  readonly preset: string;
  readonly backend: string;
  /** The wasm backend's kernel path (`native` = OpenBLAS) and why, null on other backends. */
  readonly kernel_path: 'native' | 'wasm' | null;
  readonly kernel_reason: string;
  readonly params: number;
  /**
   * Median ms of a training step at the preset's batch through the Trainer (collate, forward,
   * backward, gradient norm, AdamW), after one warm-up step; null when the step failed.
   */
  readonly train_step_ms: number | null;
  /** Data-parallel workers of the timed training, and the micro-batch setting. */
  readonly workers: number;
  readonly micro_batch: MicroBatchSetting;
  /** Median ms of one chunk prediction at batch 1, z = 0. */
  readonly infer_ms: number;
  /** With `profile`: tfjs's peak bytes of live tensors during one in-thread training step (tf.profile), in MB. */
  readonly peak_tensor_mb: number | null;
  /** The process's peak resident set size (MiB), the same measure as the peer's `peak_rss_mb`. */
  readonly peak_rss_mb: number;
  readonly steps: number;
  /** With `profile`: kernel time of one training step summed per kernel, largest first. */
  readonly kernels?: KernelTotal[];
  /** With `profile`: the most expensive kernel calls by input shapes. */
  readonly kernel_calls?: { kernel: string; shapes: string; calls: number; ms: number }[];
  /** With `profile`: the wall time of the profiled step and the summed kernel time, ms. */
  readonly profiled_step_ms?: number;
  readonly kernel_ms?: number;
  /**
   * Where the memory sat after training (MiB): per thread the wasm heap (its high-water mark), live
   * tensors and V8 heap; the worker pool's shared buffers.
   */
  readonly memory?: { threads: { thread: string; wasm_heap_mb: number | null; tensor_mb: number; js_heap_mb: number }[]; shared_mb: number };
  /** Why the training step failed (e.g. the wasm heap is too small for act-paper's batch). */
  readonly train_error?: string;
}


/**
 * The same work as the PyTorch peer's benchmark (`act_torch.py`): one warm-up step, then `steps`
 * timed training steps (batch from the preset, random state/images/actions, the last fifth of the
 * chunk padded, L1 + klWeight * KL, AdamW lr from the preset, weight decay 1e-4), then `steps`
 * timed batch-1 predictions. Times are medians.
 */
export async function runActBench(
  presetName: string,
  preset: BenchPreset,
  options: { backend?: BackendRequest; kernels?: KernelPathRequest; steps?: number; profile?: boolean; workers?: number; microBatch?: MicroBatchSetting } = {},
): Promise<ActBenchResult> {
  const steps = options.steps ?? 5;
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), preset.batch));
  const microBatch = options.microBatch ?? 'auto';
  const kernels = options.kernels ?? 'auto';
  const runtime = await createRuntime({ backend: options.backend ?? 'auto', seed: 0, kernels });
  process.stderr.write(`bench: ${runtime.backend} backend, ${runtime.kernelReason}\n`);
  // The process's peak resident set size (the kernel's high-water mark, KiB), like the peer's ru_maxrss.
  let peakRss = 0;
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  };
  try {
    const { config, spec, width } = benchPolicyParts(preset);
    const { policy } = buildActPolicy({ config, spec, vision: { width }, seed: 0 });
    const rng = new Rng(1);
    const B = preset.batch;
    const k = preset.chunk;
    const uniformImage = (b: number): tf.Tensor4D => tf.randomUniform([b, preset.height, preset.width, 3], 0, 1, 'float32', rng.opSeed());
    const images: Record<string, tf.Tensor4D> = {};
    for (const f of featuresOfKind(spec, 'image')) images[f.key] = uniformImage(B);
    const batch: ObservationBatch = assembleBatch(policy.encoders, tf.randomNormal([B, preset.state_dim], 0, 1, 'float32', rng.opSeed()), images);
    const action = tf.randomNormal([B, k, preset.action_dim], 0, 1, 'float32', rng.opSeed()) as tf.Tensor3D;
    const padFrom = k - Math.floor(k / 5);
    const isPad = tf.tensor2d(Array.from({ length: B * k }, (_, i) => (i % k >= padFrom ? 1 : 0)), [B, k]);
    const params = policy.trainableParameters();
    const optimizer = new AdamW([{ name: 'all', params, lr: preset.lr }], { weightDecay: 1e-4 });
    const trainStep = (): void => {
      const { value, grads } = tf.variableGrads(
        () => policy.computeLoss(batch, action, isPad, rng).loss,
        params.map(([, v]) => v),
      );
      const byName = new Map(params.filter(([, v]) => grads[v.name]).map(([n, v]) => [n, grads[v.name]!]));
      optimizer.step(byName);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    };
    policy.eval();
    const one: ObservationBatch = assembleBatch(
      policy.encoders,
      tf.slice(batch.qpos, [0, 0], [1, preset.state_dim]),
      Object.fromEntries(Object.entries(images).map(([k, t]) => [k, tf.slice(t, [0, 0, 0, 0], [1, -1, -1, -1])])),
    );
    const infer = (): void => {
      const out = policy.predictChunk(one);
      out.dataSync();
      out.dispose();
    };
    infer();
    const inf: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t = performance.now();
      infer();
      inf.push(performance.now() - t);
      sampleRss();
    }
    // Training last: a step too large for the backend's memory (act-paper on wasm) aborts the
    // backend, and inference has been measured by then.
    policy.train();
    let profile: ProfileInfo | null = null;
    let profiledMs = 0;
    const times: number[] = [];
    let trainError: string | undefined;
    let memory: ActBenchResult['memory'];
    try {
      if (options.profile) {
        const t0 = performance.now();
        profile = await tf.profile(() => trainStep());
        profiledMs = performance.now() - t0;
        sampleRss();
      }
      const stamps: number[] = [];
      const trainer = new Trainer(policy, new BenchDataset(spec, preset), {
        steps: steps + 1,
        batchSize: B,
        lr: preset.lr,
        backboneLr: preset.lr,
        weightDecay: 1e-4,
        gradClipNorm: null,
        seed: 1,
        workers,
        microBatch,
        ...(workers > 1 ? { policyFactory: benchPolicyFactory({ preset, backend: runtime.backend, kernels }) } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
        onProgress: () => {
          stamps.push(performance.now());
          sampleRss();
        },
      });
      try {
        await trainer.train();
        sampleRss();
        const m = await trainer.memoryReport();
        const mib = (b: number): number => Math.round(b / 104857.6) / 10;
        memory = {
          threads: m.threads.map((t) => ({ thread: t.thread, wasm_heap_mb: t.wasmHeapBytes === null ? null : mib(t.wasmHeapBytes), tensor_mb: mib(t.tensorBytes), js_heap_mb: mib(t.jsHeapBytes) })),
          shared_mb: mib(m.sharedBytes),
        };
      } finally {
        await trainer.close();
        trainer.dispose();
      }
      for (let i = 1; i < stamps.length; i++) times.push(stamps[i]! - stamps[i - 1]!);
    } catch (err) {      trainError = err instanceof Error ? err.message : String(err);
      if (runtime.backend === 'wasm') {
        trainError = `the wasm backend failed during a training step (${trainError}); a 32-bit wasm heap holds at most 4 GB, and the activations of this batch likely exceed it (act-small at batch 8 peaks near 1 GB of tensors; act-paper has 25x its pixels) — set --micro-batch (train.microBatch) smaller, or use --backend tensorflow (@tensorflow/tfjs-node)`;
      }
    }
    const result: ActBenchResult = {
      impl: `actfusion-tfjs-${tf.version_core}`,
      preset: presetName,
      backend: runtime.backend,
      kernel_path: runtime.kernelPath,
      kernel_reason: runtime.kernelReason,
      params: policy.parameterCount(),
      workers,
      micro_batch: microBatch,
      train_step_ms: times.length > 0 ? Math.round(median(times) * 10) / 10 : null,
      infer_ms: Math.round(median(inf) * 10) / 10,
      peak_tensor_mb: profile ? Math.round(profile.peakBytes / 1e5) / 10 : null,
      peak_rss_mb: Math.round(peakRss / 104857.6) / 10,
      steps,
      ...(options.profile && profile
        ? {
            profiled_step_ms: Math.round(profiledMs),
            kernel_ms: Math.round(kernelTotals(profile).reduce((a, k) => a + k.ms, 0)),
            kernels: kernelTotals(profile).slice(0, 20),
            kernel_calls: kernelShapeTotals(profile, 25),
          }
        : {}),
      ...(memory ? { memory } : {}),
      ...(trainError !== undefined ? { train_error: trainError } : {}),
    };
    if (trainError === undefined) {
      optimizer.dispose();
      policy.dispose();
    }
    return result;
  } finally {
    try {
      runtime.dispose();
    } catch (err) {
      // After a wasm abort the backend cannot free its heap; the process exits soon anyway.
      process.stderr.write(`bench: runtime.dispose failed after a failed step: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}
