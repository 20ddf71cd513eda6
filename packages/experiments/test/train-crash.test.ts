import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastCheckpoint } from '@actfusion/cvae-core/training';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { loadConfig } from '../src/config/load-config.js';
import { trainExperiment } from '../src/pipeline/train-experiment.js';
import { mulberry32 } from './support/mulberry32.js';
import { recordTinyDemonstrations, tinyTrainDocument, trainInChild } from './support/train-child.js';

// Training survives SIGKILL at random moments: `actfusion train` runs in a child process and is
// killed while it trains (checkpoints every 2 steps, so many kills land in checkpoint writes); the
// last complete checkpoint always loads, and resuming until done gives weights and optimiser state
// byte-identical to an uninterrupted run (cpu backend, fixed seeds). 4 kills in the suite;
// ACTFUSION_CRASH_KILLS=20 for the long run, ACTFUSION_CRASH_WORKERS=2 with data-parallel workers.
const KILLS = Number(process.env.ACTFUSION_CRASH_KILLS ?? 4);
/** Training worker threads in the killed runs (and the reference); ACTFUSION_CRASH_WORKERS=2 for data-parallel training. */
const WORKERS = Number(process.env.ACTFUSION_CRASH_WORKERS ?? 1);
/** Checkpoints every 2 steps, so many kills land in checkpoint writes. */
const TRAIN = { steps: 24, saveFreq: 2, workers: WORKERS };
const registry = builtinKinds();

/** `actfusion train` in a child; with `killAfterMs`, SIGKILLed that long after its first training-step log line. */
async function trainChild(config: string, resume: boolean, killAfterMs?: number): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await trainInChild(config, {
    resume,
    onStderr: (stderr, child) => {
      if (killAfterMs !== undefined && timer === undefined && /step \d+\/\d+/.test(stderr)) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    },
  });
  if (timer) clearTimeout(timer);
  return { killed: ended.signal === 'SIGKILL', code: ended.code, stderr: ended.stderr };
}

async function checkpointBytes(outputDir: string): Promise<{ model: Buffer; optimizer: Buffer[] }> {
  const last = await lastCheckpoint(outputDir);
  if (last === null) throw new Error(`no checkpoint in ${outputDir}`);
  const model = await readFile(join(last, 'pretrained_model', 'model.safetensors'));
  const stateDir = join(last, 'training_state');
  const optimizer = await Promise.all(['optimizer_state.safetensors', 'optimizer_param_groups.json', 'rng_state.json', 'training_step.json'].filter((f) => existsSync(join(stateDir, f))).map((f) => readFile(join(stateDir, f))));
  return { model, optimizer };
}

describe('training killed at random moments (SIGKILL, child process)', () => {
  it(`survives ${KILLS} kills: the last checkpoint always loads, and resuming reaches the uninterrupted run's weights`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-crash-'));
    await recordTinyDemonstrations(dir);

    // The uninterrupted reference, in this process.
    const refFile = join(dir, 'reference.yaml');
    await writeFile(refFile, stringify(tinyTrainDocument(dir, join(dir, 'reference'), TRAIN)));
    await trainExperiment(await loadConfig(refFile, { registry }), { registry });
    const reference = await checkpointBytes(join(dir, 'reference'));

    const runFile = join(dir, 'crash.yaml');
    const runDir = join(dir, 'crash');
    await writeFile(runFile, stringify(tinyTrainDocument(dir, runDir, TRAIN)));
    const random = mulberry32(20261127);
    let kills = 0;
    let attempts = 0;
    for (;;) {
      attempts++;
      expect(attempts, 'the run never finished').toBeLessThan(KILLS + 10);
      const hasCheckpoint = (await lastCheckpoint(runDir).catch(() => null)) !== null;
      // A run killed before its first checkpoint has nothing to resume: start it again.
      if (!hasCheckpoint) await rm(runDir, { recursive: true, force: true });
      const r = await trainChild(runFile, hasCheckpoint, kills < KILLS ? Math.floor(random() * 1500) : undefined);
      if (r.killed) {
        kills++;
        // Whatever the moment of the kill, the newest complete checkpoint loads (or none exists yet).
        const last = await lastCheckpoint(runDir).catch((err: Error) => {
          throw new Error(`after kill ${kills}: ${err.message}`);
        });
        if (last !== null) await checkpointBytes(runDir);
        continue;
      }
      expect(r.code, r.stderr).toBe(0);
      break;
    }
    expect(kills).toBe(KILLS);
    const resumed = await checkpointBytes(runDir);
    expect(resumed.model.equals(reference.model), 'model weights differ from the uninterrupted run').toBe(true);
    expect(resumed.optimizer.length).toBe(reference.optimizer.length);
    resumed.optimizer.forEach((b, i) => expect(b.equals(reference.optimizer[i]!), `training state file ${i} differs`).toBe(true));
    console.log(`crash test: ${kills} SIGKILLs over ${attempts} runs; final weights byte-identical to the uninterrupted run`);
  }, 900_000);
});
