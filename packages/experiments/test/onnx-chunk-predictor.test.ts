import { describe, expect, it } from 'vitest';
import { observationSpec, type Observation } from '@actfusion/contracts';
import { OnnxChunkPredictor } from '../src/deploy/onnx-chunk-predictor.js';
import { buildVariant, maxAbsDiff, rawObservations, tfjsChunk, variantNormalizer, type Variant } from './support/onnx-variants.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

const variant: Variant = {
  name: 'vision',
  policy: { dimModel: 32, nHeads: 4, dimFeedforward: 64, nEncoderLayers: 2, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: 6 },
  spec: observationSpec({ stateDim: 4, actionDim: 4, cameras: { top: [64, 64] } }),
  vision: { width: 8 },
  normalizer: 'MEAN_STD',
};

useRuntime({ backend: 'cpu', seed: 0 });

function observation(i: number): { obs: Observation; raw: ReturnType<typeof rawObservations> } {
  const raw = rawObservations(variant, 1, 100 + i);
  return { raw, obs: { 'observation.state': raw.state, 'observation.images.top': { height: 64, width: 64, data: raw.images['observation.images.top']! } } };
}

describe('OnnxChunkPredictor', () => {
  it('fromPolicy: one raw observation -> k actions in robot units, equal to tfjs; overlapping calls in order', async () => {
    const policy = buildVariant(variant);
    const normalizer = variantNormalizer(variant);
    const predictor = await OnnxChunkPredictor.fromPolicy(policy, normalizer, { threads: 2 });
    try {
      expect(predictor.inputNames).toEqual(['observation.state', 'observation.images.top']);
      const cases = [0, 1, 2].map(observation);
      const chunks = await Promise.all(cases.map((c) => predictor.predict(c.obs)));
      chunks.forEach((chunk, i) => {
        expect(chunk).toHaveLength(6);
        expect(chunk.every((a) => a.length === 4)).toBe(true);
        expect(maxAbsDiff(chunk.flatMap((a) => [...a]), tfjsChunk(policy, variant, cases[i]!.raw, normalizer))).toBeLessThan(1e-4);
      });
    } finally {
      await predictor.dispose();
      await predictor.dispose();
      policy.dispose();
    }
    await expect(predictor.predict(observation(0).obs)).rejects.toThrow(/after dispose/);
  });

  it('runs off the event loop: setImmediate callbacks keep firing while it infers', async () => {
    const policy = buildVariant(variant);
    const predictor = await OnnxChunkPredictor.fromPolicy(policy, variantNormalizer(variant));
    policy.dispose();
    let ticks = 0;
    let running = true;
    const spin = (): void => {
      ticks++;
      if (running) setImmediate(spin);
    };
    try {
      const { obs } = observation(5);
      setImmediate(spin);
      for (let i = 0; i < 5; i++) await predictor.predict(obs);
      running = false;
      // A predictor that computed on the caller's thread would resolve in microtasks: no tick between calls.
      expect(ticks).toBeGreaterThan(0);
    } finally {
      running = false;
      await predictor.dispose();
    }
  });

  it('names the file when ONNX Runtime cannot load it', async () => {
    await expect(OnnxChunkPredictor.create('/nonexistent/policy.onnx')).rejects.toThrow(/\/nonexistent\/policy\.onnx: ONNX Runtime cannot load it/);
    await expect(OnnxChunkPredictor.create(new Uint8Array([1, 2, 3]), { source: 'bytes.onnx' })).rejects.toThrow(/bytes\.onnx: ONNX Runtime cannot load it/);
  });
});
