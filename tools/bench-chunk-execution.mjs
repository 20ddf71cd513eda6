#!/usr/bin/env node
// Cost of cvae-core's training data path and chunk execution, without the network:
//  - collate (normalise qpos/actions, images uint8 HWC -> float [0,1] tensors) at ALOHA sizes
//    (480x640, one camera, 14-dim state, chunk 100), batch 8 (a training step) and batch 1 (inference);
//  - ChunkExecutor per control tick for open-loop, temporal ensembling and real-time chunking at
//    ACT's sizes (chunk 100, 14-dim actions), with a source that returns a ready chunk, so only the
//    executor's own work is timed.
//
//   node tools/bench-chunk-execution.mjs [--steps 20000] [--backend cpu|wasm] [--no-build]
//
// Builds @actfusion/cvae-core (nx) and imports its dist/. Times are medians over repeats.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '20000' },
    backend: { type: 'string', default: 'wasm' },
    'no-build': { type: 'boolean', default: false },
  },
});
const steps = Number(opts.steps);
if (!Number.isInteger(steps) || steps < 100) throw new Error(`--steps must be an integer >= 100, got ${opts.steps}`);
if (!opts['no-build']) {
  execFileSync('npx', ['nx', 'run', '@actfusion/cvae-core:build', '--output-style=stream'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false' },
  });
}
await import('reflect-metadata');
const core = await import(pathToFileURL(resolve(root, 'packages/cvae-core/dist/index.js')).href);
const training = await import(pathToFileURL(resolve(root, 'packages/cvae-core/dist/training/index.js')).href);
const inference = await import(pathToFileURL(resolve(root, 'packages/cvae-core/dist/inference/index.js')).href);
const tf = await import('@tensorflow/tfjs-core');
const runtime = await core.createRuntime({ backend: opts.backend, seed: 1 });

const K = 100;
const A = 14;
const H = 480;
const W = 640;
const top = { key: 'observation.images.top', kind: 'image', shape: [H, W, 3] };
const spec = { stateDim: A, actionDim: A, features: [{ key: 'observation.state', kind: 'state', shape: [A] }, top] };
// What the vision encoder's featurise does for one camera (uint8 HWC -> [B, H, W, 3] in [0, 1]).
const featurisers = [{ name: 'vision', features: [top], featurise: (obs) => ({ [top.key]: core.stackImageFeature(obs, top, 'bench') }) }];
const stat = (n) => ({ mean: new Float32Array(n).fill(0.1), std: new Float32Array(n).fill(0.5), min: new Float32Array(n), max: new Float32Array(n).fill(1) });
const normalizer = core.Normalizer.fromStats({ 'observation.state': stat(A), action: stat(A) });
const image = { height: H, width: W, data: new Uint8Array(H * W * 3).map((_, i) => i % 251) };
const sample = {
  observation: { 'observation.state': new Float32Array(A).fill(0.3), 'observation.images.top': image },
  action: new Float32Array(K * A).fill(0.2),
  isPad: new Uint8Array(K),
  episodeIndex: 0,
  frameIndex: 0,
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function timeCollate(batch, repeats) {
  const times = [];
  for (let r = 0; r < repeats + 1; r++) {
    const t0 = performance.now();
    const c = training.collate(Array(batch).fill(sample), spec, normalizer, featurisers);
    training.disposeCollated(c);
    if (r > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

const chunk = Array.from({ length: K }, (_, i) => new Float32Array(A).fill(i));
const source = async () => chunk;
const obs = { 'observation.state': new Float32Array(A) };
async function timeExecutor(mode) {
  const ex = new inference.ChunkExecutor(source, K, mode);
  const per = [];
  for (let rep = 0; rep < 5; rep++) {
    ex.reset();
    const t0 = performance.now();
    for (let t = 0; t < steps / 5; t++) await ex.step(obs);
    per.push(((performance.now() - t0) * 1000) / (steps / 5));
  }
  return median(per);
}

const before = tf.memory().numTensors;
const result = {
  backend: runtime.backend,
  collate_b8_480x640_ms: +timeCollate(8, 5).toFixed(2),
  collate_b1_480x640_ms: +timeCollate(1, 9).toFixed(2),
  open_loop_us_per_step: +(await timeExecutor({ kind: 'open-loop', nActionSteps: K })).toFixed(2),
  temporal_ensemble_us_per_step: +(await timeExecutor({ kind: 'temporal-ensemble', coeff: 0.01 })).toFixed(2),
  rtc_us_per_step: +(await timeExecutor({ kind: 'real-time-chunking', executionHorizon: 25, inferenceDelay: 5, schedule: 'exp' })).toFixed(2),
  chunk_size: K,
  action_dim: A,
  steps,
  leaked_tensors: tf.memory().numTensors - before,
};
console.log('collate (batch 8, 480x640, chunk 100):', result.collate_b8_480x640_ms, 'ms');
console.log('collate (batch 1, 480x640):           ', result.collate_b1_480x640_ms, 'ms');
console.log('open-loop per tick:                    ', result.open_loop_us_per_step, 'us');
console.log('temporal ensemble per tick (k=100):    ', result.temporal_ensemble_us_per_step, 'us');
console.log('real-time chunking per tick (s=25,d=5):', result.rtc_us_per_step, 'us');
console.log(JSON.stringify(result));
runtime.dispose();
