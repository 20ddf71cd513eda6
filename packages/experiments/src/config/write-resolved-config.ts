import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '@actfusion/atomic-file';
import type { ExperimentConfig } from './experiment-schema.js';

export const RESOLVED_CONFIG_FILE = 'config.resolved.yaml';

/** Writes the fully resolved config (defaults filled in) next to the run's outputs. */
export async function writeResolvedConfig(config: ExperimentConfig, dir = config.outputDir): Promise<string> {
  const path = join(dir, RESOLVED_CONFIG_FILE);
  await writeFileAtomic(path, `# resolved by actfusion; load it again with --config ${path}\n${stringify(config)}`);
  return path;
}
