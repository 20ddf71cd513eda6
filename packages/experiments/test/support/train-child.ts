import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordDemonstrations } from '../../src/pipeline/record-demonstrations.js';

// What the tests that stop `actfusion train` from outside (SIGINT, SIGKILL) share: a tiny recorded
// dataset, a tiny cpu-backend config on it, and the real CLI in a child process.

const runCli = fileURLToPath(new URL('./run-cli.mjs', import.meta.url));

/** Two 12-tick transfer-cube episodes at 24x32 in `<dir>/data`. */
export function recordTinyDemonstrations(dir: string): Promise<unknown> {
  return recordDemonstrations({ task: 'transfer-cube', episodes: 2, out: join(dir, 'data'), format: 'aloha-hdf5', cameras: [{ name: 'top', height: 24, width: 32 }], episodeLength: 12, onlySuccessful: false });
}

/** A tiny act-small on the cpu backend over `recordTinyDemonstrations(dir)`; `train` sets steps, saveFreq, workers. */
export function tinyTrainDocument(dir: string, outputDir: string, train: { steps: number; saveFreq: number; workers: number }): Record<string, unknown> {
  return {
    extends: 'act-small',
    runtime: { backend: 'cpu' },
    robot: { imageHeight: 24, imageWidth: 32, episodeLength: 12 },
    dataset: { path: join(dir, 'data'), episodes: 2 },
    policy: { dimModel: 16, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, chunkSize: 4 },
    cvae: { latentDim: 4, nVaeEncoderLayers: 1 },
    train: { ...train, batchSize: 2, logFreq: 1 },
    outputDir,
  };
}

export interface TrainEnded {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `actfusion train -c config [--resume]` in a child process; `onStderr` sees the whole stderr so far
 * after every chunk (to send signals at a chosen moment). Resolves when the child exits.
 */
export function trainInChild(config: string, options: { resume?: boolean; onStderr?: (stderr: string, child: ChildProcess) => void } = {}): Promise<TrainEnded> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runCli, 'train', '-c', config, ...(options.resume ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
