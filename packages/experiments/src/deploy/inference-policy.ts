import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { assembleBatch, Normalizer, type ActPolicy, type NormalizerJson, type ObservationBatch } from '@actfusion/cvae-core';
import {
  normalizerJsonOf,
  readLeRobotCheckpoint,
  type FeatureNormalization,
  type LeRobotPolicyDescription,
} from '@actfusion/cvae-core/io';
import { IMAGENET_MEAN, IMAGENET_STD } from '@actfusion/cvae-core/nn';
import { collateObservations, disposeCollated } from '@actfusion/cvae-core/training';
import { type Observation, type ObservationSpec } from '@actfusion/contracts';
import { buildExperimentContainer, type ExperimentContainer } from '../composition/experiment-container.js';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';

/** Raw inputs as tensors: the state in robot units [B, S], images [B, H, W, 3] in [0, 1] by feature key. */
export interface RawBatch {
  readonly qpos: tf.Tensor2D;
  readonly images: Readonly<Record<string, tf.Tensor4D>>;
}

/** Where the statistics of a loaded policy came from. */
export type NormalizationSource = 'processor' | 'legacy' | 'normalizer.json' | 'none';

/** How the vision encoder of `camera` normalises images itself (`imagenet` or `none`). */
function encoderImageNormalization(config: ExperimentConfig, camera: string): 'imagenet' | 'none' {
  for (const e of config.encoders) {
    if (e.kind !== 'vision-resnet') continue;
    const cams = e['cameras'] as string[] | undefined;
    if (cams === undefined || cams.includes(camera)) return (e['normalize'] as 'imagenet' | 'none' | undefined) ?? 'imagenet';
  }
  return 'none';
}

const isImagenet = (f: FeatureNormalization) =>
  f.mode === 'MEAN_STD' && f.shift.every((v, i) => Math.abs(v - IMAGENET_MEAN[i]!) < 1e-4) && f.scale.every((v, i) => Math.abs(v - IMAGENET_STD[i]!) < 1e-4);

/**
 * A trained policy ready for inference on raw observations: the network the config composes, the
 * checkpoint's weights, and its normalisation (LeRobot processor files, else actfusion's
 * `normalizer.json`, else LeRobot's legacy buffers, else none), applied per feature as LeRobot's
 * normaliser does. Runs on the caller's thread; `ChunkPredictor`s wrap it.
 */
export class InferencePolicy {
  private constructor(
    private readonly exp: ExperimentContainer,
    readonly policy: ActPolicy,
    /** What the checkpoint's `config.json` says (LeRobot feature keys, camera order). */
    readonly description: LeRobotPolicyDescription,
    readonly spec: ObservationSpec,
    readonly normalizer: Normalizer,
    /** Per camera, the checkpoint's image statistics the encoder does not apply itself. */
    readonly imageMaps: ReadonlyMap<string, FeatureNormalization>,
    readonly normalizationSource: NormalizationSource,
  ) {}

  get chunkSize(): number {
    return this.policy.config.chunkSize;
  }

  /**
   * Build and load. The tensor backend must already be set (e.g. `createRuntime`). `spec` is the
   * robot's observation spec (default: the checkpoint's `config.json` features).
   */
  static async load(config: ExperimentConfig, pretrainedDir: string, options: { registry: KindRegistry; spec?: ObservationSpec }): Promise<InferencePolicy> {
    const ckpt = await readLeRobotCheckpoint(pretrainedDir);
    let exp: ExperimentContainer | undefined;
    try {
      const spec = options.spec ?? ckpt.description.spec;
      // `checkpoint`: files a kind saved beside the weights (the language encoder's instruction table).
      const stepDir = basename(pretrainedDir) === 'pretrained_model' ? dirname(pretrainedDir) : undefined;
      exp = await buildExperimentContainer(config, { registry: options.registry, spec, withRuntime: false, weightsReplaced: true, ...(stepDir ? { checkpoint: stepDir } : {}) });
      const policy = exp.policy();
      policy.loadStateDict(ckpt.tensors, { source: join(pretrainedDir, 'model.safetensors') });
      policy.eval();
      let json: NormalizerJson;
      let source: NormalizationSource;
      const imageMaps = new Map<string, FeatureNormalization>();
      const n = ckpt.normalization;
      if (n !== null) {
        json = normalizerJsonOf(n, spec.stateDim, spec.actionDim);
        source = n.layout;
        for (const feature of spec.features.filter((x) => x.kind === 'image')) {
          const cam = feature.key.startsWith('observation.images.') ? feature.key.slice('observation.images.'.length) : feature.key;
          const f = n.inputs.get(feature.key);
          if (!f) continue;
          if (encoderImageNormalization(config, cam) === 'imagenet') {
            if (!isImagenet(f)) {
              throw new Error(
                `${n.sources.join(', ')}: feature '${f.key}' has statistics other than ImageNet's, but the config's vision-resnet encoder ` +
                  `normalises camera '${cam}' with ImageNet's itself; set its normalize: none to use the checkpoint's`,
              );
            }
          } else {
            imageMaps.set(cam, f);
          }
        }
      } else {
        const path = join(pretrainedDir, 'normalizer.json');
        let text: string | null = null;
        try {
          text = await readFile(path, 'utf8');
        } catch {
          text = null;
        }
        if (text !== null) {
          json = JSON.parse(text) as NormalizerJson;
          source = 'normalizer.json';
          Normalizer.fromJSON(json, path);
        } else {
          json = Normalizer.identity(spec.stateDim, spec.actionDim).toJSON();
          source = 'none';
        }
      }
      const normalizer = Normalizer.fromJSON(json, pretrainedDir);
      return new InferencePolicy(exp, policy, ckpt.description, spec, normalizer, imageMaps, source);
    } catch (err) {
      await exp?.dispose();
      throw err;
    } finally {
      for (const t of ckpt.tensors.values()) t.dispose();
    }
  }

  /** The image statistics the graph must apply, by feature key, for an ONNX export of this policy. */
  onnxImageNormalization(): ReadonlyMap<string, FeatureNormalization> {
    return new Map([...this.imageMaps].map(([cam, f]) => [`observation.images.${cam}`, f]));
  }

  /** Normalise a raw batch (state in robot units, images [B, H, W, 3] in [0, 1]); the caller keeps `raw`. */
  normalizeBatch(raw: RawBatch): ObservationBatch {
    const qpos = tf.tensor2d(this.normalizer.normalizeQpos(raw.qpos.dataSync() as Float32Array), raw.qpos.shape);
    const images: Record<string, tf.Tensor4D> = {};
    for (const [key, img] of Object.entries(raw.images)) {
      const f = this.imageMaps.get(key.startsWith('observation.images.') ? key.slice('observation.images.'.length) : key);
      images[key] = tf.tidy(() => {
        if (!f) return tf.clone(img);
        const y = tf.div(tf.sub(img, tf.tensor1d(f.shift)), tf.tensor1d(f.scale));
        return (f.mode === 'MIN_MAX' ? tf.sub(tf.mul(y, 2), 1) : y) as tf.Tensor4D;
      });
    }
    return assembleBatch(this.policy.encoders, qpos, images);
  }

  /** The unnormalised chunk [B, k, A] for a raw batch. */
  predictBatch(raw: RawBatch): tf.Tensor3D {
    const batch = this.normalizeBatch(raw);
    try {
      return tf.tidy(() => this.normalizer.unnormalizeActionTensor(this.policy.predictChunk(batch)));
    } finally {
      disposeCollated(batch);
    }
  }

  /** One raw observation -> `chunkSize` actions in robot units. Leaves no tensors behind. */
  predictObservation(observation: Observation): Float32Array[] {
    // The shared state is normalised by collate, every encoder featurises its own inputs; checkpoint
    // image statistics the encoders do not apply themselves are applied here, by feature key.
    const batch = collateObservations([observation], this.spec, this.normalizer, this.policy.encoders);
    const made: tf.Tensor[] = [];
    const inputs: Record<string, Record<string, tf.Tensor>> = {};
    for (const [name, part] of Object.entries(batch.inputs)) {
      inputs[name] = {};
      for (const [key, t] of Object.entries(part)) {
        const f = this.imageMaps.get(key.startsWith('observation.images.') ? key.slice('observation.images.'.length) : key);
        if (!f) {
          inputs[name]![key] = t;
          continue;
        }
        const y = tf.tidy(() => {
          const z = tf.div(tf.sub(t, tf.tensor1d(f.shift)), tf.tensor1d(f.scale));
          return f.mode === 'MIN_MAX' ? tf.sub(tf.mul(z, 2), 1) : z;
        });
        made.push(y);
        inputs[name]![key] = y;
      }
    }
    let out: tf.Tensor3D;
    try {
      out = tf.tidy(() => this.normalizer.unnormalizeActionTensor(this.policy.predictChunk({ qpos: batch.qpos, inputs })));
    } finally {
      disposeCollated(batch);
      tf.dispose(made);
    }
    const [, k, a] = out.shape;
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return Array.from({ length: k }, (_, i) => data.slice(i * a, (i + 1) * a));
  }

  async dispose(): Promise<void> {
    await this.exp.dispose();
  }
}
