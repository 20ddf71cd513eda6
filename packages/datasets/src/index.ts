export { DatasetFormatError } from './dataset-error.js';
export type { Episode, EpisodeCollection, EpisodeData } from './episode.js';
export { AlohaHdf5Episode } from './aloha-hdf5-episode.js';
export { AlohaEpisodeWriter, writeAlohaEpisode, type AlohaEpisodeLayout, type AlohaStep } from './aloha-hdf5-writer.js';
export { AlohaDataset, type AlohaDatasetOptions } from './aloha-dataset.js';
export { QuantileSketch, StreamingStats, STAT_QUANTILES, type FullFeatureStats } from './streaming-stats.js';
export { FrameCache } from './frame-cache.js';
export { augmentImage, colorJitter, randomResizedCrop, resizeBilinear, type ImageAugmentOptions } from './image-augment.js';
export { ChunkSampler, type ChunkSamplerOptions } from './chunk-sampler.js';
export { VideoEncoder, decodeVideoFrames, type VideoCodec } from './video-codec.js';
export { readParquetRows, writeParquetFile, type ParquetColumn, type ParquetRow } from './parquet-table.js';
export { readLeRobotInfo, type LeRobotFeature, type LeRobotInfo } from './lerobot-info.js';
export { formatPathTemplate, insideDataset } from './lerobot-paths.js';
export { LeRobotDataset, cameraName, type LeRobotDatasetOptions } from './lerobot-dataset.js';
export { LeRobotEpisode } from './lerobot-episode.js';
export { LeRobotV3Writer, type LeRobotV3WriterOptions } from './lerobot-v3-writer.js';
export { lerobotFeatureOptions } from './lerobot-feature-options.js';
export { taxelGrid, taxelNames } from './taxel-names.js';
export { LeRobotEpisodeWriter, type LeRobotStep } from './lerobot-episode-writer.js';
export { aggregateStats, estimateNumSamples, frameHistogram, imageStatsFromHistograms, sampleFrameIndices, LEROBOT_STAT_NAMES } from './lerobot-stats.js';
export {
  AlohaHdf5Sink,
  EpisodeRecorder,
  LeRobotV3Sink,
  type Controller,
  type EpisodeMetadata,
  type EpisodeRecorderOptions,
  type EpisodeSinkWriter,
  type RecordedEpisode,
  type RecordingSink,
  type RecordOptions,
} from './episode-recorder.js';
export { exportAlohaEpisodes, type ExportAlohaOptions } from './export-aloha.js';
