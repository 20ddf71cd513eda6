import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { DatasetFormatError } from './dataset-error.js';

/** Python `str.format` for LeRobot's path templates: `{name}` and `{name:03d}` only. */
export function formatPathTemplate(file: string, field: string, template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([a-z_]+)(?::0(\d+)d)?\}/g, (_, name: string, width?: string) => {
    const v = values[name];
    if (v === undefined) throw new DatasetFormatError(file, field, `template ${JSON.stringify(template)} uses {${name}}, which is not known here`);
    return width ? String(v).padStart(Number(width), '0') : String(v);
  });
}

/** `root/relativePath`, refusing anything that resolves outside `root` (absolute paths, `..`, a symlink out of it). */
export function insideDataset(root: string, relativePath: string, file: string, field: string): string {
  const full = resolve(root, relativePath);
  const outside = (from: string, to: string): boolean => {
    const rel = relative(from, to);
    return rel.startsWith('..') || isAbsolute(rel);
  };
  if (isAbsolute(relativePath) || outside(root, full)) {
    throw new DatasetFormatError(file, field, `points outside the dataset folder ${root}: ${JSON.stringify(relativePath)}`);
  }
  if (existsSync(full) && outside(realpathSync(root), realpathSync(full))) {
    throw new DatasetFormatError(file, field, `${JSON.stringify(relativePath)} is a symbolic link to ${realpathSync(full)}, outside the dataset folder ${root}`);
  }
  return full;
}

export const V3_DATA_PATH = 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet';
export const V3_VIDEO_PATH = 'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4';
export const V3_EPISODES_PATH = 'meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet';

/** Short camera name of a video key: `observation.images.top` -> `top`. */
export function cameraName(videoKey: string): string {
  return videoKey.startsWith('observation.images.') ? videoKey.slice('observation.images.'.length) : videoKey;
}
