import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  
  isConditioner,
  parsePolicyConfig,
  Rng,
  type ModalityEncoder, 
} from '@actfusion/cvae-core';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { observationSpec } from '@actfusion/contracts';
import { InstructionEmbeddings } from '../src/instruction-embeddings.js';
import { LanguageEncoder } from '../src/language-encoder.js';
import { INSTRUCTION_EMBEDDINGS } from '../src/language-encoder-options.js';
import { LanguageTokenEncoder } from '../src/language-token-encoder.js';
import { registerLanguageEncoder } from '../src/register-language-encoder.js';
import type { LanguageEncoderOptions } from '../src/language-encoder-options.js';
import { languageBatch } from './helpers.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

const D = 16;
const E = 384;
const spec: ObservationSpec = observationSpec({ stateDim: 3, actionDim: 3, task: true });

useRuntime();

function build(options: LanguageEncoderOptions = {}, s: ObservationSpec = spec): ModalityEncoder {
  const c = container.createChildContainer();
  c.register(TOKENS.ObservationSpec, { useValue: s });
  c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: D, nHeads: 2 }) });
  c.register(TOKENS.InitRng, { useValue: new Rng(3) });
  registerLanguageEncoder(c, options);
  const all = c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder);
  expect(all).toHaveLength(1);
  expect(c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder)[0]).toBe(all[0]); // container-scoped
  return all[0]!;
}

describe('LanguageEncoder (MT-ACT)', () => {
  it('registers through a child container only, as a Conditioner by default and a token-only encoder with film: false', () => {
    const e = build();
    expect(e).toBeInstanceOf(LanguageEncoder);
    expect(isConditioner(e)).toBe(true);
    expect(container.isRegistered(TOKENS.ModalityEncoder, true)).toBe(false);
    const t = build({ film: false });
    expect(t).toBeInstanceOf(LanguageTokenEncoder);
    expect(isConditioner(t)).toBe(false);
    e.dispose();
    t.dispose();
  });

  it('is one token with a learned position; proj_text_emb = Linear(384 -> D) at the top level', () => {
    const e = build();
    expect(e.tokenCount(spec)).toBe(1);
    expect(e.learnedPositions).toBe(true);
    expect(e.parameterPrefix).toBe('');
    expect(e.features).toEqual([{ key: 'task', kind: 'text', shape: [] }]);
    expect(e.namedParameters().map(([n, v]) => [n, v.shape])).toEqual([
      ['proj_text_emb.weight', [D, E]],
      ['proj_text_emb.bias', [D]],
    ]);
    e.dispose();
  });

  it('token = condition(batch) = W e + b for each sample; positions are zeros', () => {
    const e = build() as LanguageEncoder;
    const language = languageBatch(E, [1, 2, 3]);
    const batch = { qpos: tf.zeros([3, 3]) as tf.Tensor2D, inputs: { language: { task: language } } };
    const before = tf.memory().numTensors;
    const ts = e.encode(batch, { training: false });
    const cond = e.condition(batch);
    expect(ts.tokens.shape).toEqual([3, 1, D]);
    expect(ts.positions.shape).toEqual([1, D]);
    expect([...ts.positions.dataSync()]).toEqual(new Array(D).fill(0));
    expect(cond.shape).toEqual([3, D]);
    expect([...ts.tokens.dataSync()]).toEqual([...cond.dataSync()]);
    // By hand: row 1 = W e_1 + b.
    const W = e.proj_text_emb.weight.arraySync() as number[][];
    const b = e.proj_text_emb.bias!.arraySync() as number[];
    const e1 = (language.arraySync() as number[][])[1]!;
    const row1 = (cond.arraySync() as number[][])[1]!;
    W.forEach((w, j) => expect(row1[j]).toBeCloseTo(w.reduce((s, x, i) => s + x * e1[i]!, b[j]!), 5));
    tf.dispose([ts.tokens, ts.positions, cond]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([batch.qpos, language]);
    e.dispose();
  });

  it('gradients reach proj_text_emb through the token and through the conditioning vector', () => {
    const e = build() as LanguageEncoder;
    const language = languageBatch(E, [4, 5]);
    const batch = { qpos: tf.zeros([2, 3]) as tf.Tensor2D, inputs: { language: { task: language } } };
    const vars = e.namedParameters().map(([, v]) => v);
    for (const f of [
      () => tf.sum(tf.square(e.encode(batch, { training: true }).tokens)) as tf.Scalar,
      () => tf.sum(tf.square(e.condition(batch))) as tf.Scalar,
    ]) {
      const { value, grads } = tf.variableGrads(() => tf.tidy(f), vars);
      for (const v of vars) expect(tf.max(tf.abs(grads[v.name]!)).dataSync()[0]).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads)]);
    }
    tf.dispose([batch.qpos, language]);
    e.dispose();
  });

  it('names the missing or misshapen task input and a bad embeddingDim', () => {
    const e = build();
    const qpos = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => e.encode({ qpos, inputs: {} }, { training: false })).toThrow(/the batch has no inputs for encoder 'language'/);
    const wrong = tf.zeros([2, 100]) as tf.Tensor2D;
    expect(() => e.encode({ qpos, inputs: { language: { task: wrong } } }, { training: false })).toThrow(/input 'task' has shape \[2,100\], expected \[2, 384\]/);
    const wrongB = tf.zeros([3, E]) as tf.Tensor2D;
    expect(() => e.encode({ qpos, inputs: { language: { task: wrongB } } }, { training: false })).toThrow(/expected \[2, 384\]/);
    const table = InstructionEmbeddings.fromRecord({ lift: [1, 0] }, { source: 'two.json' });
    expect(() => build({ embeddingDim: 512, embeddings: table })).toThrow(/embeddingDim 512 differs from the 2-d embeddings of two.json/);
    const small = build({ embeddingDim: 8 });
    expect(small.namedParameters()[0]![1].shape).toEqual([D, 8]);
    tf.dispose([qpos, wrong, wrongB]);
    e.dispose();
    small.dispose();
  });

  it('registers an instruction table under INSTRUCTION_EMBEDDINGS; its dim sets the embedding width', () => {
    const table = InstructionEmbeddings.fromRecord({ 'pick up the cube': [1, 0, 0, 0, 0, 0], 'open the drawer': [0, 1, 0, 0, 0, 0] }, { source: 'tasks.json' });
    const c = container.createChildContainer();
    c.register(TOKENS.ObservationSpec, { useValue: spec });
    c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: D, nHeads: 2 }) });
    c.register(TOKENS.InitRng, { useValue: new Rng(3) });
    registerLanguageEncoder(c, { embeddings: table });
    expect(c.resolve(INSTRUCTION_EMBEDDINGS)).toBe(table);
    const e = c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder)[0]!;
    expect(e.namedParameters()[0]![1].shape).toEqual([D, 6]);
    const language = table.embed(['open the drawer']);
    const qpos = tf.zeros([1, 3]) as tf.Tensor2D;
    const ts = e.encode({ qpos, inputs: { language: { task: language } } }, { training: false });
    expect(ts.tokens.shape).toEqual([1, 1, D]);
    tf.dispose([qpos, language, ts.tokens, ts.positions]);
    expect(() => registerLanguageEncoder(container.createChildContainer(), { embeddings: table, embeddingDim: 384 })).toThrow(
      'registerLanguageEncoder: embeddingDim 384 differs from the 6-d embeddings of tasks.json',
    );
    e.dispose();
  });

  it("featurises each observation's task through the table, naming unknown or missing instructions", () => {
    const table = InstructionEmbeddings.fromRecord({ 'lift the red cube': [1, 0, 0], 'lift the blue cube': [0, 1, 0] }, { source: 'tasks.json' });
    const e = build({ embeddings: table });
    const obs = (task?: string) => ({ 'observation.state': new Float32Array(3), ...(task === undefined ? {} : { task }) });
    const part = e.featurise([obs('lift the blue cube'), obs('lift the red cube')]);
    expect(Object.keys(part)).toEqual(['task']);
    expect(part.task!.arraySync()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    tf.dispose(Object.values(part));
    expect(() => e.featurise([obs('lift the green cube')])).toThrow(/tasks.json: unknown instruction "lift the green cube"; known \(2\)/);
    expect(() => e.featurise([obs('lift the red cube'), obs()])).toThrow(/LanguageEncoder: sample 1 has no feature 'task'/);
    e.dispose();
    const none = build();
    expect(() => none.featurise([obs('lift the red cube')])).toThrow(/LanguageEncoder: no instruction embeddings to featurise 'task' with/);
    none.dispose();
  });
});

describe('LanguageEncoder featurises its own input: the observation task through the table', () => {
  const withTask: ObservationSpec = observationSpec({ stateDim: 3, actionDim: 3, task: true });
  const obs = (task?: string) => ({ 'observation.state': new Float32Array(3), ...(task === undefined ? {} : { task }) });

  it('a learned table embeds each observation task; the same as giving the embedding tensor', () => {
    const table = InstructionEmbeddings.learned(['lift the red cube', 'lift the blue cube']);
    const e = build({ embeddings: table }, withTask) as LanguageEncoder;
    const before = tf.memory().numTensors;
    const qpos = tf.zeros([2, 3]) as tf.Tensor2D;
    const part = e.featurise([obs('lift the red cube'), obs('lift the blue cube')]);
    const viaTable = e.condition({ qpos, inputs: { language: part } });
    const language = tf.tensor2d([[0, 1], [1, 0]]);
    const given = e.condition({ qpos, inputs: { language: { task: language } } });
    expect(viaTable.arraySync()).toEqual(given.arraySync());
    expect(viaTable.arraySync()[0]).not.toEqual(viaTable.arraySync()[1]);
    tf.dispose([viaTable, given, language, qpos, ...Object.values(part)]);
    expect(tf.memory().numTensors).toBe(before);
    e.dispose();
  });

  it('an unknown instruction, a missing one and a missing table are errors that say what was expected', () => {
    const table = InstructionEmbeddings.learned(['lift the red cube', 'lift the blue cube']);
    const e = build({ embeddings: table }, withTask) as LanguageEncoder;
    expect(() => e.featurise([obs('lift the green cube')])).toThrow(/unknown instruction "lift the green cube"; known \(2\): "lift the blue cube", "lift the red cube"/);
    expect(() => e.featurise([obs()])).toThrow(/sample 0 has no feature 'task'/);
    const bare = build({ embeddingDim: 2 }, withTask) as LanguageEncoder;
    expect(() => bare.featurise([obs('lift the red cube')])).toThrow(/no instruction embeddings to featurise 'task' with/);
    e.dispose();
    bare.dispose();
  });
});
