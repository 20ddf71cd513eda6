import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { parsePolicyConfig, Rng, type ActionDecoder } from '@actfusion/cvae-core';
import { TOKENS } from '@actfusion/contracts';
import { registerTransformerDecoder } from '../src/register-transformer-decoder.js';
import type { TransformerActionDecoder } from '../src/transformer-decoder.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

useRuntime();

function build(nDecoderLayers = 1, dropout = 0.1): TransformerActionDecoder {
  const c = container.createChildContainer();
  c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: 8, nHeads: 2, dimFeedforward: 16, chunkSize: 4, nDecoderLayers, dropout }) });
  c.register(TOKENS.InitRng, { useValue: new Rng(3) });
  registerTransformerDecoder(c);
  return c.resolve<ActionDecoder>(TOKENS.ActionDecoder) as TransformerActionDecoder;
}

describe('TransformerActionDecoder (DETR-style)', () => {
  it('LeRobot names: decoder.layers.N, decoder.norm, decoder_pos_embed [k, D]', () => {
    const d = build(2);
    const names = [...d.stateDict().keys()];
    expect(names).toContain('decoder.layers.1.multihead_attn.in_proj_weight');
    expect(names).toContain('decoder.norm.weight');
    expect(d.stateDict().get('decoder_pos_embed.weight')!.shape).toEqual([4, 8]);
    expect(names.some((n) => n.startsWith('decoder.layers.2'))).toBe(false);
    d.dispose();
  });

  it('memory positions reach the keys but not the values; k queries come out after the final norm', () => {
    const d = build(1, 0).eval();
    const mem = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1) as tf.Tensor3D;
    const pos = tf.randomNormal([5, 8], 0, 1, 'float32', 2) as tf.Tensor2D;
    const out = d.decode({ tokens: mem, positions: pos }, 4);
    expect(out.shape).toEqual([2, 4, 8]);
    // Hand-rolled reference of the one layer with positions on q/k only.
    const layer = d.decoder.layers.at(0);
    const ref = d.decoder.norm.forward(
      layer.forward(tf.zeros([2, 4, 8]) as tf.Tensor3D, mem, { decoderPos: d.decoder_pos_embed.weight, encoderPos: pos }),
    );
    expect(tf.max(tf.abs(tf.sub(out, ref))).dataSync()[0]).toBeLessThan(1e-6);
    const noPos = d.decode({ tokens: mem, positions: tf.zeros([5, 8]) as tf.Tensor2D }, 4);
    expect(tf.max(tf.abs(tf.sub(out, noPos))).dataSync()[0]).toBeGreaterThan(1e-4);
    // Final LayerNorm: every query vector has mean ~ bias mean (0) and unit-ish spread.
    const mean = tf.mean(out, -1).dataSync();
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-5);
    d.dispose();
  });

  it('training-mode dropout is seeded by the Rng given to decode', () => {
    const d = build(1, 0.5).train();
    const mem = tf.randomNormal([1, 3, 8], 0, 1, 'float32', 1) as tf.Tensor3D;
    const pos = tf.zeros([3, 8]) as tf.Tensor2D;
    const run = (seed: number): number[] => [...d.decode({ tokens: mem, positions: pos }, 4, { rng: new Rng(seed) }).dataSync()];
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(() => d.decode({ tokens: mem, positions: pos }, 5)).toThrow(/chunkSize 5 differs from the 4/);
    d.dispose();
  });
});
