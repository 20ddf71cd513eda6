import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type TensorRuntime } from '../src/index.js';
import { Rng } from '../src/random/rng.js';

const live: TensorRuntime[] = [];
afterEach(() => {
  for (const rt of live.splice(0)) rt.dispose();
});

/** What a training run draws: weight init, reparameterisation noise, dropout masks, sample indices. */
async function draws(backend: 'wasm' | 'cpu', seed: number): Promise<number[]> {
  const rt = await createRuntime({ backend, seed });
  live.push(rt);
  const { rng } = rt;
  const init = tf.randomNormal([5], 0, 1, 'float32', rng.opSeed());
  const noise = tf.randomUniform([3], -1, 1, 'float32', rng.opSeed());
  const dropped = tf.dropout(tf.ones([8]), 0.5, undefined, rng.opSeed());
  const data = rng.fork();
  const indices = [data.int(100), data.int(100), data.int(100)];
  const out = [...init.dataSync(), ...noise.dataSync(), ...dropped.dataSync(), ...indices, rng.normal()];
  tf.dispose([init, noise, dropped]);
  return out;
}

describe('seeds', () => {
  it('same seed and backend give the same draws; another seed gives others', async () => {
    const a = await draws('wasm', 42);
    const b = await draws('wasm', 42);
    const c = await draws('wasm', 43);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.slice(8, 16).some((v) => v === 0) && a.slice(8, 16).some((v) => v === 2)).toBe(true); // dropout did drop
  });

  it('tfjs random ops seeded from the rng draw the same numbers on wasm and cpu', async () => {
    expect(await draws('cpu', 7)).toEqual(await draws('wasm', 7));
  });

  it('resumes the stream from a saved rng state', async () => {
    const rt = await createRuntime({ backend: 'cpu', seed: 5 });
    live.push(rt);
    rt.rng.opSeed();
    const state = rt.rng.getState();
    const next = [rt.rng.opSeed(), rt.rng.opSeed()];
    const resumed = new Rng(state);
    expect([resumed.opSeed(), resumed.opSeed()]).toEqual(next);
    expect(rt.seed).toBe(5);
  });
});
