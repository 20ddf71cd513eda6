import { join } from 'node:path';
import { keySuffix, TACTILE_PREFIX, TAXELS_PREFIX, type ImageFrame } from '@actfusion/contracts';
import { AlohaEpisodeWriter } from './aloha-hdf5-writer.js';
import type { EpisodeCollection } from './episode.js';

export interface ExportAlohaOptions {
  /** ACT's `sim` attribute for every episode (default: each episode's own, else true). */
  readonly sim?: boolean;
  /** Called after each episode with its final path. */
  readonly onEpisode?: (path: string, index: number) => void;
}

/**
 * Write every episode of a collection (e.g. a LeRobot dataset) as ACT HDF5 episodes
 * `dir/episode_<i>.hdf5`, frame by frame (memory: one frame per camera plus the reader's cache),
 * each file atomically. Random access into uncompressed HDF5 is hundreds of times faster than
 * seeking in video, so this is the way to train on a video dataset at full speed. For a
 * LeRobotDataset open it with `decodeWindow: 32` or so, so frames are decoded in runs.
 */
export async function exportAlohaEpisodes(collection: EpisodeCollection, dir: string, options: ExportAlohaOptions = {}): Promise<string[]> {
  const paths: string[] = [];
  const cameras = Object.keys(collection.cameras);
  for (const [i, ep] of collection.episodes.entries()) {
    // Tactile images and taxel arrays go to /observations/tactile|taxels/<sensor>; other features have no ALOHA place.
    const tactile: Record<string, readonly [number, number]> = {};
    const taxels: Record<string, readonly [number, number]> = {};
    const features: { key: string; sensor: string; kind: 'tactile' | 'taxels' }[] = [];
    for (const f of ep.features) {
      const t = keySuffix(f.key, TACTILE_PREFIX);
      const x = keySuffix(f.key, TAXELS_PREFIX);
      if (t !== undefined && f.kind === 'tactile-image') {
        tactile[t] = [f.shape[0]!, f.shape[1]!];
        features.push({ key: f.key, sensor: t, kind: 'tactile' });
      } else if (x !== undefined && f.kind === 'taxels') {
        taxels[x] = f.shape.length === 1 ? [1, f.shape[0]!] : [f.shape[0]!, f.shape[1]!];
        features.push({ key: f.key, sensor: x, kind: 'taxels' });
      }
    }
    const writer = await AlohaEpisodeWriter.create(join(dir, `episode_${i}.hdf5`), {
      stateDim: ep.stateDim,
      actionDim: ep.actionDim,
      cameras: collection.cameras,
      sim: options.sim ?? ep.sim ?? true,
      withQvel: ep.qvel !== undefined,
      attributes: { control_hz: collection.fps },
      ...(ep.instruction !== undefined ? { instruction: ep.instruction } : {}),
      tactile,
      taxels,
    });
    try {
      const S = ep.stateDim;
      const A = ep.actionDim;
      for (let t = 0; t < ep.length; t++) {
        const images: Record<string, ImageFrame> = {};
        for (const cam of cameras) images[cam] = await ep.readImage(cam, t);
        const stepTactile: Record<string, ImageFrame> = {};
        const stepTaxels: Record<string, Float32Array> = {};
        for (const f of features) {
          if (f.kind === 'taxels') {
            const [rows, cols] = taxels[f.sensor]!;
            stepTaxels[f.sensor] = ep.vectors[f.key]!.subarray(t * rows * cols, (t + 1) * rows * cols);
          } else stepTactile[f.sensor] = await ep.readFrame(f.key, t);
        }
        writer.append({
          tactile: stepTactile,
          taxels: stepTaxels,
          qpos: ep.qpos.subarray(t * S, (t + 1) * S),
          ...(ep.qvel ? { qvel: ep.qvel.subarray(t * S, (t + 1) * S) } : {}),
          action: ep.action.subarray(t * A, (t + 1) * A),
          images,
        });
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const path = await writer.finish();
    paths.push(path);
    options.onEpisode?.(path, i);
  }
  return paths;
}
