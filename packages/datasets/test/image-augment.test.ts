import { Rng } from '@actfusion/cvae-core';
import { describe, expect, it } from 'vitest';
import { augmentImage, colorJitter, resizeBilinear } from '../src/index.js';
import { syntheticFrame } from './helpers.js';

describe('image augmentation', () => {
  const frame = syntheticFrame(0, 0, 12, 16);

  it('identity resize leaves the frame unchanged; crops keep the size', () => {
    const same = resizeBilinear(frame, { y0: 0, x0: 0, h: 12, w: 16 }, 12, 16);
    expect(Array.from(same.data)).toEqual(Array.from(frame.data));
    const out = augmentImage(frame, new Rng(1), { randomResizedCrop: { scale: [0.5, 0.6] } });
    expect([out.height, out.width, out.data.length]).toEqual([12, 16, 12 * 16 * 3]);
    expect(Array.from(out.data)).not.toEqual(Array.from(frame.data));
  });

  it('brightness scales pixels; seeded draws repeat', () => {
    const a = colorJitter(frame, new Rng(2), { brightness: 0.5 });
    const b = colorJitter(frame, new Rng(2), { brightness: 0.5 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const factor = new Rng(2).uniform(0.5, 1.5);
    expect(a.data[10]).toBe(Math.min(255, Math.round(frame.data[10]! * factor)));
  });
});
