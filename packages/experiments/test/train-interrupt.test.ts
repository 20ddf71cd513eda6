import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { lastCheckpoint, readTrainingCheckpoint } from '@actfusion/cvae-core/training';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { loadConfig } from '../src/config/load-config.js';
import { trainExperiment } from '../src/pipeline/train-experiment.js';
import { recordTinyDemonstrations, tinyTrainDocument, trainInChild, type TrainEnded } from './support/train-child.js';

// Ctrl-C during `actfusion train` (the real command in a child process, cpu backend, fixed seeds):
// the first SIGINT stops at the next step boundary, writes a complete checkpoint of that step,
// prints how to resume and exits 130; `--resume` then reaches byte-identical final weights to an
// uninterrupted run. A second SIGINT quits at once and leaves the last checkpoint loadable.
const STEPS = 10;

/** `actfusion train` in a child. `interrupts` SIGINTs are sent, `gapMs` apart, once stderr shows the training step `afterStep`. */
function train(config: string, options: { resume?: boolean; afterStep?: number; interrupts?: number; gapMs?: number } = {}): Promise<TrainEnded> {
  let sent = false;
  return trainInChild(config, {
    ...(options.resume ? { resume: true } : {}),
    onStderr: (stderr, child) => {
      if (sent || options.afterStep === undefined || !new RegExp(`^step ${options.afterStep}/`, 'm').test(stderr)) return;
      sent = true;
      for (let i = 0; i < (options.interrupts ?? 1); i++) setTimeout(() => child.kill('SIGINT'), i * (options.gapMs ?? 0));
    },
  });
}

async function weights(outputDir: string): Promise<Buffer> {
  const last = await lastCheckpoint(outputDir);
  if (last === null) throw new Error(`no checkpoint in ${outputDir}`);
  return readFile(join(last, 'pretrained_model', 'model.safetensors'));
}

describe('actfusion train: Ctrl-C checkpoints and --resume continues (child process, SIGINT)', () => {
  it('the first SIGINT stops at a step boundary with a checkpoint and exit 130; resuming reaches the uninterrupted weights; a second SIGINT quits at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-sigint-'));
    await recordTinyDemonstrations(dir);
    const file = (name: string, saveFreq: number): Promise<string> => {
      const path = join(dir, `${name}.yaml`);
      return writeFile(path, stringify(tinyTrainDocument(dir, join(dir, name), { steps: STEPS, saveFreq, workers: 1 }))).then(() => path);
    };
    const [reference, interrupted, twice] = await Promise.all([file('reference', 1000), file('interrupted', 1000), file('twice', 1)]);

    // The uninterrupted reference, in this process.
    const registry = builtinKinds();
    await trainExperiment(await loadConfig(reference, { registry }), { registry });

    // saveFreq 1000 > steps: the only checkpoint before the end is the one Ctrl-C writes.
    const first = await train(interrupted, { afterStep: 3 });
    expect(first.code, first.stderr).toBe(130);
    const stoppedAt = Number(/interrupted at step (\d+)\/10; checkpoint (\S+)/.exec(first.stderr)?.[1]);
    expect(stoppedAt, first.stderr).toBeGreaterThanOrEqual(3);
    expect(stoppedAt).toBeLessThan(STEPS);
    expect(first.stderr).toMatch(/^SIGINT: stopping after the current training step and writing a checkpoint/m);
    expect(first.stderr).toContain(`resume with: actfusion train -c ${interrupted} --resume`);
    expect(first.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const last = await lastCheckpoint(join(dir, 'interrupted'));
    expect(basename(last!)).toBe(String(stoppedAt).padStart(6, '0'));
    const ckpt = await readTrainingCheckpoint(last!);
    expect(ckpt.step).toBe(stoppedAt);
    tf.dispose([...ckpt.model.values(), ...ckpt.optimizer.values()]);

    const resumed = await train(interrupted, { resume: true });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`at step ${stoppedAt}`);
    expect((await weights(join(dir, 'interrupted'))).equals(await weights(join(dir, 'reference'))), 'resumed weights differ from the uninterrupted run').toBe(true);

    // Two SIGINTs 30 ms apart (checkpoints every step, so the second often lands in a write): exit 130 at once, last loads.
    const double = await train(twice, { afterStep: 2, interrupts: 2, gapMs: 30 });
    expect(double.code, double.stderr).toBe(130);
    expect(double.stderr).toMatch(/SIGINT again: quitting now; the newest complete checkpoint stays in/);
    const kept = await readTrainingCheckpoint((await lastCheckpoint(join(dir, 'twice')))!);
    expect(kept.step).toBeGreaterThanOrEqual(2);
    tf.dispose([...kept.model.values(), ...kept.optimizer.values()]);
    const again = await train(twice, { resume: true });
    expect(again.code, again.stderr).toBe(0);
    expect((await weights(join(dir, 'twice'))).equals(await weights(join(dir, 'reference')))).toBe(true);
  }, 600_000);
});
