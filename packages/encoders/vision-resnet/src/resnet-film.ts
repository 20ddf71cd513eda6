import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module } from '@actfusion/cvae-core/nn';
import type { FilmTerms, ResNet, ResNetFilm } from './resnet.js';

/**
 * MT-ACT's FiLM generator for a `ResNet`: for each FiLM'd stage `layerN` a
 * `Linear(conditioningDim -> numBlocks * 2 * planes)` (child `layerN`) whose output, viewed as
 * [B, numBlocks, 2, planes], gives block b its (gamma, beta) = ([:, b, 0], [:, b, 1]).
 * Weights and biases start at zero, so gamma = beta = 0 and `(1 + gamma) * out + beta` is the
 * identity until training moves them. MT-ACT FiLMs stages 2, 3 and 4 (`stages: [2, 3, 4]`).
 */
export class ResNetFilmGenerator extends Module {
  readonly stages: readonly number[];
  private readonly blocks: readonly number[];
  private readonly planes: readonly number[];
  private readonly linears: Linear[];

  constructor(
    backbone: ResNet,
    readonly conditioningDim: number,
    stages: readonly number[] = [2, 3, 4],
  ) {
    super();
    const n = backbone.layers.length;
    if (stages.length === 0) throw new Error('ResNetFilmGenerator: stages is empty, expected some of 1..4');
    for (const s of stages) {
      if (!Number.isInteger(s) || s < 1 || s > n) throw new Error(`ResNetFilmGenerator: stage ${s} does not exist, expected 1..${n}`);
    }
    if (new Set(stages).size !== stages.length) throw new Error(`ResNetFilmGenerator: stages [${stages}] repeat a stage`);
    this.stages = [...stages].sort((a, b) => a - b);
    this.blocks = this.stages.map((s) => backbone.layers[s - 1]!.items.length);
    this.planes = this.stages.map((s) => backbone.stageChannels(s - 1));
    this.linears = this.stages.map((s, i) => {
      const lin = this.registerModule(`layer${s}`, new Linear(conditioningDim, this.blocks[i]! * 2 * this.planes[i]!));
      for (const v of [lin.weight, lin.bias!]) {
        const z = tf.zerosLike(v);
        v.assign(z);
        z.dispose();
      }
      return lin;
    });
  }

  /** The Linear of stage `stage` (1-based, one of `stages`): rows [block][gamma|beta][planes]. */
  stageLinear(stage: number): Linear {
    const i = this.stages.indexOf(stage);
    if (i < 0) throw new Error(`ResNetFilmGenerator: stage ${stage} is not FiLM'd (stages ${this.stages.join(', ')})`);
    return this.linears[i]!;
  }

  /** conditioning [B, conditioningDim] -> FiLM terms for `ResNet.forward`. Call inside `tf.tidy`. */
  forward(conditioning: tf.Tensor2D): ResNetFilm {
    if (conditioning.rank !== 2 || conditioning.shape[1] !== this.conditioningDim) {
      throw new Error(`ResNetFilmGenerator: conditioning has shape [${conditioning.shape}], expected [B, ${this.conditioningDim}]`);
    }
    const b = conditioning.shape[0];
    const film: (FilmTerms[] | undefined)[] = [];
    this.stages.forEach((s, i) => {
      const nb = this.blocks[i]!;
      const planes = this.planes[i]!;
      const out = tf.reshape(this.linears[i]!.forward(conditioning), [b, nb, 2, planes]);
      const terms: FilmTerms[] = [];
      for (let k = 0; k < nb; k++) {
        terms.push({
          gamma: tf.reshape(tf.slice(out, [0, k, 0, 0], [b, 1, 1, planes]), [b, planes]),
          beta: tf.reshape(tf.slice(out, [0, k, 1, 0], [b, 1, 1, planes]), [b, planes]),
        });
      }
      film[s - 1] = terms;
    });
    return film;
  }
}
