export { DatasetFormatError } from './dataset-error.js';
export type { Episode, EpisodeCollection, EpisodeData } from './episode.js';
export { AlohaHdf5Episode } from './aloha-hdf5-episode.js';
export { AlohaEpisodeWriter, writeAlohaEpisode, type AlohaEpisodeLayout, type AlohaStep } from './aloha-hdf5-writer.js';
export { AlohaDataset, type AlohaDatasetOptions } from './aloha-dataset.js';
export { QuantileSketch, StreamingStats, STAT_QUANTILES, type FullFeatureStats } from './streaming-stats.js';
export { FrameCache } from './frame-cache.js';
export { augmentImage, colorJitter, randomResizedCrop, resizeBilinear, type ImageAugmentOptions } from './image-augment.js';
export { ChunkSampler, type ChunkSamplerOptions } from './chunk-sampler.js';
