import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAlohaEpisode } from '@actfusion/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutRecorder, writeRolloutLog } from '../src/pipeline/rollout-log.js';
import { ViewServer } from '../src/view/view-server.js';
import { resolveViewTarget } from '../src/view/view-target.js';

const T = 5;
const S = 3;
const H = 6;
const W = 8;

/** Frame t of episode e: every byte is 10 * e + t (so a served frame identifies itself). */
const pixel = (e: number, t: number) => 10 * e + t;

async function getRaw(url: string, host?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, host ? { headers: { host } } : {}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const getJson = async (url: string) => {
  const r = await getRaw(url);
  return { status: r.status, body: JSON.parse(r.body.toString()) as Record<string, unknown> };
};

describe('the view server (in-process, real ALOHA HDF5 files, run and eval folders on disk)', () => {
  let dir: string;
  let assets: string;
  let server: ViewServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'af-view-srv-'));
    assets = join(dir, 'web');
    await mkdir(join(assets, 'assets'), { recursive: true });
    await writeFile(join(assets, 'index.html'), '<!doctype html><title>t</title>');
    const data = join(dir, 'data');
    for (let e = 0; e < 2; e++) {
      const qpos = Float32Array.from({ length: T * S }, (_, i) => e + i / 100);
      const frames = Array.from({ length: T }, (_, t) => ({ height: H, width: W, data: new Uint8Array(H * W * 3).fill(pixel(e, t)) }));
      await writeAlohaEpisode(join(data, `episode_${e}.hdf5`), { qpos, action: qpos.map((v) => -v), stateDim: S, actionDim: S, length: T, images: { top: frames } }, { sim: true, attributes: { instruction: `task ${e}` } });
    }
    const run = join(dir, 'run');
    await mkdir(join(run, 'checkpoints', '000002', 'pretrained_model'), { recursive: true });
    await mkdir(join(run, 'checkpoints', '000004', 'pretrained_model'), { recursive: true });
    await writeFile(join(run, 'checkpoints', '000002', 'pretrained_model', 'model.safetensors'), Buffer.alloc(100));
    await writeFile(join(run, 'checkpoints', '000004', 'pretrained_model', 'model.safetensors'), Buffer.alloc(200));
    await symlink('000004', join(run, 'checkpoints', 'last'));
    await writeFile(join(run, 'metrics.jsonl'), '{"step":2,"loss":1.5,"l1":1,"kl":0.5,"lr":0.001}\n{"step":4,"loss":1.1,"l1":0.8,"kl":0.3,"val_loss":1.3}\n{"step":6,"lo');
    await writeFile(join(run, 'config.resolved.yaml'), `dataset:\n  path: ${data}\n`);
    const rec = new RolloutRecorder({ name: 'seed-1-episode-0', task: 'transfer-cube', evalSeed: 1, episode: 0, seed: 1001, maxReward: 4, stageNames: ['a', 'b', 'c', 'd'] });
    rec.chunk(0, [Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)]);
    rec.step([0, 0, 0], [1, 2, 3], 0);
    rec.step([1, 2, 3], [4, 5, 6], 2, { finger: { rows: 1, cols: 2, data: Float32Array.of(0.5, 1.5) } });
    await writeRolloutLog(join(run, 'eval'), rec.finish(2, false));
    await writeFile(join(run, 'eval', 'eval.json'), JSON.stringify({ task: 'transfer-cube', episodes: 1, stageNames: ['a', 'b', 'c', 'd'], stageReached: [1, 1, 0, 0] }));
    server = await ViewServer.start(await resolveViewTarget(run), { assetsDir: assets });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('classifies what it is pointed at and says what it expected otherwise', async () => {
    expect((await resolveViewTarget(join(dir, 'data'))).dataset?.format).toBe('aloha-hdf5');
    const run = await resolveViewTarget(join(dir, 'run'));
    expect(run.run?.dir).toBe(join(dir, 'run'));
    expect(run.eval?.dir).toBe(join(dir, 'run', 'eval'));
    expect(run.dataset?.root).toBe(join(dir, 'data'));
    expect((await resolveViewTarget(join(dir, 'run', 'eval'))).eval).toBeDefined();
    await expect(resolveViewTarget(join(dir, 'nope'))).rejects.toThrow(/does not exist/);
    await expect(resolveViewTarget(assets)).rejects.toThrow(/neither a dataset .* nor an evaluation/);
    await expect(resolveViewTarget(join(assets, 'index.html'))).rejects.toThrow(/is a file/);
    await expect(ViewServer.start({ path: dir }, { assetsDir: join(dir, 'missing') })).rejects.toThrow(/page is not built .*npm run build/);
  });

  it('serves on loopback: the page, the dataset, frames one at a time, the run and the eval', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await getRaw(server.url)).body.toString()).toContain('<title>t</title>');
    expect((await getJson(`${server.url}api/info`)).body).toMatchObject({ dataset: true, run: true, eval: true });
    const ds = (await getJson(`${server.url}api/dataset`)).body;
    // ALOHA files open on first request: episode 1 is listed but not read yet.
    expect(ds).toMatchObject({ format: 'aloha-hdf5', stateDim: S, cameras: { top: [H, W] }, episodes: [{ index: 0, length: T, instruction: 'task 0' }, { index: 1, length: null, instruction: null }] });
    const ep = (await getJson(`${server.url}api/dataset/episodes/1`)).body as { state: number[][]; action: number[][] };
    expect((await getJson(`${server.url}api/dataset`)).body['episodes']).toEqual([{ index: 0, length: T, instruction: 'task 0' }, { index: 1, length: T, instruction: 'task 1' }]);
    expect(ep.state).toHaveLength(S);
    expect(ep.state[2]![4]).toBeCloseTo(1 + (4 * S + 2) / 100, 5);
    expect(ep.action[2]![4]).toBeCloseTo(-(1 + (4 * S + 2) / 100), 5);
    const frame = await getRaw(`${server.url}api/dataset/episodes/1/frames/top/3`);
    expect(frame.status).toBe(200);
    expect([frame.headers['x-width'], frame.headers['x-height']]).toEqual([String(W), String(H)]);
    expect(frame.body.length).toBe(H * W * 3);
    expect(frame.body.every((b) => b === pixel(1, 3))).toBe(true);

    const run = (await getJson(`${server.url}api/run`)).body as { metrics: unknown[]; trainKeys: string[]; validationKeys: string[]; checkpoints: { name: string; step: number; bytes: number; last: boolean }[] };
    expect(run.metrics).toHaveLength(2);
    expect(run.trainKeys).toEqual(['loss', 'l1', 'kl']);
    expect(run.validationKeys).toEqual(['val_loss']);
    expect(run.checkpoints.map((c) => [c.name, c.step, c.bytes, c.last])).toEqual([['000002', 2, 100, false], ['000004', 4, 200, true]]);
    const ev = (await getJson(`${server.url}api/eval`)).body as { summary: { stageReached: number[] }; rollouts: { name: string; steps: number; episodeReward: number }[] };
    expect(ev.summary.stageReached).toEqual([1, 1, 0, 0]);
    expect(ev.rollouts).toEqual([{ name: 'seed-1-episode-0', success: false, episodeReward: 2, steps: 2, frames: [] }]);
    const log = (await getJson(`${server.url}api/eval/rollouts/seed-1-episode-0`)).body;
    expect(log).toMatchObject({ format: 'actfusion.rollout/1', reward: [0, 2], action: [[1, 2, 3], [4, 5, 6]], chunks: [{ t: 0, actions: [[1, 2, 3], [4, 5, 6]] }], tactile: { finger: { rows: 1, cols: 2, frames: [[0, 0], [0.5, 1.5]] } } });
  });

  it('refuses bad requests with a status and a message naming what was wrong', async () => {
    expect(await getJson(`${server.url}api/dataset/episodes/7`)).toEqual({ status: 404, body: { error: 'episode 7 outside [0, 2)' } });
    expect(await getJson(`${server.url}api/dataset/episodes/x`)).toEqual({ status: 400, body: { error: 'episode must be a non-negative integer, got "x"' } });
    expect((await getJson(`${server.url}api/dataset/episodes/0/frames/top/5`)).body.error).toMatch(/frame 5 outside \[0, 5\)/);
    expect((await getJson(`${server.url}api/dataset/episodes/0/frames/side/0`)).body.error).toBe('no camera "side" (have top)');
    expect((await getJson(`${server.url}api/eval/rollouts/..%2Fx`)).body.error).toMatch(/bad rollout name/);
    expect((await getRaw(`${server.url}..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await getRaw(`${server.url}assets`)).status).toBe(404);
    expect((await getRaw(`${server.url}api/dataset/episodes/%E0%A4%A`)).status).toBe(400);
    const rebinding = await getRaw(`${server.url}api/info`, 'evil.example:80');
    expect(rebinding.status).toBe(403);
  });

  it('an ALOHA episode that does not match episode 0 is refused when opened, naming the file and field', async () => {
    const bad = join(dir, 'bad');
    const frames = (n: number) => Array.from({ length: T }, () => ({ height: H, width: W, data: new Uint8Array(H * W * 3) })).slice(0, n);
    await writeAlohaEpisode(join(bad, 'episode_0.hdf5'), { qpos: new Float32Array(T * S), action: new Float32Array(T * S), stateDim: S, actionDim: S, length: T, images: { top: frames(T) } }, { sim: true });
    await writeAlohaEpisode(join(bad, 'episode_1.hdf5'), { qpos: new Float32Array(T * 2), action: new Float32Array(T * 2), stateDim: 2, actionDim: 2, length: T, images: { top: frames(T) } }, { sim: true });
    const other = await ViewServer.start(await resolveViewTarget(bad), { assetsDir: assets });
    try {
      expect((await getJson(`${other.url}api/dataset/episodes/0`)).status).toBe(200);
      const r = await getJson(`${other.url}api/dataset/episodes/1/frames/top/0`);
      expect(r.status).toBe(500);
      expect(r.body.error).toBe(`${join(bad, 'episode_1.hdf5')}: /observations/qpos: has 2 state / 2 action dims but ${join(bad, 'episode_0.hdf5')} has ${S} / ${S}`);
    } finally {
      await other.close();
    }
  });
});
