import * as tf from '@tensorflow/tfjs-core';
import { AdamW, createRuntime, Rng, type BackendRequest, type ObservationBatch } from '@actfusion/cvae-core';
import { benchPolicyParts, type BenchPreset } from './bench-preset.js';
import { buildActPolicy } from './build-act-policy.js';

export interface ActBenchResult {
  readonly impl: string;
  readonly preset: string;
  readonly backend: string;
  readonly params: number;
  /** Median ms of forward + backward + AdamW at the preset's batch; null when the step failed. */
  readonly train_step_ms: number | null;
  /** Median ms of one chunk prediction at batch 1, z = 0. */
  readonly infer_ms: number;
  /** tfjs's peak bytes of live tensors during one training step (tf.profile), in MB. */
  readonly peak_tensor_mb: number | null;
  /** Largest resident set size seen during the run, in MB. */
  readonly peak_rss_mb: number;
  readonly steps: number;
  /** Why the training step failed (e.g. the wasm heap is too small for act-paper's batch). */
  readonly train_error?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
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
  options: { backend?: BackendRequest; steps?: number } = {},
): Promise<ActBenchResult> {
  const steps = options.steps ?? 5;
  const runtime = await createRuntime({ backend: options.backend ?? 'auto', seed: 0 });
  let peakRss = process.memoryUsage().rss;
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  try {
    const { config, spec, width } = benchPolicyParts(preset);
    const { policy } = buildActPolicy({ config, spec, vision: { width }, seed: 0 });
    const rng = new Rng(1);
    const B = preset.batch;
    const k = preset.chunk;
    const uniformImage = (b: number): tf.Tensor4D => tf.randomUniform([b, preset.height, preset.width, 3], 0, 1, 'float32', rng.opSeed());
    const images: Record<string, tf.Tensor4D> = {};
    for (const cam of Object.keys(spec.cameras)) images[cam] = uniformImage(B);
    const batch: ObservationBatch = { qpos: tf.randomNormal([B, preset.state_dim], 0, 1, 'float32', rng.opSeed()), images };
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
    const one: ObservationBatch = {
      qpos: tf.slice(batch.qpos, [0, 0], [1, preset.state_dim]),
      images: Object.fromEntries(Object.entries(images).map(([c, t]) => [c, tf.slice(t, [0, 0, 0, 0], [1, -1, -1, -1])])),
    };
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
    let profile: { peakBytes: number } | null = null;
    const times: number[] = [];
    let trainError: string | undefined;
    try {
      profile = await tf.profile(() => trainStep());
      sampleRss();
      for (let i = 0; i < steps; i++) {
        const t = performance.now();
        trainStep();
        times.push(performance.now() - t);
        sampleRss();
      }
    } catch (err) {
      trainError = err instanceof Error ? err.message : String(err);
      if (runtime.backend === 'wasm') {
        trainError = `the wasm backend failed during a training step (${trainError}); a 32-bit wasm heap holds at most 4 GB, and the activations of this batch likely exceed it (act-small at batch 8 peaks near 1 GB of tensors; act-paper has 25x its pixels) — use --backend tensorflow (@tensorflow/tfjs-node) for this preset`;
      }
    }
    const result: ActBenchResult = {
      impl: `actfusion-tfjs-${tf.version_core}`,
      preset: presetName,
      backend: runtime.backend,
      params: policy.parameterCount(),
      train_step_ms: times.length > 0 ? Math.round(median(times) * 10) / 10 : null,
      infer_ms: Math.round(median(inf) * 10) / 10,
      peak_tensor_mb: profile ? Math.round(profile.peakBytes / 1e5) / 10 : null,
      peak_rss_mb: Math.round(peakRss / 1e5) / 10,
      steps,
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
