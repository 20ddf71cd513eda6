import { describe, expect, it } from 'vitest';
import type { ImageFrame } from '@actfusion/contracts';
import { Rng } from '../src/random/rng.js';
import { SyntheticChunkDataset } from '../src/testing/synthetic-chunk-dataset.js';

/** Top-left corner of the red blob. */
function blob(data: Uint8Array, w: number): [number, number] {
  for (let i = 0; i < data.length / 3; i++) if (data[i * 3] === 230) return [i % w, Math.floor(i / w)];
  throw new Error('no blob');
}

describe('SyntheticChunkDataset', () => {
  const ds = new SyntheticChunkDataset({ episodes: 6, minLength: 8, maxLength: 20, chunkSize: 4, seed: 2 });

  it('actions follow qpos_t + (j + 1) v, with v set by the blob position', () => {
    for (let e = 0; e < ds.episodeCount; e++) {
      const s = ds.sampleAt(e, 2);
      const [bx, by] = blob((s.observation['observation.images.top'] as ImageFrame).data, 16);
      // 16x16 image, 3x3 blob: x in [0, 13] maps to [-1, 1], times maxVelocity 0.05.
      const v = [0.05 * ((2 * bx) / 13 - 1), 0.05 * ((2 * by) / 13 - 1)];
      for (let j = 0; j < 4; j++) {
        for (let d = 0; d < 2; d++) expect(s.action[j * 2 + d]).toBeCloseTo(s.observation['observation.state'][d]! + (j + 1) * v[d]!, 5);
      }
    }
  });

  it('pads past the episode end with zeros (ACT) or the last action (LeRobot), marking isPad', () => {
    const rep = new SyntheticChunkDataset({ episodes: 6, minLength: 8, maxLength: 20, chunkSize: 4, seed: 2, padding: 'repeat-last' });
    const len = lengthOf(ds, 0);
    const z = ds.sampleAt(0, len - 2);
    const r = rep.sampleAt(0, len - 2);
    expect([...z.isPad]).toEqual([0, 0, 1, 1]);
    expect([...r.isPad]).toEqual([0, 0, 1, 1]);
    expect([...z.action.slice(4)]).toEqual([0, 0, 0, 0]);
    expect([...r.action.slice(4)]).toEqual([...r.action.slice(2, 4), ...r.action.slice(2, 4)]);
    expect([...r.action.slice(0, 4)]).toEqual([...z.action.slice(0, 4)]);
  });

  it('samples episode-uniform (ACT) or frame-uniform (LeRobot), reproducibly from the rng', async () => {
    const frame = new SyntheticChunkDataset({ episodes: 2, minLength: 5, maxLength: 60, chunkSize: 4, seed: 5, sampling: 'frame' });
    const episode = new SyntheticChunkDataset({ episodes: 2, minLength: 5, maxLength: 60, chunkSize: 4, seed: 5, sampling: 'episode' });
    const lengths = [lengthOf(frame, 0), lengthOf(frame, 1)];
    expect(lengths[0]).not.toBe(lengths[1]);
    const share = async (d: SyntheticChunkDataset) => {
      const b = await d.sampleBatch(4000, new Rng(1));
      return b.filter((s) => s.episodeIndex === 0).length / b.length;
    };
    expect(await share(episode)).toBeCloseTo(0.5, 1);
    expect(await share(frame)).toBeCloseTo(lengths[0]! / (lengths[0]! + lengths[1]!), 1);
    const a = await frame.sampleBatch(5, new Rng(9));
    const b = await frame.sampleBatch(5, new Rng(9));
    expect(a.map((s) => [s.episodeIndex, s.frameIndex])).toEqual(b.map((s) => [s.episodeIndex, s.frameIndex]));
  });

  it('reports statistics over all frames', async () => {
    const st = await ds.stats();
    expect(st['observation.state'].count).toBe(ds.frameCount);
    expect(st['observation.state'].mean.length).toBe(2);
    expect(st['observation.images.top']!.mean.length).toBe(3);
    for (let d = 0; d < 2; d++) {
      expect(st.action.min[d]!).toBeLessThanOrEqual(st.action.mean[d]!);
      expect(st.action.std[d]!).toBeGreaterThan(0);
    }
    expect(() => new SyntheticChunkDataset({ joints: 1 })).toThrow(/'joints' must be >= 2/);
  });
});

function lengthOf(ds: SyntheticChunkDataset, e: number): number {
  let t = 0;
  for (;;) {
    try {
      ds.sampleAt(e, t);
      t++;
    } catch {
      return t;
    }
  }
}
