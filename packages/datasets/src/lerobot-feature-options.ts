import type { FeatureSpec } from '@actfusion/contracts';
import type { LeRobotV3WriterOptions } from './lerobot-v3-writer.js';
import { taxelNames } from './taxel-names.js';

/**
 * The writer options that store these features: tactile images as videos, taxel arrays as flat
 * float32 vectors whose names keep the grid (`r<row>c<col>`), other float vectors as they are.
 */
export function lerobotFeatureOptions(specs: readonly FeatureSpec[]): Pick<LeRobotV3WriterOptions, 'vectors' | 'videos'> {
  const vectors: Record<string, { dim: number; names?: readonly string[] }> = {};
  const videos: Record<string, readonly [number, number]> = {};
  for (const f of specs) {
    if (f.kind === 'tactile-image' || f.kind === 'image') videos[f.key] = [f.shape[0]!, f.shape[1]!];
    else if (f.kind === 'taxels') {
      const [rows, cols] = f.shape.length === 1 ? [1, f.shape[0]!] : [f.shape[0]!, f.shape[1]!];
      vectors[f.key] = { dim: rows * cols, names: taxelNames(rows, cols) };
    } else if (f.shape.length === 1) vectors[f.key] = { dim: f.shape[0]!, ...(f.names ? { names: f.names } : {}) };
    else throw new RangeError(`LeRobotV3Writer: feature ${f.key} (${f.kind}, shape [${f.shape.join(', ')}]) has no LeRobot layout here`);
  }
  return { vectors, videos };
}
