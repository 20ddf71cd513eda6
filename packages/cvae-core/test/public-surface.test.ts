import { describe, expect, it } from 'vitest';
import * as root from '@actfusion/cvae-core';
import * as inference from '@actfusion/cvae-core/inference';
import * as io from '@actfusion/cvae-core/io';
import * as nn from '@actfusion/cvae-core/nn';
import * as testing from '@actfusion/cvae-core/testing';
import * as training from '@actfusion/cvae-core/training';

// The package's entry points, resolved by name through package.json "exports" (as a user imports them).
const entries = { root, nn, training, inference, io, testing } as Record<string, Record<string, unknown>>;

describe('cvae-core public surface', () => {
  it('exports every name from exactly one entry point', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const [entry, mod] of Object.entries(entries)) {
      for (const name of Object.keys(mod)) {
        const before = seen.get(name);
        if (before) twice.push(`${name} (${before} and ${entry})`);
        seen.set(name, entry);
      }
    }
    expect(twice).toEqual([]);
  });

  it('keeps the test fixtures and helpers under /testing only', () => {
    expect(Object.keys(testing).sort()).toEqual([
      'SyntheticChunkDataset',
      'expectClose',
      'expectWasmMatchesCpu',
      'featureStats',
      'pseudoRandom',
      'randomTensor',
      'relativeError',
      'runOn',
      'useCpuAndWasmRuntimes',
      'useCpuBackend',
      'useRuntime',
    ]);
    for (const [entry, mod] of Object.entries(entries)) {
      if (entry !== 'testing') expect(Object.keys(mod), entry).not.toContain('SyntheticChunkDataset');
    }
  });

  it('has a small root: interfaces, runtime, random source, policy config, ACT policy, normaliser', () => {
    expect(Object.keys(root).sort()).toEqual([
      'ActPolicy',
      'BACKEND_NAMES',
      'BackendNotInstalledError',
      'CVAE_CORE_VERSION',
      'Normalizer',
      'PolicyConfigSchema',
      'Rng',
      'assembleBatch',
      'batchInput',
      'createRuntime',
      'isConditioner',
      'parsePolicyConfig',
      'registerRuntime',
      'sampleStream',
      'stackFloatFeature',
      'stackImageFeature',
    ]);
  });

  it('puts each part under its subpath', () => {
    expect(typeof nn.Linear).toBe('function');
    expect(typeof nn.MultiheadAttention).toBe('function');
    expect(typeof training.Trainer).toBe('function');
    expect(typeof training.registerWasmGradientKernels).toBe('function');
    expect(typeof training.registerNativeKernels).toBe('function');
    expect(training.KERNEL_PATHS).toEqual(['auto', 'native', 'wasm']);
    expect(typeof inference.ChunkExecutor).toBe('function');
    expect(typeof io.readSafetensors).toBe('function');
    expect(typeof io.exportActPolicyOnnx).toBe('function');
  });
});
