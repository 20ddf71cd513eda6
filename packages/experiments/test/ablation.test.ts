import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateTrials } from '../src/ablate/aggregate-trials.js';
import { expandTrials, gridCells } from '../src/ablate/ablation-grid.js';
import { ablationCsv, writeAblationReport } from '../src/ablate/ablation-report.js';
import { runTrialsLocally } from '../src/ablate/run-trials-locally.js';
import { SyntheticTrialRunner } from '../src/ablate/synthetic-trial.js';
import type { TrialResult } from '../src/ablate/trial.js';
import { loadDocument } from '../src/config/load-config.js';
import { testRegistry } from './support/test-registry.js';

const registry = testRegistry();

async function trialsFor(grid: Record<string, unknown[]>, seeds: number[], set: string[] = []) {
  const { document } = await loadDocument('act-small', { set: ['eval.episodes=20', ...set] });
  return expandTrials(document, { grid, seeds }, { file: 'act-small', registry, outputDir: '/tmp/abl' });
}

describe('ablation', () => {
  it('expands the grid in key order x seeds, each config validated with train.seed set', async () => {
    expect(gridCells({ a: [1, 2], b: ['x', 'y'] })).toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }]);
    const trials = await trialsFor({ 'policy.chunkSize': [1, 10], 'cvae.useVae': [true, false] }, [0, 1]);
    expect(trials.map((t) => t.id)).toEqual([
      'policy.chunkSize=1,cvae.useVae=true|seed=0', 'policy.chunkSize=1,cvae.useVae=true|seed=1',
      'policy.chunkSize=1,cvae.useVae=false|seed=0', 'policy.chunkSize=1,cvae.useVae=false|seed=1',
      'policy.chunkSize=10,cvae.useVae=true|seed=0', 'policy.chunkSize=10,cvae.useVae=true|seed=1',
      'policy.chunkSize=10,cvae.useVae=false|seed=0', 'policy.chunkSize=10,cvae.useVae=false|seed=1',
    ]);
    expect(trials[5]?.config.policy.chunkSize).toBe(10);
    expect(trials[5]?.config.train.seed).toBe(1);
    expect(trials[2]?.config.cvae.useVae).toBe(false);
  });

  it('rejects a bad grid before any trial runs, naming the key and the cell', async () => {
    await expect(trialsFor({ 'policy.chunkSize': [10, -1, 'big'] }, [0])).rejects.toThrow(
      /policy\.chunkSize: Too small.*\[ablation cell policy\.chunkSize=-1\][\s\S]*policy\.chunkSize: Invalid input: expected number.*\[ablation cell policy\.chunkSize=big\]/,
    );
    await expect(trialsFor({ 'policy.chunkSiz': [1] }, [0])).rejects.toThrow(/unknown key "chunkSiz" in policy/);
  });

  it('aggregates by cell independent of completion order, with t and Wilson intervals', async () => {
    const trials = await trialsFor({ 'policy.chunkSize': [1, 100] }, [0, 1, 2]);
    const results = await runTrialsLocally(trials, new SyntheticTrialRunner());
    const reversed = new Map<string, TrialResult>([...results.entries()].reverse());
    const a = aggregateTrials(trials, results);
    expect(aggregateTrials(trials, reversed)).toEqual(a);
    expect(a).toHaveLength(2);
    expect(a[0]?.episodes).toBe(60);
    expect(a[1]!.mean).toBeGreaterThan(a[0]!.mean);
    expect(a[0]!.tLower).toBeLessThanOrEqual(a[0]!.mean);
    expect(a[0]!.wilsonUpper).toBeGreaterThan(a[0]!.successes / 60);
    expect(ablationCsv(a).split('\n')[0]).toBe('policy.chunkSize,seeds,mean,t_lower,t_upper,successes,episodes,wilson_lower,wilson_upper,rates');
  });

  it('writes Markdown, CSV, JSON and the plots', async () => {
    const trials = await trialsFor({ 'execution.mode': ['open-loop', 'temporal-ensemble'] }, [0, 1]);
    const cells = aggregateTrials(trials, await runTrialsLocally(trials, new SyntheticTrialRunner()));
    const dir = await mkdtemp(join(tmpdir(), 'af-abl-'));
    const { markdown, files } = await writeAblationReport(cells, dir, 'temporal ensembling');
    expect(markdown).toMatch(/\| execution\.mode \| seeds \| success % \(mean\) \|/);
    expect(markdown).toMatch(/\| temporal-ensemble \| 2 \|/);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['ablation.md', 'ablation.csv', 'ablation.json', 'ablation-plot.svg', 'ablation-plot.png', 'ablation-bars.svg', 'ablation-bars.png']);
    expect(await readFile(join(dir, 'ablation.md'), 'utf8')).toBe(markdown);
  });
});
