// `@actfusion/cvae-core/inference`: inference-time chunk execution (open loop, temporal ensemble,
// asynchronous and real-time chunking).
export {
  ChunkExecutor,
  type ActionChunk,
  type ChunkExecutionMode,
  type ChunkExecutorStats,
  type ChunkSource,
} from './chunk-executor.js';
export { TemporalEnsembler } from './temporal-ensembler.js';
export { prefixWeights, type PrefixSchedule } from './rtc-prefix-weights.js';
export { policyChunkSource, type ChunkPredictor } from './policy-chunk-source.js';
