import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { observationSpec, type FeatureSpec, type ObservationSpec, type TrainingSample } from '@actfusion/contracts';
import type { Featuriser } from '../src/contracts/modality-encoder.js';
import { collate, disposeCollated } from '../src/training/collate.js';
import { stackFloatFeature, stackImageFeature } from '../src/training/feature-tensors.js';
import { Normalizer } from '../src/training/normalizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const spec: ObservationSpec = observationSpec({ stateDim: 1, actionDim: 2, cameras: { top: [1, 2] }, taxels: { pad: [1, 2] } });
const top = spec.features.find((f) => f.key === 'observation.images.top')!;
const pad = spec.features.find((f) => f.key === 'observation.taxels.pad')!;
const normalizer = Normalizer.fromStats({
  'observation.state': { mean: new Float32Array([1]), std: new Float32Array([2]), min: new Float32Array([0]), max: new Float32Array([1]) },
  action: { mean: new Float32Array([0, 10]), std: new Float32Array([1, 5]), min: new Float32Array([0, 0]), max: new Float32Array([1, 1]) },
});
const sample = (q: number, pixel: number, isPad: number[]): TrainingSample => ({
  observation: {
    'observation.state': new Float32Array([q]),
    'observation.images.top': { height: 1, width: 2, data: new Uint8Array([pixel, 0, 255, 51, 102, 153]) },
    'observation.taxels.pad': new Float32Array([q, 2 * q]),
  },
  action: new Float32Array([1, 15, 2, 20, 0, 0]),
  isPad: Uint8Array.from(isPad),
  episodeIndex: 0,
  frameIndex: 0,
});
/** Two stand-in encoders: one reads the camera, one the taxels (the real ones live in their packages). */
const featurisers: Featuriser[] = [
  { name: 'cam', features: [top], featurise: (obs) => ({ [top.key]: stackImageFeature(obs, top, 'cam') }) },
  { name: 'touch', features: [pad], featurise: (obs) => ({ [pad.key]: stackFloatFeature(obs, pad, 'touch', 2) }) },
];

describe('collate', () => {
  it('batches the shared part (state, action chunk, isPad) and hands the rest to each encoder by name', () => {
    const before = tf.memory().numTensors;
    const c = collate([sample(3, 255, [0, 0, 1]), sample(-1, 0, [0, 1, 1])], spec, normalizer, featurisers);
    expect(c.batch.qpos.shape).toEqual([2, 1]);
    expect([...c.batch.qpos.dataSync()]).toEqual([1, -1]);
    expect(Object.keys(c.batch.inputs)).toEqual(['cam', 'touch']);
    const image = c.batch.inputs.cam![top.key]!;
    expect(image.shape).toEqual([2, 1, 2, 3]);
    const img = image.dataSync();
    [1, 0, 1, 0.2, 0.4, 0.6].forEach((v, i) => expect(img[i]).toBeCloseTo(v, 6));
    expect(img[6]).toBe(0);
    expect(c.batch.inputs.touch![pad.key]!.shape).toEqual([2, 1, 2]);
    expect([...c.batch.inputs.touch![pad.key]!.dataSync()]).toEqual([1.5, 3, -0.5, -1]);
    expect(c.action.shape).toEqual([2, 3, 2]);
    // (1 - 0)/1, (15 - 10)/5, 2, 2, then the padded zeros normalised: 0, -2
    expect([...c.action.dataSync()].slice(0, 6)).toEqual([1, 1, 2, 2, 0, -2]);
    expect([...c.isPad.dataSync()]).toEqual([0, 0, 1, 0, 1, 1]);
    disposeCollated(c);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('without encoders batches only the shared part', () => {
    const c = collate([sample(3, 255, [0, 0, 0])], spec, normalizer);
    expect(c.batch.inputs).toEqual({});
    disposeCollated(c);
  });

  it('names the sample, key and what was expected; a failing encoder leaks nothing', () => {
    const bad = sample(0, 0, [0, 0, 0]);
    expect(() => collate([sample(0, 0, [0, 0, 0]), { ...bad, isPad: new Uint8Array(2) }], spec, normalizer)).toThrow(
      /sample 1 field 'isPad' has 2 steps, expected 3/,
    );
    expect(() => collate([{ ...bad, observation: { 'observation.state': new Float32Array(2) } }], spec, normalizer)).toThrow(
      /collate: sample 0 feature 'observation.state' has 2 values, expected 1/,
    );
    const before = tf.memory().numTensors;
    const wrongImage = { ...bad, observation: { ...bad.observation, 'observation.images.top': { height: 2, width: 2, data: new Uint8Array(12) } } };
    // `touch` comes second: the camera tensor made before it fails is disposed.
    expect(() => collate([wrongImage], spec, normalizer, [...featurisers].reverse())).toThrow(
      /cam: sample 0 feature 'observation.images.top' is 2x2 with 12 bytes, expected 1x2x3 = 6 bytes/,
    );
    const noTaxels = { ...bad, observation: { 'observation.state': new Float32Array(1), 'observation.images.top': bad.observation['observation.images.top'] } };
    expect(() => collate([noTaxels], spec, normalizer, featurisers)).toThrow(/touch: sample 0 has no feature 'observation.taxels.pad' \(has observation.state, observation.images.top\)/);
    expect(tf.memory().numTensors).toBe(before);
    const text: FeatureSpec = { key: 'task', kind: 'text', shape: [] };
    expect(() => stackFloatFeature([{ ...bad.observation, task: 'lift' }], text, 'x')).toThrow(/x: sample 0 feature 'task' is string, expected a Float32Array/);
  });
});
