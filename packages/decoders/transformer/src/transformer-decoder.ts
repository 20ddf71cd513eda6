import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable } from 'tsyringe';
import { Rng, type ActionDecoder, type PolicyConfig, type TokenSet } from '@actfusion/cvae-core';
import {
  exportDecoderLayer,
  exportLayerNorm,
  valuesOf,
  type OnnxExportableDecoder,
  type OnnxGraphBuilder,
} from '@actfusion/cvae-core/io';
import {
  Embedding,
  LayerNorm,
  Module,
  ModuleList,
  TransformerDecoderLayer,
  xavierUniformInPlace,
} from '@actfusion/cvae-core/nn';
import { TOKENS } from '@actfusion/contracts';

/** LeRobot's `ACTDecoder`: `layers.N` decoder layers and the final LayerNorm `norm` (DETR). */
export class DecoderStack extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: LayerNorm;

  constructor(config: PolicyConfig, rng: Rng) {
    super();
    const { dimModel, nHeads, dimFeedforward, dropout, feedforwardActivation: activation, preNorm } = config;
    this.layers = this.registerModule(
      'layers',
      new ModuleList(
        Array.from(
          { length: config.nDecoderLayers },
          () => new TransformerDecoderLayer({ dimModel, nHeads, dimFeedforward, dropout, activation, preNorm, rng }),
        ),
      ),
    );
    this.norm = this.registerModule('norm', new LayerNorm(dimModel));
  }
}

/**
 * The DETR-style action decoder of ACT: `chunkSize` learned query positions
 * (`decoder_pos_embed`, N(0, 1) like `nn.Embedding`), zeros as the decoder input, self-attention
 * and cross-attention to the fused memory with positions added to queries and keys, never to
 * values; `decoder.layers.N` then `decoder.norm`. Output [B, k, D]. Parameter names are LeRobot's
 * at the model's top level (`parameterPrefix` ''), matrices of the layers xavier-initialised as in
 * ACT's `_reset_parameters`.
 */
@injectable()
export class TransformerActionDecoder extends Module implements ActionDecoder, OnnxExportableDecoder {
  readonly parameterPrefix = '';
  readonly decoder: DecoderStack;
  readonly decoder_pos_embed: Embedding;

  constructor(
    @inject(TOKENS.PolicyConfig) readonly config: PolicyConfig,
    @inject(TOKENS.InitRng) rng: Rng,
  ) {
    super();
    this.decoder = this.registerModule('decoder', new DecoderStack(config, rng));
    this.decoder_pos_embed = this.registerModule('decoder_pos_embed', new Embedding(config.chunkSize, config.dimModel, { rng }));
    xavierUniformInPlace(this.decoder.namedParameters(), rng);
  }

  decode(memory: TokenSet, chunkSize: number, options: { rng?: Rng } = {}): tf.Tensor3D {
    const D = this.config.dimModel;
    if (chunkSize !== this.config.chunkSize) {
      throw new Error(`TransformerActionDecoder: chunkSize ${chunkSize} differs from the ${this.config.chunkSize} it was built for`);
    }
    const [B, , Dm] = memory.tokens.shape;
    if (Dm !== D) throw new Error(`TransformerActionDecoder: memory tokens are ${Dm} wide, expected dimModel ${D}`);
    return tf.tidy(() => {
      let x = tf.zeros([B, chunkSize, D]) as tf.Tensor3D;
      const decoderPos = this.decoder_pos_embed.weight;
      for (const layer of this.decoder.layers) {
        x = layer.forward(x, memory.tokens, { decoderPos, encoderPos: memory.positions, ...(options.rng ? { rng: options.rng } : {}) });
      }
      return this.decoder.norm.forward(x);
    });
  }

  /**
   * ONNX: the decoder input is a [1, k, D] zero constant and the query positions a constant, so
   * the batch-independent first self-attention block folds to constants in ONNX Runtime; the
   * cross-attention broadcasts the queries over the memory's batch.
   */
  exportOnnx(g: OnnxGraphBuilder, memory: string, memoryPositions: string, chunkSize: number): string {
    const D = this.config.dimModel;
    if (chunkSize !== this.config.chunkSize) {
      throw new Error(`TransformerActionDecoder: chunkSize ${chunkSize} differs from the ${this.config.chunkSize} it was built for`);
    }
    let x = g.constant('decoder_input', new Float32Array(chunkSize * D), [1, chunkSize, D]);
    const decoderPos = g.constant('decoder_pos_embed.weight', valuesOf(this.decoder_pos_embed.weight), [chunkSize, D]);
    this.decoder.layers.items.forEach((layer, i) => {
      x = g.scope(`layers.${i}`, () => exportDecoderLayer(g, layer, x, memory, decoderPos, memoryPositions));
    });
    return g.scope('norm', () => exportLayerNorm(g, this.decoder.norm, x));
  }
}
