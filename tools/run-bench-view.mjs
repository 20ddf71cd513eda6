#!/usr/bin/env node
// Viewer benchmark: how long `actfusion view` takes to show the first camera frame of a large ALOHA
// dataset in headless Chromium, what one scrub step costs, and how much memory the server holds.
//
//   npm run bench:view [-- --episodes 50 --frames 400 --height 480 --width 640 --dir /tmp/af-view-bench --keep --no-build]
//
// Builds @actfusion/experiments (tsc -b and the page bundle), writes a synthetic ALOHA HDF5 dataset
// (uncompressed uint8 frames, one chunk per frame, as ACT's sim datasets; reused when --dir already
// holds it), launches Debian's chromium (not timed), then times from spawning
// `node packages/experiments/bin/actfusion.js view <dir>` to (a) the printed URL and (b) frame 0 of
// episode 0 drawn on the page's canvas. Scrub latency is the median over 20 random steps (press a
// key on the slider -> the canvas holds the new frame). RSS is the view process' VmRSS; its CPU time
// to the first frame is printed too, with the 1-minute load average (the machine may be shared).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    episodes: { type: 'string', default: '50' },
    frames: { type: 'string', default: '400' },
    height: { type: 'string', default: '480' },
    width: { type: 'string', default: '640' },
    dir: { type: 'string', default: join(tmpdir(), 'af-view-bench') },
    keep: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const int = (name) => {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name}: expected a positive integer, got ${opts[name]}`);
  return v;
};
const [E, T, H, W] = [int('episodes'), int('frames'), int('height'), int('width')];
const dir = resolve(opts.dir);

if (!opts['no-build']) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/experiments/tsconfig.lib.json'], { cwd: root, stdio: 'inherit' });
  execFileSync('npm', ['run', 'build:web', '-w', '@actfusion/experiments'], { cwd: root, stdio: 'inherit' });
}

// --- the dataset -----------------------------------------------------------------------------
const { AlohaEpisodeWriter } = await import(pathToFileURL(join(root, 'packages/datasets/dist/index.js')).href);
const stamp = join(dir, 'bench.json');
const wanted = JSON.stringify({ E, T, H, W });
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
  rmSync(dir, { recursive: true, force: true });
  const started = performance.now();
  const data = new Uint8Array(H * W * 3);
  for (let e = 0; e < E; e++) {
    const writer = await AlohaEpisodeWriter.create(join(dir, `episode_${e}.hdf5`), { stateDim: 14, actionDim: 14, cameras: { top: [H, W] }, sim: true, attributes: { instruction: `synthetic episode ${e}` } });
    const background = new Uint8Array(H * W * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) background.set([(x * 255) / W, (y * 255) / H, (e * 5) % 256], 3 * (y * W + x));
    }
    for (let t = 0; t < T; t++) {
      // The gradient background with a 64x64 square that moves with t: every frame differs.
      data.set(background);
      const sx = Math.floor(((W - 64) * t) / Math.max(1, T - 1));
      const sy = Math.max(0, Math.floor(H / 2) - 32);
      for (let y = sy; y < Math.min(H, sy + 64); y++) {
        for (let x = sx; x < Math.min(W, sx + 64); x++) data.set([255, 40, 40], 3 * (y * W + x));
      }
      const q = Float32Array.from({ length: 14 }, (_, k) => Math.sin(t / 20 + k + e));
      writer.append({ qpos: q, action: q, images: { top: { height: H, width: W, data } } });
    }
    await writer.finish();
    process.stderr.write(`\rwriting dataset: episode ${e + 1}/${E}`);
  }
  writeFileSync(stamp, wanted);
  process.stderr.write(`\nwrote ${E} episodes x ${T} frames of ${H}x${W} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
const bytes = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);

// --- the browser and the viewer --------------------------------------------------------------
const { chromium } = await import('playwright-core');
const profile = await mkdtemp(join(tmpdir(), 'af-view-bench-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
await page.goto('about:blank');

const t0 = performance.now();
const child = spawn(process.execPath, [join(root, 'packages/experiments/bin/actfusion.js'), 'view', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolveUrl, reject) => {
  let out = '';
  child.stdout.on('data', (b) => {
    out += b;
    const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
    if (m) resolveUrl(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`actfusion view exited with ${code}: ${out}`)));
});
const tUrl = performance.now();
await page.goto(url);
await page.waitForSelector('#frame-top[data-t="0"]', { timeout: 120_000 });
const tFrame = performance.now();
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
const rssFirst = rss();
// CPU time (user + sys) the view process used up to the first frame: on a busy machine the wall
// time above includes waiting for a core, this does not.
const cpuMs = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
};
const cpuFirst = cpuMs();
const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

const scrubs = [];
for (let k = 0; k < 20; k++) {
  const target = Math.floor(Math.random() * T);
  const s = performance.now();
  await page.$eval('#scrubber', (el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input'));
  }, target);
  await page.waitForSelector(`#frame-top[data-t="${target}"]`);
  scrubs.push(performance.now() - s);
}
await page.selectOption('#episode', String(E - 1));
await page.waitForSelector(`#frame-top[data-episode="${E - 1}"][data-t="0"]`);
const rssAfter = rss();
scrubs.sort((a, b) => a - b);

child.kill('SIGTERM');
await browser.close();
rmSync(profile, { recursive: true, force: true });
if (!opts.keep) rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  dataset: { format: 'aloha-hdf5', episodes: E, frames: T, height: H, width: W, gib: +(bytes / 2 ** 30).toFixed(2) },
  url_ms: Math.round(tUrl - t0),
  first_frame_ms: Math.round(tFrame - t0),
  view_cpu_ms_to_first_frame: Math.round(cpuFirst),
  load_average_1min: Number(load),
  scrub_median_ms: Math.round(scrubs[10]),
  scrub_max_ms: Math.round(scrubs.at(-1)),
  rss_mb_first_frame: Math.round(rssFirst),
  rss_mb_after_scrubbing: Math.round(rssAfter),
  node: process.version,
}));
