import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { assembleBatch, createRuntime, Rng, type BackendRequest, type ObservationBatch } from '@actfusion/cvae-core';
import { encodeOnnxModel, exportActPolicyOnnx } from '@actfusion/cvae-core/io';
import { featuresOfKind } from '@actfusion/contracts';
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
  /** Median wall-clock ms of one batch-1 prediction. */
  readonly median_ms: number;
  /** Median process CPU ms of one prediction (all the runtime's threads; less sensitive to a loaded machine). */
  readonly median_cpu_ms: number;
  readonly samples: number;
}

/** ONNX Runtime / PyTorch at the same thread count: median of the per-round ratios. */
export interface LatencyRatio {
  readonly ratio: string;
  readonly preset: string;
  readonly threads: number;
  /** Wall-clock ratio. */
  readonly value: number;
  /** Process-CPU-time ratio. */
  readonly cpu_value: number;
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

interface Timed {
  readonly wall: number[];
  readonly cpu: number[];
}

/** One untimed call, then `n` timed ones: wall ms and this process's CPU ms (every thread). */
async function timeAsync(n: number, f: () => Promise<unknown>): Promise<Timed> {
  await f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await f();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall, cpu };
}

/** Per-round medians of one runtime configuration. */
class Samples {
  readonly wall: number[] = [];
  readonly cpu: number[] = [];
  add(t: Timed): { wall: number; cpu: number } {
    const r = { wall: median(t.wall), cpu: median(t.cpu) };
    this.wall.push(r.wall);
    this.cpu.push(r.cpu);
    return r;
  }
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
    for (const f of featuresOfKind(spec, 'image')) images[f.key] = tf.randomUniform([1, preset.height, preset.width, 3], 0, 1, 'float32', rng.opSeed());
    const one: ObservationBatch = assembleBatch(policy.encoders, tf.randomNormal([1, preset.state_dim], 0, 1, 'float32', rng.opSeed()), images);
    const feeds: Record<string, ort.Tensor> = { 'observation.state': new ort.Tensor('float32', Float32Array.from(one.qpos.dataSync()), [1, preset.state_dim]) };
    for (const [key, img] of Object.entries(images)) {
      const chw = tf.tidy(() => tf.transpose(img, [0, 3, 1, 2]));
      feeds[key] = new ort.Tensor('float32', Float32Array.from(chw.dataSync()), chw.shape);
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
    // Graph optimisation levels, timed in alternation (the machine's load drifts), the fastest kept.
    const candidates = new Map<number, { level: string; session: ort.InferenceSession; samples: Samples }[]>();
    for (const t of threads) {
      const list = [];
      for (const level of LEVELS) {
        const session = await ort.InferenceSession.create(model, { intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: level });
        sessions.push(session);
        list.push({ level, session, samples: new Samples() });
      }
      candidates.set(t, list);
    }
    const calibrationRounds = Math.max(2, Math.ceil(rounds / 2));
    for (let r = 0; r < calibrationRounds; r++) {
      for (const t of threads) for (const c of candidates.get(t)!) c.samples.add(await timeAsync(iterations, () => c.session.run(feeds)));
    }
    const best = new Map<number, { level: string; session: ort.InferenceSession }>();
    for (const t of threads) {
      const list = candidates.get(t)!;
      for (const c of list) log(`latency ${presetName}: onnxruntime ${t} thread(s), graph optimisation ${c.level}: ${median(c.samples.wall).toFixed(1)} ms wall, ${median(c.samples.cpu).toFixed(1)} ms CPU (calibration)`);
      const chosen = list.reduce((a, b) => (median(b.samples.wall) < median(a.samples.wall) ? b : a));
      best.set(t, chosen);
    }
    const ortSamples = new Map(threads.map((t) => [t, new Samples()]));
    const torchSamples = new Map(threads.map((t) => [t, new Samples()]));
    const tfjsSamples = new Samples();
    const perRound = new Map(threads.map((t) => [t, { wall: [] as number[], cpu: [] as number[] }]));
    for (let r = 0; r < rounds; r++) {
      for (const t of threads) {
        const o = ortSamples.get(t)!.add(await timeAsync(iterations, () => best.get(t)!.session.run(feeds)));
        if (options.peer) {
          const p = torchSamples.get(t)!.add(await options.peer.run(t, iterations));
          perRound.get(t)!.wall.push(o.wall / p.wall);
          perRound.get(t)!.cpu.push(o.cpu / p.cpu);
        }
      }
      tfjsSamples.add(await timeAsync(iterations, tfjsInfer));
      log(`latency ${presetName}: round ${r + 1}/${rounds} done`);
    }
    const row = (runtimeName: string, t: number, s: Samples, level?: string): LatencyRow => ({
      latency: true,
      preset: presetName,
      runtime: runtimeName,
      threads: t,
      ...(level ? { graph_optimization: level } : {}),
      median_ms: round2(median(s.wall)),
      median_cpu_ms: round2(median(s.cpu)),
      samples: s.wall.length,
    });
    for (const t of threads) {
      rows.push(row(`onnxruntime-${ortVersion}`, t, ortSamples.get(t)!, best.get(t)!.level));
      if (options.peer) rows.push(row(options.peer.impl, t, torchSamples.get(t)!));
    }
    rows.push(row(`tfjs-${tf.version_core}-${runtime.backend}`, 1, tfjsSamples));
    const ratios: LatencyRatio[] = options.peer
      ? threads.map((t) => ({
          ratio: 'onnxruntime / pytorch',
          preset: presetName,
          threads: t,
          value: round2(median(perRound.get(t)!.wall)),
          cpu_value: round2(median(perRound.get(t)!.cpu)),
          ...(options.goal !== undefined ? { goal: options.goal } : {}),
        }))
      : [];
    policy.dispose();
    tf.dispose([one.qpos, ...Object.values(images)]);
    return { rows, ratios };
  } finally {
    for (const s of sessions) await s.release();
    runtime.dispose();
  }
}
