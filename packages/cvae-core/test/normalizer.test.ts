import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetStats } from '@actfusion/contracts';
import { Normalizer } from '../src/training/normalizer.js';

const f = (...v: number[]) => new Float32Array(v);
const stats: DatasetStats = {
  'observation.state': { mean: f(1, -2), std: f(2, 0.001), min: f(0, -3), max: f(4, -1) },
  action: { mean: f(10), std: f(0.5), min: f(8), max: f(12) },
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Normalizer', () => {
  it("MEAN_STD clips std at 1e-2 like ACT's get_norm_stats", () => {
    const n = Normalizer.fromStats(stats);
    // (5 - 1) / 2 = 2; (-1.99 - -2) / max(0.001, 0.01) = 1
    const y = n.normalizeQpos(f(5, -1.99));
    expect(y[0]).toBe(2);
    expect(y[1]).toBeCloseTo(1, 4);
    expect([...n.normalizeAction(f(11, 9.5))]).toEqual([2, -1]);
  });

  it('LeRobot variant: std + 1e-8, no floor', () => {
    const n = Normalizer.fromStats(stats, { stdFloor: 0, stdEps: 1e-8 });
    expect(n.normalizeQpos(f(1, -1.999))[1]).toBeCloseTo(0.001 / (0.001 + 1e-8), 3);
  });

  it('MIN_MAX maps [min, max] to [-1, 1] and IDENTITY passes values through', () => {
    const n = Normalizer.fromStats(stats, { qposMode: 'MIN_MAX', actionMode: 'IDENTITY' });
    // (1 - 0) / 4 * 2 - 1 = -0.5; (-2 - -3) / 2 * 2 - 1 = 0
    expect([...n.normalizeQpos(f(1, -2))]).toEqual([-0.5, 0]);
    expect([...n.normalizeAction(f(3, 7))]).toEqual([3, 7]);
  });

  it('unnormalises actions exactly back, as arrays and as tensors', () => {
    for (const actionMode of ['MEAN_STD', 'MIN_MAX'] as const) {
      const n = Normalizer.fromStats(stats, { actionMode });
      const x = f(9, 10.25, 11.5);
      const back = n.unnormalizeAction(n.normalizeAction(x));
      back.forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 5));
      const t = tf.tensor3d(n.normalizeAction(x), [1, 3, 1]);
      const u = n.unnormalizeActionTensor(t);
      [...u.dataSync()].forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 5));
      tf.dispose([t, u]);
    }
  });

  it('round-trips through JSON (what checkpoints store)', () => {
    const n = Normalizer.fromStats(stats, { actionMode: 'MIN_MAX' });
    const m = Normalizer.fromJSON(JSON.parse(JSON.stringify(n.toJSON())));
    expect([...m.normalizeAction(f(9))]).toEqual([...n.normalizeAction(f(9))]);
    expect([...m.normalizeQpos(f(3, 0))]).toEqual([...n.normalizeQpos(f(3, 0))]);
  });

  it('names the bad field', () => {
    expect(() =>
      Normalizer.fromStats({ ...stats, action: { ...stats.action, std: f(1, 2) } }),
    ).toThrow(/stats 'action.std' has 2 values, expected 1/);
    expect(() => Normalizer.fromStats(stats).normalizeQpos(f(1, 2, 3))).toThrow(/'qpos' has 3 values, expected a multiple of 2/);
    expect(() =>
      Normalizer.fromJSON({ qpos: { mode: 'BOGUS' as never, shift: [0], scale: [1] }, action: { mode: 'IDENTITY', shift: [0], scale: [1] } }, 'x.json'),
    ).toThrow(/x.json: field 'qpos.mode'/);
    expect(() => Normalizer.fromStats({ ...stats, 'observation.state': { ...stats['observation.state'], std: f(0, 0) } }, { stdFloor: 0 })).toThrow(/zero scale at index 0/);
  });
});
