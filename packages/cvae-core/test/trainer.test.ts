import { lstat, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type TensorRuntime } from '../src/runtime/create-runtime.js';
import { ChunkExecutor } from '../src/inference/chunk-executor.js';
import { policyChunkSource } from '../src/inference/policy-chunk-source.js';
import { SyntheticChunkDataset } from '../src/testing/synthetic-chunk-dataset.js';
import { readTrainingCheckpoint } from '../src/training/training-checkpoint.js';
import { Trainer, type TrainingProgress } from '../src/training/trainer.js';
import { TinyChunkPolicy } from './fixtures/tiny-chunk-policy.js';

let runtime: TensorRuntime;
let dir: string;
beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'actfusion-trainer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

const dataset = () => new SyntheticChunkDataset({ episodes: 12, chunkSize: 5, minLength: 20, maxLength: 30, seed: 3 });

describe('Trainer', () => {
  it('N steps straight equal N/2 + resume (fresh policy, fresh trainer) + N/2 on the cpu backend', async () => {
    const ds = dataset();
    const opts = { steps: 8, batchSize: 4, lr: 1e-3, backboneLr: 5e-4, gradClipNorm: 0.5, checkpointEvery: 4, seed: 7 };
    const straightPolicy = new TinyChunkPolicy(ds.spec, 5, 16, 1);
    const straight = new Trainer(straightPolicy, ds, { ...opts, outputDir: join(dir, 'straight') });
    const all = (await straight.train()).losses;

    const firstPolicy = new TinyChunkPolicy(ds.spec, 5, 16, 1);
    const first = new Trainer(firstPolicy, ds, { ...opts, outputDir: join(dir, 'split') });
    const half = await first.train(4);
    expect(half.losses).toEqual(all.slice(0, 4));
    // A different initialisation: everything must come from the checkpoint.
    const resumedPolicy = new TinyChunkPolicy(ds.spec, 5, 16, 99);
    const resumed = new Trainer(resumedPolicy, ds, { ...opts, seed: 12345, outputDir: join(dir, 'split') });
    await resumed.resume(join(dir, 'split', 'checkpoints', 'last'));
    expect(resumed.step).toBe(4);
    const rest = await resumed.train();
    expect(rest.losses).toEqual(all.slice(4));
    expect(rest.losses.some((l, i) => l !== all[i])).toBe(true);
    for (const [name, v] of straightPolicy.stateDict()) {
      expect([...resumedPolicy.stateDict().get(name)!.dataSync()], name).toEqual([...v.dataSync()]);
    }
    for (const x of [straight, first, resumed]) x.dispose();
    for (const p of [straightPolicy, firstPolicy, resumedPolicy]) p.dispose();
  });

  it('signal: an abort during a step stops at that step boundary (interrupted), the rest of the run follows on', async () => {
    const ds = dataset();
    const opts = { steps: 6, batchSize: 2, lr: 1e-3, seed: 5 };
    const straightPolicy = new TinyChunkPolicy(ds.spec, 5, 8, 1);
    const straight = new Trainer(straightPolicy, ds, opts);
    const all = await straight.train();
    expect(all.interrupted).toBe(false);
    const controller = new AbortController();
    const policy = new TinyChunkPolicy(ds.spec, 5, 8, 1);
    const trainer = new Trainer(policy, ds, { ...opts, signal: controller.signal, onProgress: (p) => void (p.step === 2 && controller.abort()) });
    const stopped = await trainer.train();
    expect(stopped).toMatchObject({ step: 2, interrupted: true });
    expect(stopped.losses).toEqual(all.losses.slice(0, 2));
    const rest = await new Trainer(policy, ds, { ...opts, signal: new AbortController().signal }).train();
    expect(rest.interrupted).toBe(false);
    for (const x of [straight, trainer]) x.dispose();
    for (const p of [straightPolicy, policy]) p.dispose();
  });

  it('writes LeRobot-layout checkpoints atomically with a last pointer', async () => {
    const ds = dataset();
    const policy = new TinyChunkPolicy(ds.spec, 5, 8, 1);
    const out = join(dir, 'layout');
    const seen: TrainingProgress[] = [];
    const trainer = new Trainer(policy, ds, { steps: 5, batchSize: 2, checkpointEvery: 2, outputDir: out, onProgress: (p) => seen.push(p) });
    const r = await trainer.train();
    const root = join(out, 'checkpoints');
    expect((await readdir(root)).sort()).toEqual(['000002', '000004', '000005', 'last']);
    expect((await lstat(join(root, 'last'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(root, 'last'))).toBe('000005');
    expect(r.checkpoints.map((c) => c.slice(root.length + 1))).toEqual(['000002', '000004', '000005']);
    expect((await readdir(join(root, '000004', 'pretrained_model'))).sort()).toEqual(['config.json', 'model.safetensors', 'normalizer.json']);
    expect((await readdir(join(root, '000004', 'training_state'))).sort()).toEqual([
      'optimizer_param_groups.json',
      'optimizer_state.safetensors',
      'rng_state.json',
      'training_step.json',
    ]);
    expect(JSON.parse(await readFile(join(root, '000004', 'training_state', 'training_step.json'), 'utf8'))).toEqual({ step: 4 });
    // Not an ACT policy: its own config is written as it is.
    expect(JSON.parse(await readFile(join(root, '000004', 'pretrained_model', 'config.json'), 'utf8'))).toEqual({ type: 'tiny-chunk-policy' });
    const groups = JSON.parse(await readFile(join(root, '000004', 'training_state', 'optimizer_param_groups.json'), 'utf8'));
    expect(groups.map((g: { name: string; lr: number; weight_decay: number }) => [g.name, g.lr, g.weight_decay])).toEqual([
      ['default', 1e-5, 1e-4],
      ['backbone', 1e-5, 1e-4],
    ]);
    // PyTorch/LeRobot layout: parameter indices over all groups, optimiser state keys state/<i>/...
    expect(groups[0].params).toEqual([0, 1, 2, 3, 4]);
    expect(groups[1].params).toEqual([5, 6]);
    expect(groups[1].param_names).toEqual(['backbone.weight', 'backbone.bias']);
    const optState = await readTrainingCheckpoint(join(root, '000004'));
    expect([...optState.optimizer.keys()].filter((k) => k.startsWith('state/6/')).sort()).toEqual([
      'state/6/exp_avg',
      'state/6/exp_avg_sq',
      'state/6/step',
    ]);
    expect(optState.optimizer.get('state/6/step')!.dataSync()[0]).toBe(4);
    expect([...optState.model.keys()]).toContain('model.backbone.weight');
    tf.dispose([...optState.optimizer.values(), ...optState.model.values()]);
    // Progress carries every field, once per step.
    expect(seen.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    for (const p of seen) {
      for (const v of [p.loss, p.l1, p.kl, p.lr, p.gradNorm, p.stepsPerSecond]) expect(Number.isFinite(v)).toBe(true);
      expect(p.gradNorm).toBeGreaterThan(0);
    }
    expect(seen[3]!.checkpoint).toBe(join(root, '000004'));

    // A corrupt step file is reported by path and field.
    await writeFile(join(root, '000002', 'training_state', 'training_step.json'), '{"step": -1}');
    const other = new Trainer(new TinyChunkPolicy(ds.spec, 5, 8, 1), ds, { steps: 5 });
    await expect(other.resume(join(root, '000002'))).rejects.toThrow(/000002\/training_state\/training_step.json field 'step'/);
    trainer.dispose();
    other.dispose();
    policy.dispose();
  });

  it('a checkpoint that fails half-way leaves no directory behind and last unchanged', async () => {
    const ds = dataset();
    const policy = new TinyChunkPolicy(ds.spec, 5, 8, 1);
    const out = join(dir, 'crash');
    let fail = false;
    const trainer = new Trainer(policy, ds, {
      steps: 4,
      batchSize: 2,
      checkpointEvery: 2,
      outputDir: out,
      writePretrained: async (p, d) => {
        await writeFile(join(d, 'model.safetensors'), 'partial');
        if (fail) throw new Error('disk full');
        await writeFile(join(d, 'config.json'), JSON.stringify(p.config));
      },
    });
    await trainer.train(2);
    fail = true;
    await expect(trainer.train()).rejects.toThrow(/disk full/);
    const root = join(out, 'checkpoints');
    expect((await readdir(root)).sort()).toEqual(['000002', 'last']);
    expect(await readlink(join(root, 'last'))).toBe('000002');
    trainer.dispose();
    policy.dispose();
  });

  it('skips trainable parameters the loss does not reach (PyTorch: grad is None)', async () => {
    const ds = dataset();
    class WithUnused extends TinyChunkPolicy {
      constructor() {
        super(ds.spec, 5, 8, 1);
        this.registerParameter('unused.weight', tf.ones([2]));
      }
    }
    const policy = new WithUnused();
    const trainer = new Trainer(policy, ds, { steps: 2, batchSize: 2, lr: 1e-2 });
    await trainer.train();
    // No gradient, so no Adam step and no weight decay either.
    expect([...policy.stateDict().get('unused.weight')!.dataSync()]).toEqual([1, 1]);
    expect([...policy.stateDict().get('hidden.bias')!.dataSync()]).not.toEqual([...new TinyChunkPolicy(ds.spec, 5, 8, 1).stateDict().get('hidden.bias')!.dataSync()]);
    trainer.dispose();
    policy.dispose();
  });

  it('does not leak tensors over steps', async () => {
    const ds = dataset();
    const policy = new TinyChunkPolicy(ds.spec, 5, 8, 1);
    const counts: number[] = [];
    const trainer = new Trainer(policy, ds, {
      steps: 8,
      batchSize: 2,
      gradClipNorm: 1e-3, // clipping active on every step
      checkpointEvery: 3, // and checkpoints written on the way
      outputDir: join(dir, 'memory'),
      onProgress: () => counts.push(tf.memory().numTensors),
    });
    await trainer.train();
    // Adam creates its moments on step 1; from then on the count is flat.
    expect(counts.slice(1)).toEqual(Array(7).fill(counts[1]));
    // Resuming (reading safetensors into tensors, assigning, disposing) leaves nothing behind either.
    const n = tf.memory().numTensors;
    await trainer.resume(join(dir, 'memory', 'checkpoints', 'last'));
    expect(tf.memory().numTensors).toBe(n);
    trainer.dispose();
    policy.dispose();
  });

  it('learns the synthetic task (image and state both needed): L1 below 0.05 in normalised units', async () => {
    const ds = new SyntheticChunkDataset({ episodes: 24, chunkSize: 5, minLength: 20, maxLength: 30, seed: 11 });
    const policy = new TinyChunkPolicy(ds.spec, 5, 64, 2, 0);
    const trainer = new Trainer(policy, ds, { steps: 500, batchSize: 32, lr: 3e-3, backboneLr: 3e-3, weightDecay: 0, seed: 5 });
    const { losses } = await trainer.train();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const early = mean(losses.slice(0, 10));
    const late = mean(losses.slice(-20));
    console.log(`tiny policy on SyntheticChunkDataset: L1 first 10 steps ${early.toFixed(4)}, last 20 steps ${late.toFixed(4)}`);
    expect(early).toBeGreaterThan(0.3);
    expect(late).toBeLessThan(0.05);

    // The trained policy through the executor: open-loop chunk of the first episode start.
    const normalizer = await trainer.getNormalizer();
    policy.eval();
    const ex = new ChunkExecutor(policyChunkSource(policy, normalizer), 5, { kind: 'open-loop', nActionSteps: 5 });
    const sample = ds.sampleAt(0, 0);
    const before = tf.memory().numTensors;
    const action = await ex.step(sample.observation);
    expect(tf.memory().numTensors).toBe(before);
    for (let j = 0; j < 2; j++) expect(Math.abs(action[j]! - sample.action[j]!)).toBeLessThan(0.15);

    // Both inputs matter: the slope of the predicted chunk follows the image, its offset the state.
    const predict = policyChunkSource(policy, normalizer);
    const slope = (c: readonly Float32Array[], d: number) => (c[4]![d]! - c[0]![d]!) / 4;
    const trueSlope = (e: number, d: number) => {
      const s = ds.sampleAt(e, 0);
      return (s.action[8 + d]! - s.action[d]!) / 4;
    };
    // The episode whose blob gives the most different velocity on joint 0.
    let other = 1;
    for (let e = 1; e < ds.episodeCount; e++) {
      if (Math.abs(trueSlope(e, 0) - trueSlope(0, 0)) > Math.abs(trueSlope(other, 0) - trueSlope(0, 0))) other = e;
    }
    expect(Math.abs(trueSlope(other, 0) - trueSlope(0, 0))).toBeGreaterThan(0.03);
    const own = await predict(sample.observation);
    const swapped = await predict({ ...sample.observation, 'observation.images.top': ds.sampleAt(other, 0).observation['observation.images.top'] });
    // Each predicted slope lies within a quarter of the gap between the two true slopes of its own image.
    const gap = Math.abs(trueSlope(other, 0) - trueSlope(0, 0));
    console.log(`slopes: own ${slope(own, 0).toFixed(4)} (true ${trueSlope(0, 0).toFixed(4)}), swapped image ${slope(swapped, 0).toFixed(4)} (true ${trueSlope(other, 0).toFixed(4)})`);
    expect(Math.abs(slope(own, 0) - trueSlope(0, 0))).toBeLessThan(gap / 4);
    expect(Math.abs(slope(swapped, 0) - trueSlope(other, 0))).toBeLessThan(gap / 4);
    const shifted = await predict({ ...sample.observation, 'observation.state': sample.observation['observation.state'].map((q) => q + 0.2) });
    for (let d = 0; d < 2; d++) expect(Math.abs(shifted[0]![d]! - own[0]![d]! - 0.2)).toBeLessThan(0.08);

    // Closed loop on the synthetic dynamics (qpos_{t+1} = action_t) with every execution mode:
    // the executed action stays close to the expert's qpos_t + v.
    const v = [0, 1].map((d) => sample.action[d]! - sample.observation['observation.state'][d]!);
    const modes = [
      { kind: 'open-loop', nActionSteps: 5 },
      { kind: 'temporal-ensemble', coeff: 0.01 },
      { kind: 'real-time-chunking', executionHorizon: 2, inferenceDelay: 1, schedule: 'exp' },
    ] as const;
    for (const mode of modes) {
      const exec = new ChunkExecutor(predict, 5, mode);
      let qpos: Float32Array<ArrayBufferLike> = Float32Array.from(sample.observation['observation.state']);
      let err = 0;
      for (let t = 0; t < 20; t++) {
        const a = await exec.step({ ...sample.observation, 'observation.state': qpos });
        err += (Math.abs(a[0]! - qpos[0]! - v[0]!) + Math.abs(a[1]! - qpos[1]! - v[1]!)) / 40;
        qpos = a;
      }
      console.log(`closed loop ${mode.kind}: mean |action - expert| = ${err.toFixed(4)}, queries ${exec.stats.queries}`);
      expect(err).toBeLessThan(0.03);
    }
    trainer.dispose();
    policy.dispose();
  });
});
