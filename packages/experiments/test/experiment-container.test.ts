import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { assembleBatch, type ModalityEncoder } from '@actfusion/cvae-core';
import { TOKENS } from '@actfusion/contracts';
import { observationSpec } from '@actfusion/contracts';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { buildExperimentContainer } from '../src/composition/experiment-container.js';
import { loadConfig } from '../src/config/load-config.js';

const registry = builtinKinds();
const spec = observationSpec({ stateDim: 14, actionDim: 14, cameras: { top: [48, 64] } });

describe('composition root', () => {
  it('builds the policy from kinds in a child container, encoders in config order', async () => {
    await tf.setBackend('cpu');
    const config = await loadConfig('act-small', { registry, set: ['policy.dimModel=32', 'policy.dimFeedforward=64', 'policy.chunkSize=5'] });
    const before = tf.memory().numTensors;
    const exp = await buildExperimentContainer(config, { registry, spec });
    const encoders = exp.container.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder);
    expect(encoders.map((e) => e.constructor.name)).toEqual(['JointsEncoder', 'VisionResNetEncoder']);
    expect(container.isRegistered(TOKENS.ModalityEncoder, true)).toBe(false);
    const policy = exp.policy();
    expect(exp.policy()).toBe(policy);
    const chunk = tf.tidy(() =>
      policy.predictChunk(assembleBatch(policy.encoders, tf.zeros([2, 14]), { 'observation.images.top': tf.zeros([2, 48, 64, 3]) })),
    );
    expect(chunk.shape).toEqual([2, 5, 14]);
    chunk.dispose();
    await exp.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('two experiments do not share encoders', async () => {
    const a = await loadConfig('act-small', { registry, set: ['policy.dimModel=32', 'policy.dimFeedforward=64'] });
    const b = await loadConfig('act-small', { registry, set: ['policy.dimModel=32', 'policy.dimFeedforward=64', 'encoders=[{kind: joints}]'] });
    const ea = await buildExperimentContainer(a, { registry, spec });
    const eb = await buildExperimentContainer(b, { registry, spec: observationSpec({ stateDim: 14, actionDim: 14 }) });
    expect(ea.container.resolveAll(TOKENS.ModalityEncoder)).toHaveLength(2);
    expect(eb.container.resolveAll(TOKENS.ModalityEncoder)).toHaveLength(1);
    await ea.dispose();
    await eb.dispose();
  });
});
