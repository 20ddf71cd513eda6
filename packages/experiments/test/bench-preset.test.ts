import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { benchPolicyParts, readBenchPreset } from '../src/act/bench-preset.js';
import { buildActPolicy } from '../src/act/build-act-policy.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

describe('bench presets build the peer\'s models', () => {
  useRuntime();

  // The PyTorch peer (act_torch.py) reports these counts; LeRobot logs 51,613,582 for its default ACT.
  it.each([
    ['act-small', 18_723_854],
    ['act-paper', 51_613_582],
  ])('%s has exactly the peer\'s parameter count', async (name, count) => {
    const { preset } = await readBenchPreset(name);
    const { config, spec, width } = benchPolicyParts(preset);
    const before = tf.memory().numTensors;
    const { policy } = buildActPolicy({ config, spec, vision: { width }, seed: 0 });
    expect(policy.parameterCount()).toBe(count);
    policy.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a bad preset field', async () => {
    await expect(readBenchPreset('/nonexistent/x.json')).rejects.toThrow(/x\.json: cannot read/);
  });
});
