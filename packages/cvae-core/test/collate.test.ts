import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingSample } from '@actfusion/contracts';
import type { ObservationSpec } from '@actfusion/contracts';
import { collate, disposeCollated } from '../src/training/collate.js';
import { Normalizer } from '../src/training/normalizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const spec: ObservationSpec = { stateDim: 1, actionDim: 2, cameras: { top: [1, 2] } };
const normalizer = Normalizer.fromStats({
  qpos: { mean: new Float32Array([1]), std: new Float32Array([2]), min: new Float32Array([0]), max: new Float32Array([1]) },
  action: { mean: new Float32Array([0, 10]), std: new Float32Array([1, 5]), min: new Float32Array([0, 0]), max: new Float32Array([1, 1]) },
});
const sample = (q: number, pixel: number, pad: number[]): TrainingSample => ({
  observation: { qpos: new Float32Array([q]), images: { top: { height: 1, width: 2, data: new Uint8Array([pixel, 0, 255, 51, 102, 153]) } } },
  action: new Float32Array([1, 15, 2, 20, 0, 0]),
  isPad: Uint8Array.from(pad),
  episodeIndex: 0,
  frameIndex: 0,
});

describe('collate', () => {
  it('stacks, normalises and scales images to [0, 1]', () => {
    const before = tf.memory().numTensors;
    const c = collate([sample(3, 255, [0, 0, 1]), sample(-1, 0, [0, 1, 1])], spec, normalizer);
    expect(c.batch.qpos.shape).toEqual([2, 1]);
    expect([...c.batch.qpos.dataSync()]).toEqual([1, -1]);
    expect(c.batch.images.top!.shape).toEqual([2, 1, 2, 3]);
    const img = c.batch.images.top!.dataSync();
    [1, 0, 1, 0.2, 0.4, 0.6].forEach((v, i) => expect(img[i]).toBeCloseTo(v, 6));
    expect(img[6]).toBe(0);
    expect(c.action.shape).toEqual([2, 3, 2]);
    // (1 - 0)/1, (15 - 10)/5, 2, 2, then the padded zeros normalised: 0, -2
    expect([...c.action.dataSync()].slice(0, 6)).toEqual([1, 1, 2, 2, 0, -2]);
    expect([...c.isPad.dataSync()]).toEqual([0, 0, 1, 0, 1, 1]);
    disposeCollated(c);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the sample and field that do not fit the spec', () => {
    const bad = sample(0, 0, [0, 0, 0]);
    expect(() => collate([sample(0, 0, [0, 0, 0]), { ...bad, isPad: new Uint8Array(2) }], spec, normalizer)).toThrow(
      /sample 1 field 'isPad' has 2 steps, expected 3/,
    );
    const wrongImage = { ...bad, observation: { ...bad.observation, images: { top: { height: 2, width: 2, data: new Uint8Array(12) } } } };
    expect(() => collate([wrongImage], spec, normalizer)).toThrow(/sample 0 field 'images.top' is 2x2 with 12 bytes, expected 1x2x3 = 6 bytes/);
    expect(() => collate([{ ...bad, observation: { ...bad.observation, images: {} } }], spec, normalizer)).toThrow(/no image 'images.top'/);
  });
});
