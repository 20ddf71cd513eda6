// `@actfusion/cvae-core/testing`: fixtures and helpers for tests and benchmarks, never needed at run
// time. The helpers register vitest hooks and assertions (vitest is an optional peer dependency).
export {
  SyntheticChunkDataset,
  featureStats,
  type ChunkPadding,
  type ChunkSampling,
  type SyntheticChunkDatasetOptions,
} from './synthetic-chunk-dataset.js';
export { useCpuBackend } from './cpu-backend.js';
export { expectWasmMatchesCpu, relativeError, runOn, useCpuAndWasmRuntimes } from './compare-backends.js';
export { expectClose } from './expect-close.js';
export { pseudoRandom, randomTensor } from './pseudo-random.js';
export { useRuntime } from './use-runtime.js';
