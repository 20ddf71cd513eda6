import { readdir, readFile, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runAblation } from '../src/ablate/run-ablation.js';
import { SyntheticTrialRunner } from '../src/ablate/synthetic-trial.js';
import type { ExperimentConfig } from '../src/config/experiment-schema.js';
import { TrialRunnerRegistry } from '../src/ablate/trial-runners.js';
import { buildProgram } from '../src/cli.js';
import { testRegistry } from './support/test-registry.js';

/** Synthetic runner that counts the trials it ran. */
function countingRunners(ran: string[]): TrialRunnerRegistry {
  return new TrialRunnerRegistry().add('synthetic', () => {
    const inner = new SyntheticTrialRunner();
    return { name: 'synthetic', run: (config: ExperimentConfig, ctx) => (ran.push(ctx.trialId), inner.run(config, ctx)) };
  });
}

describe('ablate: an interrupted ablation resumes; outputs say which runner made them', () => {
  it('a rerun skips the trials already finished and gives the same table', async () => {
    const out = await mkdtemp(join(tmpdir(), 'af-abl-resume-'));
    const options = { config: 'act-small', grid: ['policy.chunkSize=1,10'], seeds: [0, 1], registry: testRegistry(), runner: { name: 'synthetic' }, out };
    const first: string[] = [];
    const a = await runAblation({ ...options, runners: countingRunners(first) });
    expect(first).toHaveLength(4);
    expect((await readdir(join(out, 'trials'))).filter((f) => f.endsWith('.result.json'))).toHaveLength(4);

    // Interrupted after three trials: one result is missing.
    const [lost] = (await readdir(join(out, 'trials'))).sort();
    await rm(join(out, 'trials', lost!));
    const second: string[] = [];
    const lines: string[] = [];
    const b = await runAblation({ ...options, runners: countingRunners(second), log: (l) => void lines.push(l) });
    expect(second).toHaveLength(1);
    expect(lines).toContain(`3 of 4 trials already finished in ${join(out, 'trials')}; running the other 1`);
    expect(b.cells).toEqual(a.cells);

    // A changed config (other eval episodes) is a different trial: nothing is reused.
    const third: string[] = [];
    await runAblation({ ...options, set: ['eval.episodes=7'], runners: countingRunners(third) });
    expect(third).toHaveLength(4);

    const md = await readFile(join(out, 'ablation.md'), 'utf8');
    expect(md).toMatch(/^## act-small \(synthetic trials: not a learning result\)/);
    expect(md).toMatch(/Trial runner: `synthetic`; 4 trials/);
    expect(JSON.parse(await readFile(join(out, 'ablation.json'), 'utf8')).runner).toBe('synthetic');
  });

  it('--queue at an address where no Redis listens fails at once with one line', async () => {
    const out = await mkdtemp(join(tmpdir(), 'af-abl-noredis-'));
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const started = Date.now();
    try {
      await expect(
        buildProgram().exitOverride().parseAsync(['node', 'actfusion', 'ablate', '-c', 'act-small', '--grid', 'policy.chunkSize=1,10', '--trial', 'synthetic', '--queue', 'redis://127.0.0.1:1', '--out', out]),
      ).rejects.toThrow(/^--queue redis:\/\/127\.0\.0\.1:1: cannot reach Redis \(ECONNREFUSED\)/);
    } finally {
      err.mockRestore();
    }
    expect(Date.now() - started).toBeLessThan(60_000); // it does not retry forever
  });
});
