#!/usr/bin/env node
// Kernel benchmark of the wasm backend: GFLOP/s of Conv2D forward, Conv2DBackpropInput and
// Conv2DBackpropFilter at ResNet18's layer shapes, of a 512x512x512 MatMul, and the time of a whole
// ResNet18 backbone forward and forward + conv-weight gradients.
//
//   npm run bench:kernels [-- --batch 8 --height 96 --width 128 --min-ms 400 --builtin --no-build
//                             --kernels auto|native|wasm --blas-threads N]
// `--kernels native` times the OpenBLAS kernels of @actfusion/native-kernels (`--blas-threads`, default 1)
// in place of XNNPACK's; `wasm` the XNNPACK ones.
//
// Builds @actfusion/cvae-core (nx) and imports its dist/, so it measures what ships. FLOPs per call are
// 2*N*OH*OW*fh*fw*Ci*Co for each of the three conv kernels, 2*M*K*N for MatMul; time is the median of
// repeated calls (after one warm-up), each ending with the output read back. `--builtin` also times
// tfjs's own wasm Conv2DBackpropInput (slow: a few seconds) for comparison.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    batch: { type: 'string', default: '8' },
    height: { type: 'string', default: '96' },
    width: { type: 'string', default: '128' },
    'min-ms': { type: 'string', default: '400' },
    builtin: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    kernels: { type: 'string', default: 'auto' },
    'blas-threads': { type: 'string', default: '1' },
  },
});
const N = positiveInt('batch', opts.batch);
const H = positiveInt('height', opts.height);
const W = positiveInt('width', opts.width);
const minMs = positiveInt('min-ms', opts['min-ms']);

if (!opts['no-build']) {
  process.stderr.write('building @actfusion/cvae-core ...\n');
  try {
    execFileSync('npx', ['nx', 'run', '@actfusion/cvae-core:build', '--output-style=stream'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  } catch {
    process.stderr.write('bench:kernels: building @actfusion/cvae-core failed (see above); fix it or pass --no-build to use the existing dist/\n');
    process.exit(1);
  }
}

await import('reflect-metadata'); // cvae-core's tsyringe-decorated classes need the polyfill first
const tf = await import('@tensorflow/tfjs-core');
const core = await import(pathToFileURL(resolve(root, 'packages/cvae-core/dist/index.js')).href);
const training = await import(pathToFileURL(resolve(root, 'packages/cvae-core/dist/training/index.js')).href);
const runtime = await core.createRuntime({ backend: 'wasm', seed: 0, kernels: opts.kernels, blasThreads: positiveInt('blas-threads', opts['blas-threads']) });
process.stderr.write(`${runtime.reason}\n`);

// ResNet18 (torchvision) on an N x H x W x 3 image, PyTorch's explicit padding.
const out = (size, k, s, p) => Math.floor((size + 2 * p - k) / s) + 1;
const layers = [];
{
  let h = out(H, 7, 2, 3), w = out(W, 7, 2, 3);
  layers.push({ name: 'conv1 7x7/2 3->64', x: [N, H, W, 3], f: [7, 7, 3, 64], s: 2, p: 3 });
  h = out(h, 3, 2, 1); w = out(w, 3, 2, 1); // maxpool 3x3/2
  let c = 64;
  for (const [i, co] of [[1, 64], [2, 128], [3, 256], [4, 512]]) {
    if (co !== c) {
      layers.push({ name: `layer${i} 3x3/2 ${c}->${co}`, x: [N, h, w, c], f: [3, 3, c, co], s: 2, p: 1 });
      layers.push({ name: `layer${i} 1x1/2 ${c}->${co} (downsample)`, x: [N, h, w, c], f: [1, 1, c, co], s: 2, p: 0 });
      h = out(h, 3, 2, 1); w = out(w, 3, 2, 1);
    }
    layers.push({ name: `layer${i} 3x3/1 ${co}->${co}`, x: [N, h, w, co], f: [3, 3, co, co], s: 1, p: 1 });
    c = co;
  }
}

function time(fn) {
  tf.dispose(fn()); // warm-up (operator creation, heap growth)
  const times = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < minMs && times.length < 50)) {
    const t0 = performance.now();
    const r = fn();
    r.dataSync();
    times.push(performance.now() - t0);
    tf.dispose(r);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const rows = [];
const rng = runtime.rng;
for (const l of layers) {
  const pad = [[0, 0], [l.p, l.p], [l.p, l.p], [0, 0]];
  const x = tf.randomNormal(l.x, 0, 1, 'float32', rng.opSeed());
  const filter = tf.randomNormal(l.f, 0, 0.1, 'float32', rng.opSeed());
  const dy = tf.tidy(() => tf.randomNormal(tf.conv2d(x, filter, l.s, pad).shape, 0, 1, 'float32', rng.opSeed()));
  const flops = 2 * dy.shape[0] * dy.shape[1] * dy.shape[2] * l.f[0] * l.f[1] * l.f[2] * l.f[3];
  const attrs = { strides: l.s, pad, dataFormat: 'NHWC' };
  const row = { layer: l.name, x: l.x, dy: dy.shape, mflop: flops / 1e6 };
  row.forward_ms = time(() => tf.conv2d(x, filter, l.s, pad));
  row.backprop_input_ms = time(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: l.x }));
  row.backprop_filter_ms = time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: l.f }));
  if (opts.builtin) {
    training.unregisterWasmGradientKernels();
    row.builtin_backprop_input_ms = time(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: l.x }));
    training.registerWasmGradientKernels();
  }
  for (const k of ['forward', 'backprop_input', 'backprop_filter', 'builtin_backprop_input']) {
    if (row[`${k}_ms`] !== undefined) row[`${k}_gflops`] = flops / (row[`${k}_ms`] * 1e6);
  }
  rows.push(row);
  tf.dispose([x, filter, dy]);
}

const a = tf.randomNormal([512, 512], 0, 1, 'float32', rng.opSeed());
const b = tf.randomNormal([512, 512], 0, 1, 'float32', rng.opSeed());
const matmulMs = time(() => tf.matMul(a, b));
const matmulGflops = (2 * 512 ** 3) / (matmulMs * 1e6);
tf.dispose([a, b]);

// A whole ResNet18 backbone step (frozen BN as scale+shift, as ACT uses it): forward, then the gradients
// of every conv weight (the input image gets none), i.e. what training the backbone costs per batch.
const resnet = tf.tidy(() => {
  const weights = layers.map((l) => tf.variable(tf.randomNormal(l.f, 0, Math.sqrt(2 / (l.f[0] * l.f[1] * l.f[2])), 'float32', rng.opSeed())));
  const byName = new Map(layers.map((l, i) => [l.name, { ...l, w: weights[i] }]));
  return { weights, byName };
});
const image = tf.randomNormal([N, H, W, 3], 0, 1, 'float32', rng.opSeed());
const conv = (x, name) => {
  const l = resnet.byName.get(name);
  return tf.conv2d(x, l.w, l.s, [[0, 0], [l.p, l.p], [l.p, l.p], [0, 0]]);
};
const bn = (x) => tf.add(tf.mul(x, 0.5), 0.01);
function backbone() {
  let x = tf.relu(bn(conv(image, 'conv1 7x7/2 3->64')));
  x = tf.maxPool(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], -1e9), 3, 2, 'valid');
  let c = 64;
  for (const [i, co] of [[1, 64], [2, 128], [3, 256], [4, 512]]) {
    for (let block = 0; block < 2; block++) {
      const down = block === 0 && co !== c;
      const first = down ? `layer${i} 3x3/2 ${c}->${co}` : `layer${i} 3x3/1 ${co}->${co}`;
      const identity = down ? bn(conv(x, `layer${i} 1x1/2 ${c}->${co} (downsample)`)) : x;
      const y = bn(conv(tf.relu(bn(conv(x, first))), `layer${i} 3x3/1 ${co}->${co}`));
      x = tf.relu(tf.add(y, identity));
    }
    c = co;
  }
  return tf.mean(tf.square(x));
}
// (blocks of one stage share weights here: the cost per conv is the same as with separate weights)
const resnetForwardMs = time(() => backbone());
const resnetStepMs = time(() => {
  const { value, grads } = tf.variableGrads(backbone, resnet.weights);
  tf.dispose(Object.values(grads));
  return value;
});
tf.dispose([image, ...resnet.weights]);

const f1 = (v) => (v === undefined ? '-' : v.toFixed(1));
const header = ['layer', 'dy shape', 'MFLOP', 'fwd ms', 'fwd GF/s', 'dX ms', 'dX GF/s', 'dW ms', 'dW GF/s', ...(opts.builtin ? ['built-in dX GF/s'] : [])];
const table = rows.map((r) => [
  r.layer, `[${r.dy.join(',')}]`, f1(r.mflop), f1(r.forward_ms), f1(r.forward_gflops), f1(r.backprop_input_ms), f1(r.backprop_input_gflops),
  f1(r.backprop_filter_ms), f1(r.backprop_filter_gflops), ...(opts.builtin ? [f1(r.builtin_backprop_input_gflops)] : []),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(header));
for (const t of table) console.log(line(t));
const total = (k) => rows.reduce((s, r) => s + r.mflop, 0) / 1e3 / (rows.reduce((s, r) => s + r[`${k}_ms`], 0) / 1e3);
const summary = { forward: total('forward'), backprop_input: total('backprop_input'), backprop_filter: total('backprop_filter') };
console.log(`all layers (sum FLOP / sum time): forward ${summary.forward.toFixed(1)} GFLOP/s, backprop input ${summary.backprop_input.toFixed(1)}, backprop filter ${summary.backprop_filter.toFixed(1)}; MatMul 512x512x512 ${matmulMs.toFixed(1)} ms = ${matmulGflops.toFixed(1)} GFLOP/s`);
console.log(`ResNet18 backbone, batch ${N} ${H}x${W}: forward ${resnetForwardMs.toFixed(0)} ms, forward + conv-weight gradients ${resnetStepMs.toFixed(0)} ms`);
console.log(JSON.stringify({
  bench: 'kernels', backend: runtime.backend, kernel_path: runtime.kernelPath, reason: runtime.reason, input: [N, H, W, 3], node: process.version,
  gflops_all_layers: summary, matmul_512: { ms: matmulMs, gflops: matmulGflops },
  resnet18_backbone: { forward_ms: resnetForwardMs, forward_backward_ms: resnetStepMs }, layers: rows,
}));
runtime.dispose();

function positiveInt(name, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`bench:kernels: --${name} must be a positive integer, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return n;
}
