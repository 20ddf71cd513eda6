// `@actfusion/cvae-core/testing`: fixtures for tests and benchmarks, never needed at run time.
export {
  SyntheticChunkDataset,
  featureStats,
  type ChunkPadding,
  type ChunkSampling,
  type SyntheticChunkDatasetOptions,
} from './synthetic-chunk-dataset.js';
