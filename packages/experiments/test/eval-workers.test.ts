import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInLanes } from '../src/pipeline/run-in-lanes.js';
import { actfusion } from './support/in-process-cli.js';

describe('runInLanes', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('gives results in job order, every lane taking the next job when it is free', async () => {
    const ranOn: string[] = [];
    const out = await runInLanes(['a', 'b', 'c'], [5, 1, 3, 2, 4], async (lane, job, i) => {
      for (let k = 0; k < job; k++) await tick(); // jobs of different lengths finish out of order
      ranOn[i] = lane;
      return job * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(new Set(ranOn)).toEqual(new Set(['a', 'b', 'c']));
    expect(ranOn[3]).toBe('b'); // b finished job 1 first and took job 3
  });

  it('after a job throws no lane starts another, and the first error is thrown', async () => {
    const started: number[] = [];
    const run = runInLanes([0, 1], [0, 1, 2, 3, 4, 5], async (_lane, job) => {
      started.push(job);
      await tick();
      if (job === 1) throw new Error('episode 1 faulted');
      await tick();
      return job;
    });
    await expect(run).rejects.toThrow('episode 1 faulted');
    expect(started).toEqual([0, 1]);
  });

  it('refuses jobs without lanes', async () => {
    await expect(runInLanes([], [1], async (_l, j) => j)).rejects.toThrow(/no lanes/);
    expect(await runInLanes([], [], async (_l, j: number) => j)).toEqual([]);
  });
});

const TINY = [
  'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12', 'robot.cameras=[top]',
  'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
  'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', 'train.steps=3', 'train.batchSize=2', 'train.saveFreq=3', 'train.logFreq=1',
  'train.workers=1', 'eval.episodes=5', 'eval.maxSteps=8', 'execution.mode=temporal-ensemble',
];
const set = (extra: string[]) => [...TINY, ...extra].flatMap((s) => ['--set', s]);

describe('actfusion eval with several episodes at a time (eval.workers)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'af-eval-workers-'));
    await actfusion('record', '--task', 'transfer-cube', '--episodes', '2', '--out', join(dir, 'data'), '--height', '24', '--width', '32', '--episode-length', '12', '--keep-failed');
    await actfusion('train', '-c', 'act-small', ...set([`dataset.path=${join(dir, 'data')}`, `outputDir=${join(dir, 'run')}`]));
  }, 120_000);

  it('every episode is the same, step for step, with 1 or 3 lanes', async () => {
    const evalWith = async (workers: number) => {
      const out = join(dir, `eval-${workers}`);
      const printed = await actfusion('eval', '-c', 'act-small', '--checkpoint', join(dir, 'run'), '-o', out, ...set([`dataset.path=${join(dir, 'data')}`, `outputDir=${join(dir, 'run')}`, `eval.workers=${workers}`]));
      expect(printed).toMatch(/success \d\/5/);
      const summary = JSON.parse(await readFile(join(out, 'eval.json'), 'utf8'));
      const names = (await readdir(join(out, 'rollouts'))).sort();
      const rollouts = await Promise.all(names.map(async (n) => JSON.parse(await readFile(join(out, 'rollouts', n), 'utf8'))));
      return { summary, names, rollouts };
    };
    const one = await evalWith(1);
    const three = await evalWith(3);
    expect(one.names).toHaveLength(5);
    expect(three.names).toEqual(one.names);
    // Each seed places the cube elsewhere, so the policy's chunks differ between most episodes (at
    // 24x32 two placements can look the same): a lane that played the wrong seed or logged into
    // another lane's rollout would change what follows.
    expect(new Set(one.rollouts.map((r) => JSON.stringify(r.chunks))).size).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < one.rollouts.length; i++) {
      const { seed, qpos, action, chunks, reward } = three.rollouts[i];
      expect({ seed, qpos, action, chunks, reward }).toEqual({ seed: one.rollouts[i].seed, qpos: one.rollouts[i].qpos, action: one.rollouts[i].action, chunks: one.rollouts[i].chunks, reward: one.rollouts[i].reward });
    }
    for (const k of ['rewards', 'ticks', 'safetyClamped', 'limitClamps', 'stageReached']) expect(three.summary[k]).toEqual(one.summary[k]);
  }, 180_000);

  it('refuses a worker count that is not a positive integer, naming the field', async () => {
    await expect(actfusion('eval', '-c', 'act-small', '--checkpoint', join(dir, 'run'), ...set(['eval.workers=0']))).rejects.toThrow(/eval\.workers/);
  });
});
