import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeKernels, NATIVE_ADDON_ENV } from '@actfusion/native-kernels';
import { recordDemonstrations } from '../src/pipeline/record-demonstrations.js';

const pkgRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = resolve(pkgRoot, '..', '..');
const runCli = fileURLToPath(new URL('./support/run-cli.mjs', import.meta.url));
let dir: string;

beforeAll(async () => {
  // The workers build the policy from the built packages (worker threads run JavaScript).
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/experiments/tsconfig.lib.json'], { cwd: repoRoot });
  dir = await mkdtemp(join(tmpdir(), 'af-train-workers-'));
  await recordDemonstrations({ task: 'transfer-cube', episodes: 2, out: join(dir, 'data'), format: 'aloha-hdf5', cameras: [{ name: 'top', height: 24, width: 32 }], episodeLength: 12, onlySuccessful: false });
}, 600_000);

function train(name: string, extra: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; output: string; losses: number[]; valLosses: number[] } {
  const out = join(dir, name);
  const sets = [
    'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12',
    `dataset.path=${join(dir, 'data')}`, 'dataset.episodes=2', `outputDir=${out}`,
    'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
    'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', 'train.steps=3', 'train.batchSize=4', 'train.saveFreq=3', 'train.logFreq=1',
    'train.lr=1e-4', ...extra,
  ];
  const r = spawnSync(process.execPath, [runCli, 'train', '-c', 'act-small', ...sets.flatMap((s) => ['--set', s])], { cwd: pkgRoot, encoding: 'utf8', env });
  const output = `${r.stdout}${r.stderr}`;
  let records: Array<{ loss: number; val_loss?: number }> = [];
  if (r.status === 0) records = spawnSync('cat', [join(out, 'metrics.jsonl')], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l) as { loss: number; val_loss?: number });
  return { status: r.status, output, losses: records.map((m) => m.loss), valLosses: records.flatMap((m) => (m.val_loss === undefined ? [] : [m.val_loss])) };
}

describe('actfusion train with train.workers (real ACT: ResNet encoder, CVAE, dropout; cpu)', () => {
  it('2 workers give the losses of 1 (per-sample dropout and VAE noise) and the same validation losses (the weights come back from the workers), and say so', async () => {
    const one = train('one', ['train.workers=1', 'dataset.valFraction=0.5']);
    expect(one.status, one.output).toBe(0);
    const two = train('two', ['train.workers=2', 'train.microBatch=1', 'dataset.valFraction=0.5']);
    expect(two.status, two.output).toBe(0);
    expect(two.output).toMatch(/train\.workers: 2 data-parallel workers, each with a shard of 2 samples of every batch/);
    expect(one.losses).toHaveLength(3);
    for (let i = 0; i < 3; i++) expect(Math.abs(two.losses[i]! - one.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-4 * Math.max(1, one.losses[i]!));
    expect(one.valLosses).toHaveLength(3);
    expect(new Set(one.valLosses).size).toBe(3);
    for (let i = 0; i < 3; i++) expect(Math.abs(two.valLosses[i]! - one.valLosses[i]!), `val step ${i + 1}`).toBeLessThan(1e-4 * Math.max(1, one.valLosses[i]!));
    const resolved = await readFile(join(dir, 'two', 'config.resolved.yaml'), 'utf8');
    expect(resolved).toMatch(/workers: 2/);
    expect(resolved).toMatch(/microBatch: 1/);
  });

  it('rejects more workers than the batch, naming the field', () => {
    const r = train('bad', ['train.workers=5']);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/train\.workers.*expected at most train\.batchSize \(4\) workers.*got 5/);
  });
});

describe('actfusion train with runtime.kernels (wasm backend: native OpenBLAS kernels or XNNPACK)', () => {
  const wasm = ['runtime.backend=wasm', 'train.workers=1'];
  const native = loadNativeKernels();

  it.skipIf(!native.ok)('native kernels track the wasm kernels\' losses and say which path runs (needs libopenblas-dev)', () => {
    const byWasm = train('k-wasm', [...wasm, 'runtime.kernels=wasm']);
    expect(byWasm.status, byWasm.output).toBe(0);
    expect(byWasm.output).toMatch(/runtime: wasm backend, kernels: wasm \(XNNPACK; runtime\.kernels = wasm\)/);
    const byNative = train('k-native', [...wasm, 'runtime.kernels=native']);
    expect(byNative.status, byNative.output).toBe(0);
    expect(byNative.output).toMatch(/runtime: wasm backend, kernels: native \(OpenBLAS [\d.]+, .*\) for BatchMatMul, Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter/);
    expect(byWasm.losses).toHaveLength(3);
    expect(new Set(byWasm.losses).size).toBe(3);
    for (let i = 0; i < 3; i++) expect(Math.abs(byNative.losses[i]! - byWasm.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-3 * Math.max(1, byWasm.losses[i]!));
  });

  it('without the addon, auto falls back to wasm with one log line saying why; native refuses', () => {
    const env = { ...process.env, [NATIVE_ADDON_ENV]: '/nonexistent/actfusion_native_kernels.node' };
    const auto = train('k-absent', [...wasm, 'train.steps=1'], env);
    expect(auto.status, auto.output).toBe(0);
    const lines = auto.output.split('\n').filter((l) => l.includes('native addon not found'));
    expect(lines).toEqual([expect.stringMatching(/runtime: wasm backend, kernels: wasm \(XNNPACK\) because native addon not found at \/nonexistent\/actfusion_native_kernels\.node \(set by ACTFUSION_NATIVE_ADDON\)/)]);
    const forced = train('k-forced', [...wasm, 'runtime.kernels=native', 'train.steps=1'], env);
    expect(forced.status).not.toBe(0);
    expect(forced.output).toMatch(/runtime\.kernels = native, but native addon not found at \/nonexistent/);
  });

  it('rejects an unknown kernel path, naming the field', () => {
    const r = train('k-bad', [...wasm, 'runtime.kernels=blas']);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/runtime\.kernels/);
  });
});
