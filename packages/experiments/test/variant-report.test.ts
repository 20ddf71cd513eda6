import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poolVariants, variantBars, variantMarkdown, writeVariantReport, type VariantRun } from '../src/results/variant-report.js';

const stageNames = ['touch', 'grasp'];
const run = (variant: string, seed: number, stageReached: number[], episodes = 50): VariantRun => ({
  variant,
  seed,
  eval: { task: 'lift-colored-cube', episodes, successes: stageReached.at(-1)!, stageReached, stageNames },
});

describe('variant report', () => {
  const runs = [run('act', 0, [30, 10]), run('act', 1, [20, 5]), run('mt-act', 0, [40, 30]), run('mt-act', 1, [45, 35])];

  it('pools seeds per variant and prints every stage with its Wilson 95% interval', () => {
    const { rows } = poolVariants(runs);
    expect(rows.map((r) => [r.variant, r.episodes, r.reached])).toEqual([
      ['act', 100, [50, 15]],
      ['mt-act', 100, [85, 65]],
    ]);
    const md = variantMarkdown('Multi-instruction', runs);
    // Wilson for 15/100: [9.3, 23.3]; for 65/100: [55.3, 73.6]
    expect(md).toContain('| act | 0, 1 | 100 | 50/100 = 50.0 % [40.4, 59.6] | 15/100 = 15.0 % [9.3, 23.3] | 10/50, 5/50 |');
    expect(md).toContain('65/100 = 65.0 % [55.3, 73.6]');
    expect(variantBars(runs)).toHaveLength(4);
  });

  it('refuses to pool runs of different tasks', () => {
    const other = { ...run('act', 2, [1, 1]), eval: { ...run('act', 2, [1, 1]).eval, task: 'occluded-pick' } };
    expect(() => poolVariants([...runs, other])).toThrow(/run act seed 2 is on occluded-pick/);
  });

  it('writes the table and the plot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-variants-'));
    await writeVariantReport(dir, 'cmp', 'Multi-instruction', runs);
    for (const f of ['cmp.md', 'cmp.svg', 'cmp.png']) expect(existsSync(join(dir, f))).toBe(true);
  });
});
