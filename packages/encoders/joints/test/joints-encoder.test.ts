import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { parsePolicyConfig, Rng, type ModalityEncoder } from '@actfusion/cvae-core';
import { TOKENS } from '@actfusion/contracts';
import { observationSpec } from '@actfusion/contracts';
import { registerJointsEncoder } from '../src/register-joints-encoder.js';
import type { JointsEncoder } from '../src/joints-encoder.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

useRuntime();

function build(stateDim: number): JointsEncoder {
  const c = container.createChildContainer();
  c.register(TOKENS.ObservationSpec, { useValue: observationSpec({ stateDim, actionDim: 2 }) });
  c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: 8, nHeads: 2 }) });
  c.register(TOKENS.InitRng, { useValue: new Rng(3) });
  registerJointsEncoder(c);
  const all = c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder);
  expect(all).toHaveLength(1);
  expect(c.resolveAll(TOKENS.ModalityEncoder)[0]).toBe(all[0]); // one instance per container
  return all[0] as JointsEncoder;
}

describe('JointsEncoder', () => {
  it('qpos as one token W q + b, LeRobot name at the top level, learned 1-D position from the policy', () => {
    const enc = build(3);
    expect([...enc.stateDict().keys()].sort()).toEqual(['encoder_robot_state_input_proj.bias', 'encoder_robot_state_input_proj.weight']);
    expect(enc.parameterPrefix).toBe('');
    expect(enc.learnedPositions).toBe(true);
    expect(enc.features).toEqual([{ key: 'observation.state', kind: 'state', shape: [3] }]);
    const q = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
    const { tokens, positions } = enc.encode({ qpos: q, inputs: { joints: enc.featurise() } }, { training: false });
    expect(tokens.shape).toEqual([2, 1, 8]);
    expect([...positions.dataSync()]).toEqual(new Array(8).fill(0));
    const w = enc.encoder_robot_state_input_proj.weight.arraySync() as number[][];
    const b = enc.encoder_robot_state_input_proj.bias!.arraySync() as number[];
    const want = w.map((row, i) => row[0]! * 1 + row[1]! * 2 + row[2]! * 3 + b[i]!);
    const got = [...tokens.dataSync()].slice(0, 8);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    [...tokens.dataSync()].slice(8).forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 6));
    enc.dispose();
  });

  it('names a qpos of the wrong width', () => {
    const enc = build(3);
    expect(() => enc.encode({ qpos: tf.zeros([1, 4]) as tf.Tensor2D, inputs: {} }, { training: false })).toThrow(/qpos has shape \[1,4\], expected \[B, 3\]/);
    enc.dispose();
  });
});
