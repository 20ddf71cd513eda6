#!/usr/bin/env node
// Peak memory of the chunk sampler over a large generated ALOHA HDF5 dataset (not a test).
//
//   npx tsc -b packages/datasets/tsconfig.lib.json            # from /work/main: builds dist/
//   node packages/datasets/scripts/measure-sampler-memory.mjs [--episodes 50 --frames 400
//        --height 480 --width 640 --distinct 5 --batches 150 --batch 8 --cache-mb 256 --dir /tmp/x
//        --format aloha|lerobot]
//
// 1. Generates `--distinct` episodes in ACT's layout (uncompressed uint8 frames, one per chunk)
//    with AlohaEpisodeWriter, and fills the rest of the 50 with hard links to them, so the dataset
//    is 50 x 400 x 480 x 640 x 3 = 18.4 GB of frames as the reader sees it, on ~1.8 GB of disk.
//    (The sampler opens every file and caches by episode index, so links behave like copies for
//    the process; only the kernel page cache is shared.)
//    With --format lerobot: a LeRobot v3.0 dataset (H.264 videos, every episode encoded), read through
//    LeRobotDataset (32 MiB decode-window cache, at most 2 ffmpeg decoders) under the same sampler;
//    the peak summed RSS of the ffmpeg children is polled from /proc and reported separately.
// 2. In a fresh child process: opens the dataset, builds ChunkSampler(chunkSize 100, ACT sampling)
//    with a `--cache-mb` LRU, computes stats(), draws `--batches` batches, sampling RSS every 20 ms;
//    prints peak RSS (getrusage maxrss), the RSS before opening, samples/s and cache hit rate.
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    episodes: { type: 'string', default: '50' },
    frames: { type: 'string', default: '400' },
    height: { type: 'string', default: '480' },
    width: { type: 'string', default: '640' },
    distinct: { type: 'string', default: '5' },
    batches: { type: 'string', default: '150' },
    batch: { type: 'string', default: '8' },
    'cache-mb': { type: 'string', default: '256' },
    dir: { type: 'string', default: '/tmp/actfusion-sampler-memory' },
    format: { type: 'string', default: 'aloha' },
    'decode-window': { type: 'string', default: '8' },
    'sample-only': { type: 'boolean', default: false },
  },
});
const n = (k) => {
  const v = Number(o[k]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${k} must be a positive integer, got ${o[k]}`);
  return v;
};
const [E, T, H, W, D] = [n('episodes'), n('frames'), n('height'), n('width'), n('distinct')];
if (o.format !== 'aloha' && o.format !== 'lerobot') throw new Error(`--format must be aloha or lerobot, got ${o.format}`);
const lerobot = o.format === 'lerobot';
const dir = join(o.dir, `${o.format}-${E}x${T}x${H}x${W}`);
await import('reflect-metadata');
const lib = await import(new URL('../dist/index.js', import.meta.url).href);
const { Rng } = await import('@actfusion/cvae-core');

if (!o['sample-only']) {
  if (lerobot && !existsSync(join(dir, 'meta/info.json'))) {
    const t0 = performance.now();
    const writer = await lib.LeRobotV3Writer.open(dir, { fps: 50, stateDim: 14, actionDim: 14, cameras: { top: [H, W] }, codec: 'h264' });
    const base = basePattern();
    for (let e = 0; e < E; e++) {
      const ep = writer.beginEpisode('synthetic');
      for (let t = 0; t < T; t++) {
        const q = Float32Array.from({ length: 14 }, (_, j) => Math.sin(0.01 * t + j + e));
        await ep.append({ qpos: q, action: q, images: { top: { height: H, width: W, data: frameAt(base, t, e) } } });
      }
      await ep.finish();
      process.stderr.write(`encoded episode ${e}\n`);
    }
    process.stderr.write(`generated ${E} episodes in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  if (!lerobot && !existsSync(join(dir, `episode_${E - 1}.hdf5`))) {
    mkdirSync(dir, { recursive: true });
    const t0 = performance.now();
    const base = basePattern();
    for (let e = 0; e < D; e++) {
      const w = await lib.AlohaEpisodeWriter.create(join(dir, `episode_${e}.hdf5`), { stateDim: 14, actionDim: 14, cameras: { top: [H, W] }, sim: true, withQvel: true });
      for (let t = 0; t < T; t++) {
        const frame = frameAt(base, t, e);
        const q = Float32Array.from({ length: 14 }, (_, j) => Math.sin(0.01 * t + j + e));
        w.append({ qpos: q, qvel: q, action: q, images: { top: { height: H, width: W, data: frame } } });
      }
      await w.finish();
      process.stderr.write(`wrote episode_${e}.hdf5\n`);
    }
    for (let e = D; e < E; e++) linkSync(join(dir, `episode_${e % D}.hdf5`), join(dir, `episode_${e}.hdf5`));
    process.stderr.write(`generated ${E} episodes (${D} distinct) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, ...process.argv.slice(2), '--sample-only'], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

/** One smooth base pattern twice as wide; frame t is a shifted window of it (cheap to make). */
function basePattern() {
  const base = new Uint8Array(H * 2 * W * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < 2 * W; x++) for (let c = 0; c < 3; c++) {
    base[(y * 2 * W + x) * 3 + c] = Math.round(127 + 100 * Math.sin(0.02 * x + 0.03 * y + c));
  }
  return base;
}

function frameAt(base, t, e) {
  const frame = new Uint8Array(H * W * 3);
  const shift = (t * 3 + e * 37) % W;
  for (let y = 0; y < H; y++) frame.set(base.subarray((y * 2 * W + shift) * 3, (y * 2 * W + shift + W) * 3), y * W * 3);
  return frame;
}

/** Summed RSS (bytes) of this process's children (the ffmpeg decoders), from /proc. */
function childrenRss() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid) total += Number(fields[21]) * 4096;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

// --- sampling, in a fresh process ---
const mb = (b) => (b / 1048576).toFixed(0);
const rssBefore = process.memoryUsage().rss;
let peakPolled = rssBefore;
const timer = setInterval(() => (peakPolled = Math.max(peakPolled, process.memoryUsage().rss)), 20);
let peakChildren = 0;
const childTimer = setInterval(() => (peakChildren = Math.max(peakChildren, childrenRss())), 50);
const ds = lerobot ? await lib.LeRobotDataset.open(dir, { videoCacheBytes: 32 * 1048576, decodeWindow: n('decode-window') }) : await lib.AlohaDataset.open(dir);
const sampler = new lib.ChunkSampler(ds, { chunkSize: 100, sampling: 'episode', cacheBytes: n('cache-mb') * 1048576 });
const rssOpen = process.memoryUsage().rss;
const ts = performance.now();
await sampler.stats();
const statsSeconds = (performance.now() - ts) / 1000;
const rng = new Rng(0);
const batches = n('batches');
const bs = n('batch');
const t0 = performance.now();
for (let i = 0; i < batches; i++) {
  await sampler.sampleBatch(bs, rng);
  peakPolled = Math.max(peakPolled, process.memoryUsage().rss); // h5wasm reads are synchronous: timers rarely fire
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(timer);
clearInterval(childTimer);
await ds.close();
const frameBytes = H * W * 3;
console.log(JSON.stringify({
  dataset: `${E} episodes x ${T} frames x ${H}x${W} RGB (${(E * T * frameBytes / 1e9).toFixed(1)} GB of frames)`,
  cacheMB: n('cache-mb'),
  samples: batches * bs,
  samplesPerSecond: Number(((batches * bs) / seconds).toFixed(1)),
  statsSeconds: Number(statsSeconds.toFixed(2)),
  cacheMBHeld: Number(mb(sampler.cache.byteSize)),
  cacheHitRate: Number((sampler.cache.hits / Math.max(1, sampler.cache.hits + sampler.cache.misses)).toFixed(3)),
  rssBeforeOpenMB: Number(mb(rssBefore)),
  rssAfterOpenMB: Number(mb(rssOpen)),
  peakRssPolledMB: Number(mb(peakPolled)),
  peakRssMaxrssMB: Number((process.resourceUsage().maxRSS / 1024).toFixed(0)),
  ...(lerobot ? { videoCacheMB: 32, decodeWindow: n('decode-window'), peakFfmpegChildrenRssMB: Number(mb(peakChildren)) } : {}),
  node: process.version,
}, null, 1));
