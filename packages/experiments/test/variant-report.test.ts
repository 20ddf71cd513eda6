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

  it('adds a failure column and bars (wrong object picked up) when every run counted failures', () => {
    const counted = (r: VariantRun, failures: number): VariantRun => ({ ...r, eval: { ...r.eval, failures } });
    const withFailures = [counted(runs[0]!, 20), counted(runs[1]!, 5), counted(runs[2]!, 0), counted(runs[3]!, 1)];
    expect(poolVariants(withFailures).rows.map((r) => r.failures)).toEqual([25, 1]);
    const md = variantMarkdown('Contact', withFailures);
    expect(md).toContain('| stage 2: grasp | failed: the wrong object picked up | success per seed |');
    // Wilson for 25/100: [17.5, 34.3]
    expect(md).toContain('| 15/100 = 15.0 % [9.3, 23.3] | 25/100 = 25.0 % [17.5, 34.3] | 10/50, 5/50 |');
    expect(variantBars(withFailures).filter((b) => b.label === 'failed: the wrong object picked up').map((b) => [b.group, b.rate])).toEqual([
      ['act', 0.25],
      ['mt-act', 0.01],
    ]);
    // one run without the count (an older eval.json): no failure column rather than a wrong total
    const mixed = [runs[0]!, ...withFailures.slice(1)];
    expect(poolVariants(mixed).rows[0]!.failures).toBeUndefined();
    expect(variantMarkdown('Contact', mixed)).not.toContain('failed:');
    expect(variantBars(mixed)).toHaveLength(4);
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
