import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRuntime,
  Normalizer,
  parsePolicyConfig,
  Rng,
  type ModalityEncoder,
  type TensorRuntime,
} from '@actfusion/cvae-core';
import { collateObservations, disposeCollated } from '@actfusion/cvae-core/training';
import { TOKENS, type Observation, type ObservationSpec } from '@actfusion/contracts';
import { ScriptedExpert, SimRobot } from '@actfusion/robot-io';
import { registerVisuoTactileEncoder } from '../src/register-visuo-tactile-encoder.js';

/**
 * The real path: MuJoCo touch-sensor taxels and their rendered tactile images from robot-io's
 * SimRobot (transfer-cube, scripted expert), collated by cvae-core and encoded here.
 */
describe('tactile tokens from the MuJoCo sim', () => {
  let runtime: TensorRuntime;
  let robot: SimRobot;
  let expert: ScriptedExpert;
  let free: Observation;
  let grasp: Observation;
  beforeAll(async () => {
    runtime = await createRuntime({ backend: 'cpu', seed: 1 });
    robot = await SimRobot.create({ task: 'transfer-cube', cameras: [] });
    expert = new ScriptedExpert(robot);
    robot.reset(2);
    expert.reset();
    free = await robot.observe();
    // Tick 170: the right gripper holds the cube (robot-io's taxel test), the left one is free.
    for (let t = 0; t < 170; t++) robot.step(expert.action());
    grasp = await robot.observe();
  });
  afterAll(() => {
    expert.delete();
    robot.close();
    runtime.dispose();
  });

  it('a grasp changes the image tokens and the taxel token of the touching finger only', () => {
    // The robot's own feature specs: each finger emits a tactile image and its taxels, by key.
    const spec: ObservationSpec = robot.observationSpec();
    const stateDim = spec.stateDim;
    const c = container.createChildContainer();
    c.register(TOKENS.ObservationSpec, { useValue: spec });
    c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: 16, nHeads: 2 }) });
    c.register(TOKENS.InitRng, { useValue: new Rng(3) });
    registerVisuoTactileEncoder(c, { width: 4, sensors: ['right_finger_a', 'left_finger_a'], taxels: ['right_finger_a'], taxelHidden: 8 });
    const enc = c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder)[0]!;
    expect(enc.tokenCount(spec)).toBe(3); // 16x16 images: one cell each, plus the taxel token
    // cvae-core batches the shared state; the encoder featurises the raw sim observations itself.
    const batch = collateObservations([free, grasp], spec, Normalizer.identity(stateDim, stateDim), [enc]);
    const taxels = batch.inputs.tactile!['observation.taxels.right_finger_a']!;
    expect(taxels.shape).toEqual([2, 4, 4, 1]);
    const ts = enc.encode(batch, { training: false });
    expect(ts.tokens.shape).toEqual([2, 3, 16]);
    // Per token: how much the grasp sample differs from the free one.
    const [a, b] = tf.split(ts.tokens, 2, 0);
    const d = tf.max(tf.abs(tf.sub(a!, b!)), [0, 2]).dataSync();
    expect(d[0]).toBeGreaterThan(0); // right finger image: contact
    expect(d[1]).toBe(0); // left finger image: free in both
    expect(d[2]).toBeGreaterThan(0); // right finger taxels: contact forces
    expect(Math.max(...taxels.dataSync().slice(16))).toBeGreaterThan(0);
    tf.dispose([ts.tokens, ts.positions, a!, b!]);
    disposeCollated(batch);
    enc.dispose();
  });
});
