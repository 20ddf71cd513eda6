import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '@actfusion/atomic-file';
import type { ExperimentConfig } from './experiment-schema.js';

export const RESOLVED_CONFIG_FILE = 'config.resolved.yaml';

export interface ResolvedConfigOptions {
  /** Sections left out (loading the file again gives them their defaults). */
  readonly omit?: readonly (keyof ExperimentConfig)[];
  /** An extra comment line under the header saying what the file describes. */
  readonly note?: string;
}

/** Writes the fully resolved config (defaults filled in) next to the run's outputs. */
export async function writeResolvedConfig(config: ExperimentConfig, dir = config.outputDir, options: ResolvedConfigOptions = {}): Promise<string> {
  const path = join(dir, RESOLVED_CONFIG_FILE);
  const document: Record<string, unknown> = { ...config };
  for (const key of options.omit ?? []) delete document[key];
  const note = options.note === undefined ? '' : `# ${options.note}\n`;
  await writeFileAtomic(path, `# resolved by actfusion; load it again with --config ${path}\n${note}${stringify(document)}`);
  return path;
}
