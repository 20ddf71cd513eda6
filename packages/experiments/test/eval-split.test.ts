import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';
import { evalEpisodeSeed, evalMarkdown } from '../src/pipeline/evaluate-policy.js';

describe('eval.split: tuning and reporting episode seeds are disjoint by construction', () => {
  it('every tune seed, report seed and recording seed range is apart, at the configured limits', () => {
    const recordMax = 999_999; // recording tries seeds 0, 1, ... below the evaluation ranges
    const corners = [0, 1, 999, 1000, 7919, 999_999];
    const episodes = [0, 1, 999, 1000, 99_999];
    const tune = corners.flatMap((s) => episodes.map((e) => evalEpisodeSeed(s, e, 'tune')));
    const report = corners.flatMap((s) => episodes.map((e) => evalEpisodeSeed(s, e, 'report')));
    expect(Math.min(...tune)).toBeGreaterThan(recordMax);
    expect(Math.max(...tune)).toBeLessThan(Math.min(...report));
    expect(Math.max(...report)).toBeLessThan(2 ** 32);
    expect(evalEpisodeSeed(1000, 3)).toBe(2_000_003); // the formula earlier results used, for tune
  });

  it('the config takes split: report and refuses eval seeds past the disjoint range', async () => {
    const registry = builtinKinds();
    const c = await loadConfig('act-small', { registry, set: ['eval.split=report'] });
    expect(c.eval.split).toBe('report');
    await expect(loadConfig('act-small', { registry, set: ['eval.split=test'] })).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfig('act-small', { registry, set: ['eval.seeds=[1000000]'] })).rejects.toThrow(/eval\.seeds\[0\]/);
  });

  it('eval.md says which range the seeds came from, and when there are too few episodes to report', () => {
    const base = { task: 'lift-cube', stageReached: [3], stageNames: ['lifted'] };
    expect(evalMarkdown({ ...base, episodes: 3, split: 'tune' }, 'x')).toMatch(/tuning range .*not for reporting/);
    expect(evalMarkdown({ ...base, episodes: 3, split: 'report' }, 'x')).toMatch(/only 3 episodes: at least 50/);
    expect(evalMarkdown({ ...base, episodes: 50, split: 'report' }, 'x')).toMatch(/never used while choosing settings/);
  });
});
