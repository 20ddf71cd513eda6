#!/usr/bin/env node
// CPU time per kernel of one ACT training step on the wasm backend, as one data-parallel worker runs
// it: `npm run bench:profile -- [--preset act-paper] [--batch 4] [--kernels native|wasm] [--blas-threads 1]
//                                [--steps 1] [--top 25] [--shapes 30] [--no-build]`
// Every wasm kernel is wrapped to add up process.cpuUsage() (user + system) around its outermost
// call, so the figures hold on a loaded machine, where `bench --profile`'s wall-clock kernel times
// (tf.profile) grow with the load. After one warm-up step, `steps` steps are measured (forward and
// backward through leanVariableGrads, as the Trainer's batchGradients; no optimizer). Prints the
// step's wall and CPU time, the kernels' CPU time per kernel and per kernel and input shapes.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: o } = parseArgs({
  options: {
    preset: { type: 'string', default: 'act-paper' },
    batch: { type: 'string', default: '4' },
    kernels: { type: 'string', default: 'native' },
    'blas-threads': { type: 'string', default: '1' },
    steps: { type: 'string', default: '1' },
    top: { type: 'string', default: '25' },
    shapes: { type: 'string', default: '30' },
    'no-build': { type: 'boolean', default: false },
  },
});
const int = (name) => {
  const v = Number(o[name]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${o[name]}`);
  return v;
};
if (!o['no-build']) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/experiments/tsconfig.lib.json'], { cwd: root, encoding: 'utf8' });
  if (tsc.status !== 0) process.stderr.write(`profile-act-step: tsc -b reported errors (continuing with the emitted build):\n${tsc.stdout}${tsc.stderr}`);
}
const dist = (p) => import(pathToFileURL(join(root, 'packages', p)).href);
await import('reflect-metadata');
const tf = await import('@tensorflow/tfjs-core');
const core = await dist('cvae-core/dist/index.js');
const training = await dist('cvae-core/dist/training/index.js');
const { buildActPolicy } = await dist('experiments/dist/act/build-act-policy.js');
const { benchPolicyParts, readBenchPreset } = await dist('experiments/dist/act/bench-preset.js');
const { featuresOfKind } = await import('@actfusion/contracts');

const B = int('batch');
const runtime = await core.createRuntime({ backend: 'wasm', seed: 0, kernels: o.kernels, blasThreads: int('blas-threads') });
const { preset } = await readBenchPreset(o.preset);
process.stderr.write(`profile-act-step: ${o.preset} (${preset.height}x${preset.width}), batch ${B}, ${runtime.kernelReason}\n`);
const { config, spec, width } = benchPolicyParts(preset);
const { policy } = buildActPolicy({ config, spec, vision: { width }, seed: 0 });
const rng = new core.Rng(1);
const images = {};
for (const f of featuresOfKind(spec, 'image')) images[f.key] = tf.randomUniform([B, preset.height, preset.width, 3], 0, 1, 'float32', rng.opSeed());
const batch = core.assembleBatch(policy.encoders, tf.randomNormal([B, preset.state_dim], 0, 1, 'float32', rng.opSeed()), images);
const k = preset.chunk;
const action = tf.randomNormal([B, k, preset.action_dim], 0, 1, 'float32', rng.opSeed());
const padFrom = k - Math.floor(k / 5);
const isPad = tf.tensor2d(Array.from({ length: B * k }, (_, i) => (i % k >= padFrom ? 1 : 0)), [B, k]);
const vars = policy.trainableParameters().map(([, v]) => v);
policy.train();
const step = () => {
  const { value, grads } = training.leanVariableGrads(() => policy.computeLoss(batch, action, isPad, rng).loss, vars);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};

// Wrap every wasm kernel (kernels composed of other kernels count once, at the outermost call).
const byShape = new Map();
let depth = 0;
let counting = false;
for (const cfg of tf.getKernelsForBackend('wasm')) {
  const inner = cfg.kernelFunc;
  tf.unregisterKernel(cfg.kernelName, 'wasm');
  tf.registerKernel({
    ...cfg,
    kernelFunc: (args) => {
      if (!counting || depth > 0) return inner(args);
      depth++;
      const c0 = process.cpuUsage();
      try {
        return inner(args);
      } finally {
        const c = process.cpuUsage(c0);
        depth--;
        const shapes = JSON.stringify(Object.values(args.inputs).map((t) => t.shape));
        const key = `${cfg.kernelName} ${shapes}`;
        const e = byShape.get(key) ?? { kernel: cfg.kernelName, shapes, calls: 0, ms: 0 };
        e.calls++;
        e.ms += (c.user + c.system) / 1000;
        byShape.set(key, e);
      }
    },
  });
}

const fmt = (v) => v.toFixed(1).padStart(9);
step();
const steps = int('steps');
for (let s = 0; s < steps; s++) {
  byShape.clear();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  counting = true;
  step();
  counting = false;
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  const byKernel = new Map();
  for (const e of byShape.values()) {
    const k2 = byKernel.get(e.kernel) ?? { kernel: e.kernel, calls: 0, ms: 0 };
    k2.calls += e.calls;
    k2.ms += e.ms;
    byKernel.set(e.kernel, k2);
  }
  const total = [...byKernel.values()].reduce((a, e) => a + e.ms, 0);
  console.log(`step ${s + 1}: wall ${wall.toFixed(0)} ms, CPU ${((c.user + c.system) / 1000).toFixed(0)} ms, of which kernels ${total.toFixed(0)} ms`);
  console.log(`  ${'kernel'.padEnd(28)} ${'calls'.padStart(5)} ${'CPU ms'.padStart(9)}  share`);
  for (const e of [...byKernel.values()].sort((a, b) => b.ms - a.ms).slice(0, int('top'))) {
    console.log(`  ${e.kernel.padEnd(28)} ${String(e.calls).padStart(5)} ${fmt(e.ms)} ${((100 * e.ms) / total).toFixed(1).padStart(5)}%`);
  }
  console.log(`  by input shapes:`);
  for (const e of [...byShape.values()].sort((a, b) => b.ms - a.ms).slice(0, int('shapes'))) {
    console.log(`  ${e.kernel.padEnd(28)} ${String(e.calls).padStart(5)} ${fmt(e.ms)}  ${e.shapes}`);
  }
}
runtime.dispose();
