import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { observationSpec, type Observation } from '@actfusion/contracts';
import type { ObservationBatch } from '../src/contracts/observation-batch.js';
import { ChunkExecutor, type ActionChunk } from '../src/inference/chunk-executor.js';
import { policyChunkSource } from '../src/inference/policy-chunk-source.js';
import { prefixWeights } from '../src/inference/rtc-prefix-weights.js';
import { TemporalEnsembler } from '../src/inference/temporal-ensembler.js';
import { Normalizer } from '../src/training/normalizer.js';

/** An observation whose timestamp is the control tick, so a source can tell when it was asked. */
const obs = (tick: number): Observation => ({ 'observation.state': new Float32Array([tick]), timestamp: tick });
const chunk1d = (values: number[]): ActionChunk => values.map((v) => new Float32Array([v]));

/** Step like a control loop: one tick, then the event loop runs (the loop's sleep until the next tick). */
async function run(ex: ChunkExecutor, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let t = 0; t < steps; t++) {
    out.push((await ex.step(obs(t)))[0]!);
    await new Promise((r) => setTimeout(r, 0));
  }
  return out;
}

describe('open-loop chunk execution', () => {
  it('queries when the queue is empty and executes the first nActionSteps of each chunk', async () => {
    const asked: number[] = [];
    // Chunk q holds 10q, 10q+1, 10q+2, 10q+3.
    const ex = new ChunkExecutor(
      async (o) => {
        const q = asked.length;
        asked.push(o.timestamp!);
        return chunk1d([10 * q, 10 * q + 1, 10 * q + 2, 10 * q + 3]);
      },
      4,
      { kind: 'open-loop', nActionSteps: 3 },
    );
    expect(await run(ex, 7)).toEqual([0, 1, 2, 10, 11, 12, 20]);
    expect(asked).toEqual([0, 3, 6]);
    expect(ex.stats).toEqual({ steps: 7, queries: 3, lateChunks: 0 });
    ex.reset();
    expect(await run(ex, 1)).toEqual([30]);
  });

  it('rejects nActionSteps outside [1, chunkSize] and chunks of the wrong length', async () => {
    expect(() => new ChunkExecutor(async () => [], 4, { kind: 'open-loop', nActionSteps: 5 })).toThrow(/nActionSteps/);
    const ex = new ChunkExecutor(async () => chunk1d([1, 2]), 4, { kind: 'open-loop', nActionSteps: 2 });
    await expect(ex.step(obs(0))).rejects.toThrow(/returned 2 actions, expected chunkSize 4/);
  });
});

describe('temporal ensembling', () => {
  // coeff = ln 2 gives weights 1, 1/2, 1/4 (oldest first) and cumulative sums 1, 3/2, 7/4.
  const chunks = [
    [0, 10, 20], // predicted at t=0 for steps 0, 1, 2
    [4, 8, 16], // t=1: steps 1, 2, 3
    [2, 6, 12], // t=2: steps 2, 3, 4
    [1, 3, 5], // t=3: steps 3, 4, 5
    [7, 0, 0], // t=4: steps 4, 5, 6
  ];
  // step 0: 0
  // step 1: (10*1 + 4*1/2) / (3/2) = 8
  // step 2: (20*1 + 8*1/2 + 2*1/4) / (7/4) = 14
  // step 3: (16*1 + 6*1/2 + 1*1/4) / (7/4) = 11
  // step 4: (12*1 + 3*1/2 + 7*1/4) / (7/4) = 61/7
  const expected = [0, 8, 14, 11, 61 / 7];

  it('LeRobot online update equals the hand-computed weighted means (oldest weighted most)', () => {
    const te = new TemporalEnsembler(Math.LN2, 3);
    const got = chunks.map((c) => te.update(chunk1d(c))[0]!);
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 5));
    // Pending: step 5 has predictions from t=3 and t=4, step 6 from t=4.
    expect(te.pendingCounts()).toEqual([2, 1]);
  });

  it('runs inside the executor, one query per step', async () => {
    let q = 0;
    const ex = new ChunkExecutor(async () => chunk1d(chunks[q++]!), 3, { kind: 'temporal-ensemble', coeff: Math.LN2 });
    const got = await run(ex, 5);
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 5));
    expect(ex.stats.queries).toBe(5);
  });

  it("uses ACT's m = 0.01 by default: (1 + e^-0.01 * 0) / (1 + e^-0.01) = 0.50250002", async () => {
    let q = 0;
    const ex = new ChunkExecutor(async () => chunk1d([[5, 1], [0, 0]][q++]!), 2, { kind: 'temporal-ensemble' });
    const got = await run(ex, 2);
    expect(got[0]).toBe(5);
    expect(got[1]).toBeCloseTo(0.50250002, 6);
  });

  it("equals ACT's offline all_time_actions average over a longer random run (m = 0.01 and m = -0.1)", () => {
    for (const m of [0.01, -0.1]) {
      const k = 4;
      const steps = 12;
      let s = 7;
      const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
      const chunks = Array.from({ length: steps }, () => Array.from({ length: k }, () => rand()));
      const te = new TemporalEnsembler(m, k);
      for (let t = 0; t < steps; t++) {
        const online = te.update(chunk1d(chunks[t]!))[0]!;
        // Offline (imitate_episodes.py): predictions for step t from queries t-k+1..t, oldest first.
        let num = 0;
        let den = 0;
        for (let q = Math.max(0, t - k + 1), i = 0; q <= t; q++, i++) {
          num += Math.exp(-m * i) * chunks[q]![t - q]!;
          den += Math.exp(-m * i);
        }
        expect(online).toBeCloseTo(num / den, 5);
      }
    }
  });

  it('averages every action dimension separately', () => {
    const te = new TemporalEnsembler(0, 2); // m = 0: uniform
    te.update([new Float32Array([1, 100]), new Float32Array([3, 300])]);
    expect([...te.update([new Float32Array([5, 500]), new Float32Array([0, 0])])]).toEqual([4, 400]);
  });
});

describe('real-time chunking prefix weights', () => {
  it('matches the RTC reference example (start 2, end 6, total 10, linear)', () => {
    const w = [...prefixWeights(2, 6, 10, 'linear')];
    [1, 1, 0.8, 0.6, 0.4, 0.2, 0, 0, 0, 0].forEach((e, i) => expect(w[i]).toBeCloseTo(e, 12));
  });
  it('exp: w = c (e^c - 1) / (e - 1); zeros: hard mask; ones: 1 up to end', () => {
    // linear c at i = 3 (start 2, end 4): (1 - 3)/3 + 1 = 1/3; exp: (1/3)(e^(1/3) - 1)/(e - 1) = 0.0767457
    const w = prefixWeights(2, 4, 6, 'exp');
    expect(w[0]).toBe(1);
    expect(w[2]).toBeCloseTo((2 / 3) * (Math.exp(2 / 3) - 1) / (Math.E - 1), 12);
    expect(w[3]).toBeCloseTo(0.0767457, 6);
    expect(w[4]).toBe(0);
    expect([...prefixWeights(2, 4, 6, 'zeros')]).toEqual([1, 1, 0, 0, 0, 0]);
    expect([...prefixWeights(2, 4, 6, 'ones')]).toEqual([1, 1, 1, 1, 0, 0]);
  });
});

describe('asynchronous real-time chunking', () => {
  // H = 6, s = 3, d = 1, linear: w = prefixWeights(1, 3, 6) = 1, 2/3, 1/3, 0, 0, 0.
  // Chunk q is requested at tick 3q and predicts 30q + i for tick 3q + i; it is used from tick 3q + 1.
  //   plan1 (from tick 3) = [3, 2/3*4 + 1/3*31, 1/3*5 + 2/3*32, 33, 34, 35] = [3, 13, 23, 33, 34, 35]
  //   plan2 (from tick 6) = [33, 2/3*34 + 1/3*61, 1/3*35 + 2/3*62, 63, 64, 65] = [33, 43, 53, 63, 64, 65]
  //   plan3 (from tick 9) = [63, 2/3*64 + 1/3*91, ...] = [63, 73, ...]
  // Executed: ticks 0-2 from chunk 0, tick 3 still chunk 0 (chunk 1 is not due), then the plans.
  const expected = [0, 1, 2, 3, 13, 23, 33, 43, 53, 63, 73];

  function source(asked: number[]) {
    return async (o: Observation) => {
      const q = asked.length;
      asked.push(o.timestamp!);
      return chunk1d([0, 1, 2, 3, 4, 5].map((i) => 30 * q + i));
    };
  }

  it('executes the committed prefix, then blends the overlap (hand-computed)', async () => {
    const asked: number[] = [];
    const ex = new ChunkExecutor(source(asked), 6, {
      kind: 'real-time-chunking',
      executionHorizon: 3,
      inferenceDelay: 1,
      schedule: 'linear',
    });
    const got = await run(ex, 11);
    got.forEach((g, i) => expect(g, `tick ${i}`).toBeCloseTo(expected[i]!, 4));
    expect(asked).toEqual([0, 3, 6, 9]);
    expect(ex.stats.lateChunks).toBe(0);
  });

  it('zeros schedule = skip the stale head, then switch to the new chunk (naive async)', async () => {
    const ex = new ChunkExecutor(source([]), 6, {
      kind: 'real-time-chunking',
      executionHorizon: 3,
      inferenceDelay: 1,
      schedule: 'zeros',
    });
    expect(await run(ex, 8)).toEqual([0, 1, 2, 3, 31, 32, 33, 61]);
  });

  it('keeps executing while inference runs, and counts a chunk that arrives late', async () => {
    const resolvers: ((c: ActionChunk) => void)[] = [];
    let calls = 0;
    const ex = new ChunkExecutor(
      (o) => {
        calls++;
        if (o.timestamp === 0) return Promise.resolve(chunk1d([0, 1, 2, 3, 4, 5]));
        return new Promise((resolve) => resolvers.push(resolve));
      },
      6,
      { kind: 'real-time-chunking', executionHorizon: 2, inferenceDelay: 2, schedule: 'zeros' },
    );
    expect((await ex.step(obs(0)))[0]).toBe(0);
    expect((await ex.step(obs(1)))[0]).toBe(1);
    // Tick 2 requests chunk 1 and does not wait for it (d = 2); inference starts after the step returned.
    expect((await ex.step(obs(2)))[0]).toBe(2);
    expect(calls).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    expect((await ex.step(obs(3)))[0]).toBe(3);
    expect(ex.stats.lateChunks).toBe(0);
    // Tick 4 needs chunk 1, which is still computing: the step waits for it.
    const waiting = ex.step(obs(4));
    await new Promise((r) => setTimeout(r, 5));
    resolvers[0]!(chunk1d([20, 21, 22, 23, 24, 25]));
    expect((await waiting)[0]).toBe(22);
    expect(ex.stats.lateChunks).toBe(1);
  });

  it('counts chunks as late when the loop leaves no time to infer, and still executes the same actions', async () => {
    const ex = new ChunkExecutor(source([]), 6, {
      kind: 'real-time-chunking',
      executionHorizon: 3,
      inferenceDelay: 1,
      schedule: 'linear',
    });
    const got: number[] = [];
    for (let t = 0; t < 11; t++) got.push((await ex.step(obs(t)))[0]!); // back to back, no sleep
    got.forEach((g, i) => expect(g, `tick ${i}`).toBeCloseTo(expected[i]!, 4));
    expect(ex.stats.lateChunks).toBe(3);
  });

  it("lateChunk 'continue': a late chunk does not stop the step while the plan lasts; it merges when ready, stale head skipped", async () => {
    const resolvers: ((c: ActionChunk) => void)[] = [];
    const ex = new ChunkExecutor(
      (o) => (o.timestamp === 0 ? Promise.resolve(chunk1d([0, 1, 2, 3, 4, 5])) : new Promise((resolve) => resolvers.push(resolve))),
      6,
      { kind: 'real-time-chunking', executionHorizon: 2, inferenceDelay: 1, schedule: 'zeros', lateChunk: 'continue' },
    );
    await ex.prime(obs(0));
    const got: number[] = [];
    for (let t = 0; t < 4; t++) {
      got.push((await ex.step(obs(t)))[0]!);
      await new Promise((r) => setImmediate(r));
    }
    // Chunk requested at tick 2 was due at tick 3 and is still out: ticks 3 kept to the old plan.
    expect(got).toEqual([0, 1, 2, 3]);
    expect(ex.stats.lateChunks).toBe(1);
    resolvers[0]!(chunk1d([20, 21, 22, 23, 24, 25]));
    await new Promise((r) => setImmediate(r));
    // Merged at tick 4 = 2 ticks after its request: fresh[2].
    expect((await ex.step(obs(4)))[0]).toBe(22);
    expect(ex.stats.queries).toBe(2);
  });

  it("lateChunk 'continue' waits only when the plan has run out", async () => {
    let release: ((c: ActionChunk) => void) | undefined;
    const ex = new ChunkExecutor(
      (o) => (o.timestamp === 0 ? Promise.resolve(chunk1d([0, 1, 2, 3])) : new Promise((resolve) => (release = resolve))),
      4,
      { kind: 'real-time-chunking', executionHorizon: 2, inferenceDelay: 1, schedule: 'zeros', lateChunk: 'continue' },
    );
    await ex.prime(obs(0));
    for (let t = 0; t < 4; t++) {
      await ex.step(obs(t));
      await new Promise((r) => setImmediate(r));
    }
    const waiting = ex.step(obs(4));
    let done = false;
    void waiting.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    release!(chunk1d([10, 11, 12, 13]));
    expect((await waiting)[0]).toBe(12);
  });

  it('prime fetches the first chunk before the first step (open loop and RTC)', async () => {
    const asked: number[] = [];
    const ol = new ChunkExecutor(source(asked), 6, { kind: 'open-loop', nActionSteps: 3 });
    await ol.prime(obs(0));
    expect(asked).toEqual([0]);
    expect((await ol.step(obs(0)))[0]).toBe(0);
    expect(asked).toEqual([0]);
    await expect(ol.prime(obs(1))).rejects.toThrow(/before the first step/);
  });

  it('rejects d > s and s > H - d', () => {
    const make = (s: number, d: number) =>
      new ChunkExecutor(async () => [], 6, { kind: 'real-time-chunking', executionHorizon: s, inferenceDelay: d });
    expect(() => make(2, 3)).toThrow(/inferenceDelay <= executionHorizon/);
    expect(() => make(5, 2)).toThrow(/chunkSize - inferenceDelay/);
    expect(() => make(4, 2)).not.toThrow();
  });
});

describe('policyChunkSource', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('normalises the observation, unnormalises the chunk and leaves no tensors behind', async () => {
    const normalizer = Normalizer.fromStats({
      'observation.state': { mean: new Float32Array([1]), std: new Float32Array([2]), min: new Float32Array([0]), max: new Float32Array([2]) },
      action: {
        mean: new Float32Array([10, 20]),
        std: new Float32Array([2, 4]),
        min: new Float32Array([0, 0]),
        max: new Float32Array([1, 1]),
      },
    });
    let seenQpos: number[] = [];
    const policy = {
      spec: observationSpec({ stateDim: 1, actionDim: 2 }),
      predictChunk(batch: ObservationBatch): tf.Tensor3D {
        seenQpos = [...batch.qpos.dataSync()];
        return tf.tensor3d([0, 1, -1, 0.5], [1, 2, 2]);
      },
    };
    const src = policyChunkSource(policy, normalizer);
    const before = tf.memory().numTensors;
    const chunk = await src({ 'observation.state': new Float32Array([5]) });
    expect(tf.memory().numTensors).toBe(before);
    expect(seenQpos).toEqual([2]); // (5 - 1) / 2
    // action = normalised * std + mean: [0*2+10, 1*4+20], [-1*2+10, 0.5*4+20]
    expect(chunk.map((a) => [...a])).toEqual([
      [10, 24],
      [8, 22],
    ]);
  });
});
