import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { INSTRUCTION_EMBEDDINGS, type InstructionEmbeddings } from '@actfusion/encoder-language';
import { isConditioner, Normalizer, Rng, type ModalityEncoder } from '@actfusion/cvae-core';
import { collateObservations, disposeCollated } from '@actfusion/cvae-core/training';
import { writeSafetensors } from '@actfusion/cvae-core/io';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { observationSpec, type ImageFrame, type Observation } from '@actfusion/contracts';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { buildExperimentContainer } from '../src/composition/experiment-container.js';
import { loadConfig } from '../src/config/load-config.js';

const registry = builtinKinds();
/** A raw observation's state, and a deterministic RGB frame, as robots and datasets hand them over. */
const raw = (stateDim: number, i: number): Observation => ({ 'observation.state': Float32Array.from({ length: stateDim }, (_, j) => i - j) });
const frame = (size: number, seed: number): ImageFrame => ({
  height: size,
  width: size,
  data: Uint8Array.from({ length: size * size * 3 }, (_, j) => (j * 31 + seed * 97) % 256),
});
const small = ['policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.chunkSize=3', 'policy.nEncoderLayers=1', 'cvae.nVaeEncoderLayers=1'];

/** Build the preset with small sizes, check its encoders, featurise raw observations through them, compute one training loss. */
async function lossOf(
  preset: string,
  set: string[],
  spec: ObservationSpec,
  observations: Observation[],
  tasks?: string[],
): Promise<{ encoders: ModalityEncoder[]; names: string[][]; loss: number }> {
  await tf.setBackend('cpu');
  const config = await loadConfig(preset, { registry, set: [...small, ...set] });
  const before = tf.memory().numTensors;
  const exp = await buildExperimentContainer(config, { registry, spec, ...(tasks ? { tasks } : {}) });
  const encoders = exp.container.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder);
  const names = encoders.map((e) => e.namedParameters().map(([n]) => n));
  const policy = exp.policy();
  const B = observations.length;
  const batch = collateObservations(observations, spec, Normalizer.identity(spec.stateDim, spec.actionDim), policy.encoders);
  const loss = tf.tidy(() => {
    const r = policy.computeLoss(batch, tf.randomNormal([B, 3, spec.actionDim], 0, 1, 'float32', 2), tf.zeros([B, 3]), new Rng(3));
    return r.loss.dataSync()[0]!;
  });
  disposeCollated(batch);
  await exp.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return { encoders, names, loss };
}

describe('extension presets build through the kind registry', () => {
  it('mt-act: language (Conditioner, learned table over the dataset tasks) + joints + FiLM ResNet; the policy computes a loss', async () => {
    const spec: ObservationSpec = observationSpec({ stateDim: 4, actionDim: 4, cameras: { angle: [64, 64] }, task: true });
    const observations = ['lift the red cube', 'lift the blue cube'].map((task, i) => ({ ...raw(4, i), 'observation.images.angle': frame(64, i), task }));
    const { encoders, names, loss } = await lossOf('mt-act', ['encoders.2.backbone=resnet-tiny'], spec, observations, ['lift the red cube', 'lift the blue cube']);
    expect(encoders.map((e) => e.constructor.name)).toEqual(['JointsEncoder', 'LanguageEncoder', 'VisionResNetEncoder']);
    expect(isConditioner(encoders[1]!)).toBe(true);
    expect(names[2]).toContain('backbone_film.layer3.weight');
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
  });

  it('visuo-tactile-act: joints + RGB ResNet + a ResNet per tactile sensor; the policy computes a loss', async () => {
    const sensors = ['right_finger_a', 'right_finger_b'];
    const spec: ObservationSpec = observationSpec({
      stateDim: 4,
      actionDim: 4,
      cameras: { angle: [64, 64] },
      tactile: Object.fromEntries(sensors.map((s) => [s, [16, 16]])),
    });
    const observations = [0, 1].map((i) => ({
      ...raw(4, i),
      'observation.images.angle': frame(64, i),
      ...Object.fromEntries(sensors.map((s, j) => [`observation.tactile.${s}`, frame(16, i + j)])),
    }));
    const { encoders, names, loss } = await lossOf('visuo-tactile-act', ['encoders.1.backbone=resnet-tiny', 'encoders.2.backbone=resnet-tiny'], spec, observations);
    expect(encoders.map((e) => e.constructor.name)).toEqual(['JointsEncoder', 'VisionResNetEncoder', 'VisuoTactileEncoder']);
    expect(encoders[2]!.tokenCount(spec)).toBe(2);
    expect(names[2]).toContain('tactile_backbones.1.conv1.weight');
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
  });

  it('mt-act with an embeddings file: the table is in the container and sets the embedding width', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mt-act-'));
    const file = join(dir, 'tasks.json');
    await writeFile(file, JSON.stringify({ dim: 8, embeddings: { 'pick up the cube': [1, 0, 0, 0, 0, 0, 0, 0], 'open the drawer': [0, 1, 0, 0, 0, 0, 0, 0] } }));
    const config = await loadConfig('mt-act', { registry, set: [...small, 'encoders.2.backbone=resnet-tiny', `encoders.1.embeddings=${file}`] });
    const exp = await buildExperimentContainer(config, { registry, spec: observationSpec({ stateDim: 4, actionDim: 4, cameras: { angle: [64, 64] }, task: true }) });
    const table = exp.container.resolve<InstructionEmbeddings>(INSTRUCTION_EMBEDDINGS);
    expect(table.instructions()).toEqual(['pick up the cube', 'open the drawer']);
    const shapes = new Map(exp.policy().namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes.get('proj_text_emb.weight')).toEqual([16, 8]);
    await exp.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('mt-act with a bad embeddings file: malformed JSON, a NaN, or a width that disagrees with embeddingDim, named by field and file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mt-act-bad-'));
    const spec = observationSpec({ stateDim: 4, actionDim: 4, cameras: { angle: [64, 64] }, task: true });
    const build = async (file: string, extra: string[] = []) => {
      const config = await loadConfig('mt-act', { registry, set: [...small, 'encoders.2.backbone=resnet-tiny', `encoders.1.embeddings=${file}`, ...extra] });
      return buildExperimentContainer(config, { registry, spec });
    };
    const json = join(dir, 'tasks.json');
    await writeFile(json, '{"dim": 2, "embeddings": {"lift": [1, 0]');
    await expect(build(json)).rejects.toThrow(new RegExp(`^encoders\\.1\\.embeddings: ${json}: not readable as JSON`));
    await writeFile(json, JSON.stringify({ dim: 2, embeddings: { lift: [1, 0], drop: [0, 1, 0] } }));
    await expect(build(json)).rejects.toThrow(`encoders.1.embeddings: ${json}: embeddings["drop"] has 3 values, expected dim 2`);
    await writeFile(json, JSON.stringify({ dim: 2, embeddings: { lift: [1, 0] } }));
    await expect(build(json, ['encoders.1.embeddingDim=384'])).rejects.toThrow(
      `encoders.1.embeddingDim is 384, but ${json} holds 2-d embeddings; expected them to agree (set embeddingDim: 2 or omit it)`,
    );
    const st = join(dir, 'tasks.safetensors');
    const m = tf.tensor2d([1, Number.NaN, 0, 1], [2, 2]);
    await writeSafetensors(st, { embeddings: m }, { metadata: { instructions: JSON.stringify(['lift', 'drop']) } });
    m.dispose();
    await expect(build(st)).rejects.toThrow(`encoders.1.embeddings: ${st}: embeddings["lift"][1] is NaN, expected a finite number`);
    await rm(dir, { recursive: true, force: true });
  });

  it('mt-act without an embeddings file: the learned table comes from the dataset tasks, or from the checkpoint being loaded', async () => {
    const config = await loadConfig('mt-act', { registry, set: [...small, 'encoders.2.backbone=resnet-tiny'] });
    const spec = observationSpec({ stateDim: 4, actionDim: 4, cameras: { angle: [64, 64] }, task: true });
    await expect(buildExperimentContainer(config, { registry, spec })).rejects.toThrow(/encoders\.1 \(language\): no instruction table; name a file of sentence embeddings/);
    const trained = await buildExperimentContainer(config, { registry, spec, tasks: ['lift the red cube', 'lift the blue cube', 'lift the red cube'] });
    const table = trained.container.resolve<InstructionEmbeddings>(INSTRUCTION_EMBEDDINGS);
    expect([table.learnedTable, table.instructions()]).toEqual([true, ['lift the blue cube', 'lift the red cube']]);
    expect(new Map(trained.policy().namedParameters().map(([n, v]) => [n, v.shape])).get('proj_text_emb.weight')).toEqual([16, 2]);
    const ckpt = await mkdtemp(join(tmpdir(), 'mt-act-ckpt-'));
    await mkdir(join(ckpt, 'pretrained_model'));
    await table.save(join(ckpt, 'pretrained_model', 'instruction_embeddings.json'));
    await trained.dispose();
    const loaded = await buildExperimentContainer(config, { registry, spec, checkpoint: ckpt });
    expect(loaded.container.resolve<InstructionEmbeddings>(INSTRUCTION_EMBEDDINGS).instructions()).toEqual(['lift the blue cube', 'lift the red cube']);
    await loaded.dispose();
    await expect(buildExperimentContainer(config, { registry, spec, checkpoint: tmpdir() })).rejects.toThrow(/has no instruction_embeddings\.json and the config names no embeddings file/);
    await rm(ckpt, { recursive: true, force: true });
  });

  it('bad extension options fail at load time naming the field', async () => {
    await expect(loadConfig('mt-act', { registry, set: ['encoders.1.film=maybe'] })).rejects.toThrow(/encoders\.1\.film/);
    await expect(loadConfig('visuo-tactile-act', { registry, set: ['encoders.2.sharedBackbones=true'] })).rejects.toThrow(/encoders\.2/);
  });
});
