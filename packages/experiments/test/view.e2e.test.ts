import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { loadConfig } from '../src/config/load-config.js';
import { evaluatePolicy } from '../src/pipeline/evaluate-policy.js';
import { recordDemonstrations } from '../src/pipeline/record-demonstrations.js';
import { trainExperiment } from '../src/pipeline/train-experiment.js';
import { launchChromium } from './support/chromium.js';
import { canvasColours, canvasHash, imageLoaded } from './support/page-probes.js';
import { writeTaxelsDataset } from './support/taxels-dataset.js';
import { startViewCommand } from './support/view-process.js';

const registry = builtinKinds();
const shots = process.env['ACTFUSION_VIEW_SCREENSHOTS'];

async function screenshot(page: Page, name: string, dir: string): Promise<string> {
  const path = join(shots ?? dir, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

describe('actfusion view in headless Chromium (real datasets, run and eval made here)', () => {
  let dir: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'af-view-'));
    if (shots) await mkdir(shots, { recursive: true });
    // The page bundle (uPlot + app) as `npm run build` makes it.
    await build({ configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)), logLevel: 'error' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a LeRobot dataset with taxels (written by the datasets writer), and a run trained and evaluated on an ALOHA dataset: frames, plots and heat maps change when scrubbed', async () => {
    const config = await loadConfig('act-small', {
      registry,
      set: [
        'runtime.backend=cpu', 'robot.imageHeight=48', 'robot.imageWidth=64', 'robot.episodeLength=12',
        `dataset.path=${join(dir, 'aloha')}`, 'dataset.episodes=2', `outputDir=${join(dir, 'run')}`,
        'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
        'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', 'train.steps=2', 'train.batchSize=2', 'train.saveFreq=1', 'train.logFreq=1',
        'eval.episodes=2', 'eval.maxSteps=10', 'eval.saveFramesEvery=5',
      ],
    });
    const root = join(dir, 'lerobot');
    await Promise.all([
      writeTaxelsDataset(root, { episodes: 2, length: 16, height: 72, width: 96, sensor: 'left_finger', rows: 4, cols: 4 }),
      recordDemonstrations({ task: 'transfer-cube', episodes: 2, out: config.dataset.path, format: 'aloha-hdf5', cameras: [{ name: 'top', height: 48, width: 64 }], episodeLength: 12, onlySuccessful: false }),
    ]);
    await trainExperiment(config, { registry });
    await evaluatePolicy(config, { registry });
    const rollouts = (await readdir(join(config.outputDir, 'eval', 'rollouts'))).sort();
    expect(rollouts).toEqual(['seed-1000-episode-0.json', 'seed-1000-episode-1.json']);

    const [datasetView, runView] = await Promise.all([startViewCommand(root), startViewCommand(config.outputDir)]);
    const page = await browser.newPage();
    try {
      // The dataset: camera frames, joint plots and the tactile heat map follow the scrubber.
      expect(datasetView.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      await page.goto(datasetView.url);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#frame-top[data-t="0"]');
      expect(await page.locator('#run').count()).toBe(0);
      expect(await page.textContent('#instruction')).toContain('press the pad');
      expect(await canvasColours(page, '#frame-top')).toBeGreaterThan(8);
      const frame0 = await canvasHash(page, '#frame-top');
      const state0 = await canvasHash(page, '#plot-state canvas');
      const heat0 = await canvasHash(page, '#tactile-observation_taxels_left_finger');
      await page.locator('#scrubber').press('End');
      await page.waitForSelector('#frame-top[data-t="15"]');
      expect(await page.textContent('#clock')).toContain('t = 15 / 15');
      expect(await canvasHash(page, '#frame-top')).not.toBe(frame0);
      expect(await canvasHash(page, '#plot-state canvas')).not.toBe(state0);
      expect(await canvasHash(page, '#tactile-observation_taxels_left_finger')).not.toBe(heat0);
      for (let k = 0; k < 6; k++) await page.locator('#scrubber').press('ArrowLeft');
      await page.waitForSelector('#frame-top[data-t="9"]');
      await screenshot(page, 'viewer-dataset.png', dir);
      await page.selectOption('#episode', '1');
      await page.waitForSelector('#frame-top[data-episode="1"][data-t="0"]');
      expect(await canvasHash(page, '#plot-state canvas')).not.toBe(state0);

      // The run: loss curves, checkpoints, the success table and the rollouts, and its dataset.
      await page.goto(runView.url);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await canvasColours(page, '#plot-loss canvas')).toBeGreaterThan(4);
      expect(await page.locator('#plot-loss .u-legend').textContent()).toContain('loss');
      expect(await page.locator('#checkpoints tr').count()).toBe(1 + 2);
      expect(await page.locator('#success-table tr').count()).toBe(1 + 4);
      expect(await page.locator('#rollout option').count()).toBe(2);
      expect(await page.locator('#plot-chunks .u-title').textContent()).toMatch(/predicted chunks \(coloured, [1-9]\d*\)/);
      const chunks0 = await canvasHash(page, '#plot-chunks canvas');
      const reward0 = await canvasHash(page, '#plot-reward canvas');
      await page.locator('#rollout-scrubber').press('End');
      expect(await canvasHash(page, '#plot-chunks canvas')).not.toBe(chunks0);
      expect(await canvasHash(page, '#plot-reward canvas')).not.toBe(reward0);
      const joint0 = await canvasHash(page, '#plot-chunks canvas');
      // The eval ran the simulator's finger sensors: one heat map each, following the rollout scrubber.
      expect(await page.locator('#rollout-tactile canvas[data-t="9"]').count()).toBeGreaterThan(0);
      await page.selectOption('#rollout-joint', '6');
      expect(await canvasHash(page, '#plot-chunks canvas')).not.toBe(joint0);
      await imageLoaded(page, 'rollout-frame', 64);
      await page.waitForSelector('#frame-top[data-t="0"]');
      // The simulator's finger sensors were recorded too: taxel heat maps and tactile images.
      expect(await page.locator('#dataset canvas.heatmap').count()).toBeGreaterThan(0);
      expect(await page.locator('#dataset canvas.tactile-image').count()).toBeGreaterThan(0);
      const runFrame0 = await canvasHash(page, '#frame-top');
      await page.locator('#scrubber').press('End');
      await page.waitForSelector('#frame-top[data-t="11"]');
      expect(await canvasHash(page, '#frame-top')).not.toBe(runFrame0);
      await screenshot(page, 'viewer-run.png', dir);
    } finally {
      await page.close();
      await Promise.all([datasetView.stop(), runView.stop()]);
    }
  });
});
