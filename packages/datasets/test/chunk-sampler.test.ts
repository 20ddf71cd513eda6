import { Rng } from '@actfusion/cvae-core';
import type { ImageFrame } from '@actfusion/contracts';
import { describe, expect, it } from 'vitest';
import { ChunkSampler } from '../src/index.js';
import { memoryCollection } from './memory-collection.js';

describe('ChunkSampler', () => {
  it('returns actions t..t+k-1 with ACT zero padding and isPad past the end', async () => {
    const sampler = new ChunkSampler(memoryCollection([5, 3]), { chunkSize: 4 });
    const s = await sampler.sample(1, 1);
    expect(Array.from(s.isPad)).toEqual([0, 0, 1, 1]);
    expect(Array.from(s.action)).toEqual([1001, 1001.1, 1002, 1002.1, 0, 0, 0, 0].map((v) => Math.fround(v)));
    expect(Array.from(s.observation['observation.state'])).toEqual([1002, 1003]);
    expect((s.observation['observation.images.top'] as ImageFrame).height).toBe(4);
    expect(s.observation.timestamp).toBe(1 / 50);
    expect(sampler.spec.features.map((f) => f.key)).toEqual(['observation.state', 'observation.images.top']);
  });

  it('repeats the last action with LeRobot padding, and applies the real-robot offset', async () => {
    const sampler = new ChunkSampler(memoryCollection([3]), { chunkSize: 3, padding: 'repeat-last', actionOffset: -1 });
    const s = await sampler.sample(0, 2);
    expect(Array.from(s.isPad)).toEqual([0, 0, 1]);
    expect(Array.from(s.action)).toEqual([1, 1.1, 2, 2.1, 2, 2.1].map((v) => Math.fround(v)));
  });

  it("actionOffset 'act' follows each episode's sim attribute like ACT's loader", async () => {
    const col = memoryCollection([4, 4]);
    const episodes = [{ ...col.episodes[0]!, sim: true }, { ...col.episodes[1]!, sim: false }];
    const sampler = new ChunkSampler({ ...col, episodes }, { chunkSize: 1, actionOffset: 'act' });
    expect(sampler.actionChunk(episodes[0]!, 2).action[0]).toBe(2);
    expect(sampler.actionChunk(episodes[1]!, 2).action[0]).toBe(1001);
  });

  it('samples episodes uniformly (ACT) or frames uniformly (LeRobot)', () => {
    const col = memoryCollection([90, 10]);
    const count = (sampling: 'episode' | 'frame') => {
      const s = new ChunkSampler(col, { chunkSize: 2, sampling });
      const rng = new Rng(3);
      let first = 0;
      for (let i = 0; i < 4000; i++) if (s.draw(rng).episode === 0) first++;
      return first / 4000;
    };
    expect(count('episode')).toBeCloseTo(0.5, 1);
    expect(count('frame')).toBeCloseTo(0.9, 1);
    const s = new ChunkSampler(col, { chunkSize: 2, sampling: 'frame' });
    expect(s.frameCount).toBe(100);
    expect(s.episodeCount).toBe(2);
  });

  it("draws only from the 'episodes' subset and computes its statistics over them", async () => {
    const col = memoryCollection([10, 20, 30]);
    for (const sampling of ['episode', 'frame'] as const) {
      const s = new ChunkSampler(col, { chunkSize: 2, sampling, episodes: [0, 2] });
      expect(s.episodeCount).toBe(2);
      expect(s.frameCount).toBe(40);
      const rng = new Rng(5);
      const seen = new Set<number>();
      for (let i = 0; i < 500; i++) seen.add(s.draw(rng).episode);
      expect([...seen].sort()).toEqual([0, 2]);
    }
    const subset = await new ChunkSampler(col, { chunkSize: 2, episodes: [1] }).stats();
    const whole = await new ChunkSampler(col, { chunkSize: 2 }).stats();
    expect(subset['observation.state'].count).toBe(20);
    expect(whole['observation.state'].count).toBe(60);
    expect(() => new ChunkSampler(col, { chunkSize: 2, episodes: [] })).toThrow(/'episodes' is empty/);
    expect(() => new ChunkSampler(col, { chunkSize: 2, episodes: [3] })).toThrow(/holds 3, expected an integer in \[0, 3\)/);
  });

  it('draws the same batch from the same rng state, and a different one otherwise', async () => {
    const sampler = new ChunkSampler(memoryCollection([20, 30]), { chunkSize: 5, augment: { colorJitter: { brightness: 0.3 } } });
    const a = await sampler.sampleBatch(6, new Rng(11));
    const b = await sampler.sampleBatch(6, new Rng(11));
    const c = await sampler.sampleBatch(6, new Rng(12));
    const key = (xs: typeof a) => xs.map((x) => `${x.episodeIndex}:${x.frameIndex}:${(x.observation['observation.images.top'] as ImageFrame).data[0]}`).join(',');
    expect(key(a)).toBe(key(b));
    expect(key(a)).not.toBe(key(c));
  });

  it('keeps decoded frames within the cache byte budget', async () => {
    const col = memoryCollection([50, 50], { h: 8, w: 8 });
    const sampler = new ChunkSampler(col, { chunkSize: 2, cacheBytes: 10 * 8 * 8 * 3 });
    const rng = new Rng(1);
    for (let i = 0; i < 20; i++) await sampler.sampleBatch(8, rng);
    expect(sampler.cache.size).toBeLessThanOrEqual(10);
    expect(sampler.cache.byteSize).toBeLessThanOrEqual(10 * 8 * 8 * 3);
    expect(col.reads).toBeGreaterThan(10);
    await sampler.sample(0, 0);
    const reads = col.reads;
    await sampler.sample(0, 0);
    expect(col.reads).toBe(reads);
  });

  it('computes dataset statistics over all frames', async () => {
    const col = memoryCollection([4, 6]);
    const stats = await new ChunkSampler(col, { chunkSize: 2 }).stats();
    const all = col.episodes.flatMap((e) => Array.from({ length: e.length }, (_, t) => e.vectors['observation.state']![t * 2]!));
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const st = stats['observation.state'];
    expect(st.mean[0]).toBeCloseTo(mean, 3);
    expect(st.min[0]).toBe(0);
    expect(st.max[0]).toBe(1010);
    expect(st.count).toBe(10);
    expect(stats['observation.images.top']!.mean.length).toBe(3);
    expect(stats['observation.images.top']!.max[0]).toBeLessThanOrEqual(1);
  });

  it('carries any feature by key: a modality it has never heard of, tactile images, taxels and the task', async () => {
    const col = memoryCollection([5], {
      task: 'lift the red cube',
      vectors: [
        { key: 'observation.taxels.pad', kind: 'taxels', shape: [2, 2] },
        { key: 'observation.audio.mic', kind: 'audio', shape: [3] },
      ],
      frames: [{ key: 'observation.tactile.pad', kind: 'tactile-image', shape: [8, 8, 3] }],
    });
    const sampler = new ChunkSampler(col, { chunkSize: 2 });
    const s = await sampler.sample(0, 3);
    expect(Array.from(s.observation['observation.audio.mic'] as Float32Array)).toEqual([3, 3.5, 4]);
    expect(Array.from(s.observation['observation.taxels.pad'] as Float32Array)).toEqual([3, 3.5, 4, 4.5]);
    expect((s.observation['observation.tactile.pad'] as ImageFrame).width).toBe(8);
    expect(s.observation.task).toBe('lift the red cube 0');
    const stats = await sampler.stats();
    expect(stats['observation.audio.mic']!.mean.length).toBe(3);
    expect(stats['observation.taxels.pad']!.max[3]).toBe(4 + 3 / 2); // last frame (4), entry 3
    // Only the chosen features (state always) are loaded.
    const only = new ChunkSampler(col, { chunkSize: 2, features: ['task', 'observation.audio.mic'] });
    expect(Object.keys((await only.sample(0, 0)).observation).sort()).toEqual(['observation.audio.mic', 'observation.state', 'task', 'timestamp']);
    expect(() => new ChunkSampler(col, { chunkSize: 2, features: ['observation.images.side'] })).toThrow(
      /feature 'observation.images.side' is not in memory \(have observation.state, observation.images.top, task, observation.tactile.pad, observation.taxels.pad, observation.audio.mic\)/,
    );
  });
});
