import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng.js';
import type { ActivationName } from '../nn/activations.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Module, ModuleList } from '../nn/module.js';
import { TransformerEncoderLayer } from '../nn/transformer-encoder-layer.js';

export interface ActEncoderOptions {
  readonly nLayers: number;
  readonly dimModel: number;
  readonly nHeads: number;
  readonly dimFeedforward: number;
  readonly dropout: number;
  readonly activation: ActivationName;
  readonly preNorm: boolean;
  readonly rng: Rng;
}

/**
 * LeRobot's `ACTEncoder`: `layers.N` transformer encoder layers, then `norm` (a LayerNorm with
 * pre-norm layers; nothing, like LeRobot's `nn.Identity`, with post-norm). Used for the fusion
 * encoder (`encoder`) and the style encoder (`vae_encoder`). Batch-first [B, N, D].
 */
export class ActEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(readonly options: ActEncoderOptions) {
    super();
    const { nLayers, dimModel, nHeads, dimFeedforward, dropout, activation, preNorm, rng } = options;
    this.layers = this.registerModule(
      'layers',
      new ModuleList(
        Array.from(
          { length: nLayers },
          () => new TransformerEncoderLayer({ dimModel, nHeads, dimFeedforward, dropout, activation, preNorm, rng }),
        ),
      ),
    );
    this.norm = preNorm ? this.registerModule('norm', new LayerNorm(dimModel)) : null;
  }

  /** x [B, N, D], pos [N, D] or [B, N, D], keyPaddingMask [B, N] (true/1 = ignore). */
  forward(
    x: tf.Tensor3D,
    pos: tf.Tensor2D | tf.Tensor3D,
    options: { keyPaddingMask?: tf.Tensor2D; rng?: Rng } = {},
  ): tf.Tensor3D {
    return tf.tidy(() => {
      let y = x;
      for (const layer of this.layers) y = layer.forward(y, { pos, keyPaddingMask: options.keyPaddingMask, rng: options.rng });
      return this.norm ? this.norm.forward(y) : y;
    });
  }
}
