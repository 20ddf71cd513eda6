import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { createRuntime, encodeOnnxModel, exportActPolicyOnnx, Rng, type BackendRequest, type ObservationBatch } from '@actfusion/cvae-core';
import { benchPolicyParts, type BenchPreset } from './bench-preset.js';
import { buildActPolicy } from './build-act-policy.js';
import type { TorchLatencyPeer } from './torch-latency-peer.js';

/** One measured configuration of the batch-1 latency bench. */
export interface LatencyRow {
  readonly latency: true;
  readonly preset: string;
  readonly runtime: string;
  readonly threads: number;
  /** ONNX Runtime's graph optimisation level (ONNX rows only). */
  readonly graph_optimization?: string;
  readonly median_ms: number;
  readonly samples: number;
}

/** ONNX Runtime / PyTorch at the same thread count: median of the per-round ratios. */
export interface LatencyRatio {
  readonly ratio: string;
  readonly preset: string;
  readonly threads: number;
  readonly value: number;
  readonly goal?: number;
}

export interface LatencyBenchOptions {
  readonly backend?: BackendRequest;
  readonly threads?: readonly number[];
  /** Alternation rounds (each runs every runtime `iterations` times). */
  readonly rounds?: number;
  readonly iterations?: number;
  /** The PyTorch peer, when it can run. */
  readonly peer?: TorchLatencyPeer | null;
  /** ORT/PyTorch goal to print beside the ratio. */
  readonly goal?: number;
  readonly log?: (line: string) => void;
}

const LEVELS = ['basic', 'extended', 'all'] as const;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const round2 = (x: number): number => Math.round(x * 100) / 100;

async function timeAsync(n: number, f: () => Promise<unknown>): Promise<number[]> {
  await f();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * Batch-1 inference latency of the preset's ACT in ONNX Runtime (the graph `actfusion export`
 * writes, float NCHW images, network units like the peer), in tfjs (the configured backend, one
 * thread) and in the PyTorch peer, at each thread count. First each ONNX Runtime graph
 * optimisation level is timed and the fastest kept; then the runtimes alternate for `rounds`
 * rounds, so they share the machine's load; ratios are medians of per-round ratios.
 */
export async function runLatencyBench(presetName: string, preset: BenchPreset, options: LatencyBenchOptions = {}): Promise<{ rows: LatencyRow[]; ratios: LatencyRatio[] }> {
  const threads = options.threads ?? [1, 2];
  const rounds = options.rounds ?? 5;
  const iterations = options.iterations ?? 5;
  const log = options.log ?? (() => undefined);
  const runtime = await createRuntime({ backend: options.backend ?? 'auto', seed: 0 });
  const sessions: ort.InferenceSession[] = [];
  try {
    const { config, spec, width } = benchPolicyParts(preset);
    const { policy } = buildActPolicy({ config, spec, vision: { width, normalize: 'none' }, seed: 0 });
    policy.eval();
    const rng = new Rng(1);
    const images: Record<string, tf.Tensor4D> = {};
    for (const cam of Object.keys(spec.cameras)) images[cam] = tf.randomUniform([1, preset.height, preset.width, 3], 0, 1, 'float32', rng.opSeed());
    const one: ObservationBatch = { qpos: tf.randomNormal([1, preset.state_dim], 0, 1, 'float32', rng.opSeed()), images };
    const feeds: Record<string, ort.Tensor> = { 'observation.state': new ort.Tensor('float32', Float32Array.from(one.qpos.dataSync()), [1, preset.state_dim]) };
    for (const [cam, img] of Object.entries(images)) {
      const chw = tf.tidy(() => tf.transpose(img, [0, 3, 1, 2]));
      feeds[`observation.images.${cam}`] = new ort.Tensor('float32', Float32Array.from(chw.dataSync()), chw.shape);
      chw.dispose();
    }
    const model = encodeOnnxModel(exportActPolicyOnnx(policy, { imageInput: 'float-chw' }));
    log(`latency ${presetName}: ONNX graph ${(model.byteLength / 1e6).toFixed(1)} MB, ${policy.parameterCount()} parameters`);
    const tfjsInfer = async (): Promise<void> => {
      const out = policy.predictChunk(one);
      await out.data();
      out.dispose();
    };
    const ortVersion = ort.env.versions.common;
    const rows: LatencyRow[] = [];
    const best = new Map<number, { level: string; session: ort.InferenceSession }>();
    for (const t of threads) {
      let chosen: { level: string; session: ort.InferenceSession; ms: number } | null = null;
      for (const level of LEVELS) {
        const session = await ort.InferenceSession.create(model, { intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: level });
        sessions.push(session);
        const ms = median(await timeAsync(iterations, () => session.run(feeds)));
        log(`latency ${presetName}: onnxruntime ${t} thread(s), graph optimisation ${level}: ${ms.toFixed(1)} ms (calibration)`);
        if (chosen === null || ms < chosen.ms) chosen = { level, session, ms };
      }
      best.set(t, chosen!);
    }
    const samples = { ort: new Map<number, number[]>(), torch: new Map<number, number[]>(), tfjs: [] as number[] };
    const perRound = new Map<number, number[]>();
    for (let r = 0; r < rounds; r++) {
      for (const t of threads) {
        const o = median(await timeAsync(iterations, () => best.get(t)!.session.run(feeds)));
        samples.ort.set(t, [...(samples.ort.get(t) ?? []), o]);
        if (options.peer) {
          const p = median(await options.peer.run(t, iterations));
          samples.torch.set(t, [...(samples.torch.get(t) ?? []), p]);
          perRound.set(t, [...(perRound.get(t) ?? []), o / p]);
        }
      }
      samples.tfjs.push(median(await timeAsync(iterations, tfjsInfer)));
      log(`latency ${presetName}: round ${r + 1}/${rounds} done`);
    }
    for (const t of threads) {
      rows.push({ latency: true, preset: presetName, runtime: `onnxruntime-${ortVersion}`, threads: t, graph_optimization: best.get(t)!.level, median_ms: round2(median(samples.ort.get(t)!)), samples: rounds });
      if (options.peer) rows.push({ latency: true, preset: presetName, runtime: options.peer.impl, threads: t, median_ms: round2(median(samples.torch.get(t)!)), samples: rounds });
    }
    rows.push({ latency: true, preset: presetName, runtime: `tfjs-${tf.version_core}-${runtime.backend}`, threads: 1, median_ms: round2(median(samples.tfjs)), samples: rounds });
    const ratios: LatencyRatio[] = [...perRound].map(([t, rs]) => ({
      ratio: 'onnxruntime / pytorch',
      preset: presetName,
      threads: t,
      value: round2(median(rs)),
      ...(options.goal !== undefined ? { goal: options.goal } : {}),
    }));
    policy.dispose();
    tf.dispose([one.qpos, ...Object.values(images)]);
    return { rows, ratios };
  } finally {
    for (const s of sessions) await s.release();
    runtime.dispose();
  }
}
