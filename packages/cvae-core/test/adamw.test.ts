import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AdamW } from '../src/optim/adamw.js';
import { actParamGroups } from '../src/optim/param-groups.js';
import { expectClose, useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

/** AdamW written out in float64 JS, PyTorch's formula. */
function refAdamW(p: number[], grads: number[][], lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const m = p.map(() => 0), v = p.map(() => 0);
  const q = p.slice();
  grads.forEach((g, t0) => {
    const t = t0 + 1;
    for (let i = 0; i < q.length; i++) {
      q[i]! *= 1 - lr * wd;
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
      q[i]! -= (lr / (1 - b1 ** t)) * (m[i]! / denom);
    }
  });
  return q;
}

const gradSeq = [[0.5, -1, 2], [0.1, 0.3, -0.2], [-1, 0.5, 0.25]];

function setup() {
  const a = tf.variable(tf.tensor1d([1, -2, 0.5]));
  const b = tf.variable(tf.tensor1d([0.3, 0.2, -0.1]));
  const opt = new AdamW(
    [
      { name: 'default', params: [['a', a]], lr: 0.1 },
      { name: 'backbone', params: [['backbone.b', b]], lr: 0.01, weightDecay: 0.5 },
    ],
    { weightDecay: 0.1 },
  );
  return { a, b, opt };
}

describe('AdamW', () => {
  it('one step: decoupled decay, bias-corrected moments (first step moves by ≈ lr·sign(g))', () => {
    const { a, opt } = setup();
    opt.step(new Map([['a', tf.tensor1d(gradSeq[0]!)]]));
    expectClose(a.dataSync(), refAdamW([1, -2, 0.5], [gradSeq[0]!], 0.1, 0.1), 1e-6);
    // By hand: p(1 − 0.01) − 0.1·sign(g) (bias correction makes m̂/√v̂ = ±1 up to eps).
    expectClose(a.dataSync(), [0.99 - 0.1, -1.98 + 0.1, 0.495 - 0.1], 1e-6);
  });

  it('several steps with per-group lr and weight decay match the formula', () => {
    const { a, b, opt } = setup();
    for (const g of gradSeq) opt.step(new Map([['a', tf.tensor1d(g)], ['backbone.b', tf.tensor1d(g.map((x) => -x))]]));
    expectClose(a.dataSync(), refAdamW([1, -2, 0.5], gradSeq, 0.1, 0.1), 1e-5);
    expectClose(b.dataSync(), refAdamW([0.3, 0.2, -0.1], gradSeq.map((g) => g.map((x) => -x)), 0.01, 0.5), 1e-5);
    expect(opt.stepOf('a')).toBe(3);
  });

  it('skips parameters without a gradient (their step does not advance) and rejects unknown names', () => {
    const { a, b, opt } = setup();
    const before = b.dataSync().slice();
    opt.step(new Map([['a', tf.tensor1d(gradSeq[0]!)]]));
    expect(b.dataSync()).toEqual(before);
    expect(opt.stepOf('backbone.b')).toBe(0);
    expect(a.dataSync()).not.toEqual(new Float32Array([1, -2, 0.5]));
    expect(() => opt.step(new Map([['nope', tf.tensor1d([1, 2, 3])]]))).toThrow(/'nope', which is in no parameter group/);
    expect(() => opt.step(new Map([['a', tf.tensor1d([1, 2])]]))).toThrow(/shape \[2\], expected \[3\]/);
  });

  for (const keys of ['name', 'index'] as const) {
    it(`save/restore by ${keys} resumes exactly`, () => {
      const run = setup();
      const grads = (g: number[]) => new Map([['a', tf.tensor1d(g)], ['backbone.b', tf.tensor1d(g)]]);
      run.opt.step(grads(gradSeq[0]!));
      run.opt.step(grads(gradSeq[1]!));
      const saved = new Map([...run.opt.stateTensors(keys)].map(([k, t]) => [k, tf.clone(t)] as const));
      if (keys === 'name') expect([...saved.keys()]).toContain('backbone.b.exp_avg_sq');
      else expect([...saved.keys()]).toContain('state/1/exp_avg_sq');
      const pa = run.a.dataSync().slice(), pb = run.b.dataSync().slice();
      run.opt.step(grads(gradSeq[2]!));

      const resumed = setup();
      resumed.a.assign(tf.tensor1d(pa));
      resumed.b.assign(tf.tensor1d(pb));
      resumed.opt.loadState(saved, 'ckpt.safetensors');
      expect(resumed.opt.stepOf('a')).toBe(2);
      resumed.opt.step(grads(gradSeq[2]!));
      expect(resumed.a.dataSync()).toEqual(run.a.dataSync());
      expect(resumed.b.dataSync()).toEqual(run.b.dataSync());
    });
  }

  it('rejects inconsistent saved state, naming the key', () => {
    const { opt } = setup();
    expect(() => opt.loadState(new Map([['a.step', tf.scalar(1)]]), 'x.safetensors')).toThrow(/x.safetensors: 'a.exp_avg' \(parameter 'a'\) is missing/);
    expect(() =>
      opt.loadState(new Map<string, tf.Tensor>([['a.step', tf.scalar(1)], ['a.exp_avg', tf.zeros([2])], ['a.exp_avg_sq', tf.zeros([3])]])),
    ).toThrow(/'a.exp_avg' \(parameter 'a'\) has shape \[2\], expected \[3\]/);
    expect(() => opt.loadState(new Map([['a.step', tf.scalar(1.5)]]))).toThrow(/positive integer, got 1.5/);
    expect(() => opt.loadState(new Map([['zzz.step', tf.scalar(1)]]))).toThrow(/match no parameter.*zzz.step/);
  });

  it('does not leak tensors across steps', () => {
    const { a, b, opt } = setup();
    const g = new Map([['a', tf.tensor1d([1, 2, 3])], ['backbone.b', tf.tensor1d([1, 2, 3])]]);
    opt.step(g);
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) opt.step(g);
    expect(tf.memory().numTensors).toBe(n);
    expect(a.dataSync().every(Number.isFinite) && b.dataSync().every(Number.isFinite)).toBe(true);
  });

  it('actParamGroups splits backbone parameters into their own group', () => {
    const v = (trainable = true) => tf.variable(tf.zeros([1]), trainable);
    const groups = actParamGroups(
      [['model.backbone.conv1.weight', v()], ['model.encoder.x', v()], ['model.backbone.bn1.weight', v(false)]],
      { lr: 1e-5, lrBackbone: 1e-6, weightDecay: 1e-4 },
    );
    expect(groups.map((g) => [g.name, g.lr, g.params.map(([n]) => n)])).toEqual([
      ['default', 1e-5, ['model.encoder.x']],
      ['backbone', 1e-6, ['model.backbone.conv1.weight']],
    ]);
  });
});

describe('AdamW fused update kernel', () => {
  it('gives the values of the op chain (float32 ops) within float rounding', async () => {
    const { adamWUpdateValues } = await import('../src/optim/adamw-update-kernel.js');
    const n = 257;
    const src = (seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (seed + 1));
    const [p, m, v, g] = [src(1), src(2), src(3).map(Math.abs), src(4)];
    const a = { decay: 1 - 1e-3 * 1e-2, beta1: 0.9, beta2: 0.999, bc2Sqrt: Math.sqrt(1 - 0.999 ** 3), eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 3) };
    const out: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    adamWUpdateValues(p, m, v, g, out, a);
    // The op chain, in float32 like the tfjs ops.
    const f = Math.fround;
    for (let i = 0; i < n; i++) {
      const mi = f(f(f(a.beta1) * m[i]!) + f(f(1 - a.beta1) * g[i]!));
      const vi = f(f(f(a.beta2) * v[i]!) + f(f(1 - a.beta2) * f(g[i]! * g[i]!)));
      const pi = f(f(p[i]! * f(a.decay)) - f(f(mi / f(f(f(Math.sqrt(vi)) / f(a.bc2Sqrt)) + f(a.eps))) * f(a.stepSize)));
      expect(out[1][i]).toBeCloseTo(mi, 6);
      expect(out[2][i]).toBeCloseTo(vi, 6);
      expect(Math.abs(out[0][i]! - pi)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(pi)));
    }
  });
});
