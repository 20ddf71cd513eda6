import { describe, expect, it } from 'vitest';
import { featureOf, featuresOfKind, floatFeature, imageFeature, observationSpec, requireFeature, robotFeatures, textFeature, withFeatures } from '../src/index.js';
import type { Observation, RobotSpec } from '../src/index.js';

describe('observationSpec', () => {
  it('expands the shorthand into features by key, state first', () => {
    const spec = observationSpec({
      stateDim: 2,
      actionDim: 2,
      stateNames: ['a', 'b'],
      velocity: true,
      cameras: { top: [4, 6] },
      tactile: { pad: [8, 8] },
      taxels: { pad: [2, 2] },
      task: true,
      extra: [{ key: 'observation.audio.mic', kind: 'audio', shape: [16] }],
    });
    expect(spec.features.map((f) => [f.key, f.kind, f.shape])).toEqual([
      ['observation.state', 'state', [2]],
      ['observation.velocity', 'velocity', [2]],
      ['observation.images.top', 'image', [4, 6, 3]],
      ['observation.tactile.pad', 'tactile-image', [8, 8, 3]],
      ['observation.taxels.pad', 'taxels', [2, 2]],
      ['task', 'text', []],
      ['observation.audio.mic', 'audio', [16]],
    ]);
    expect(featureOf(spec, 'observation.state')!.names).toEqual(['a', 'b']);
    expect(featuresOfKind(spec, 'image', 'tactile-image').map((f) => f.key)).toEqual(['observation.images.top', 'observation.tactile.pad']);
    expect(() => requireFeature(spec, 'observation.images.side', 'Enc')).toThrow(/Enc: the observation spec has no feature 'observation.images.side' \(has observation.state, /);
  });

  it('rejects duplicate keys, bad shapes and a state that disagrees with stateDim', () => {
    const base = { stateDim: 2, actionDim: 2, features: [] };
    expect(() => withFeatures(base, [{ key: 'x', kind: 'a', shape: [1] }, { key: 'x', kind: 'a', shape: [1] }])).toThrow(/feature 'x' is listed twice/);
    expect(() => withFeatures(base, [{ key: 'x', kind: 'a', shape: [0] }])).toThrow(/feature 'x' has shape \[0\], expected positive integers/);
    expect(() => withFeatures(base, [{ key: 'observation.state', kind: 'state', shape: [3] }])).toThrow(/'observation.state' has shape \[3\], expected \[2\]/);
    expect(() => observationSpec({ stateDim: 2, actionDim: 0 })).toThrow(/actionDim must be a positive integer, got 0/);
  });

  it('robotFeatures follows the robot spec: joints, cameras, tactile images and taxels, task', () => {
    const robot: RobotSpec = {
      name: 'r',
      joints: [{ name: 'j0', limits: [-1, 1] }, { name: 'g', limits: [0, 1], kind: 'gripper' }],
      cameras: [{ name: 'top', height: 4, width: 6 }],
      tactile: [{ name: 'pad', rows: 2, cols: 3, image: { height: 8, width: 12 } }, { name: 'glove', rows: 5, cols: 5 }],
      controlHz: 50,
      task: true,
    };
    expect(robotFeatures(robot).map((f) => [f.key, f.shape])).toEqual([
      ['observation.state', [2]],
      ['observation.images.top', [4, 6, 3]],
      ['observation.tactile.pad', [8, 12, 3]],
      ['observation.taxels.pad', [2, 3]],
      ['observation.taxels.glove', [5, 5]],
      ['task', []],
    ]);
  });
});

describe('reading observation features', () => {
  const obs: Observation = {
    'observation.state': new Float32Array(2),
    'observation.images.top': { height: 1, width: 2, data: new Uint8Array(6) },
    'observation.taxels.pad': new Float64Array(4) as unknown as Float32Array,
    task: 'lift',
  };
  it('returns the value when it has the promised type and size', () => {
    expect(floatFeature(obs, 'observation.state', 2, 'w')).toBe(obs['observation.state']);
    expect(imageFeature(obs, 'observation.images.top', 1, 2, 'w').width).toBe(2);
    expect(textFeature(obs, 'task', 'w')).toBe('lift');
  });
  it('names the sample, the key, what it found and what it expected', () => {
    expect(() => floatFeature(obs, 'observation.velocity', 2, 'Enc', 3)).toThrow(
      "Enc: sample 3 has no feature 'observation.velocity' (has observation.state, observation.images.top, observation.taxels.pad, task)",
    );
    expect(() => floatFeature(obs, 'observation.taxels.pad', 4, 'Enc')).toThrow("Enc: sample 0 feature 'observation.taxels.pad' is Float64Array of 4 values, expected a Float32Array");
    expect(() => floatFeature(obs, 'observation.state', 3, 'Enc')).toThrow("Enc: sample 0 feature 'observation.state' has 2 values, expected 3");
    expect(() => imageFeature(obs, 'observation.images.top', 2, 2, 'Enc')).toThrow("Enc: sample 0 feature 'observation.images.top' is 1x2 with 6 bytes, expected 2x2x3 = 12 bytes");
    expect(() => imageFeature(obs, 'task', 2, 2, 'Enc')).toThrow("Enc: sample 0 feature 'task' is string, expected an ImageFrame");
    expect(() => textFeature(obs, 'observation.state', 'Enc')).toThrow("Enc: sample 0 feature 'observation.state' is Float32Array of 2 values, expected a string");
  });
});
