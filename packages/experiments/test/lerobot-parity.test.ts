import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleBatch } from '@actfusion/cvae-core';
import { loadLeRobotPolicy } from '../src/act/load-lerobot-policy.js';
import { readParityInput } from '../src/act/parity-input.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures', 'parity');
const repoRoot = join(here, '..', '..', '..');

/** Max abs error of our chunk against the peer's; `duplicateCamera` feeds camera 0's image as camera 1's too. */
async function maxAbsError(dir: string, duplicateCamera = false): Promise<{ err: number; scale: number; shape: number[] }> {
  const { policy, description } = await loadLeRobotPolicy(dir);
  const input = await readParityInput(join(dir, 'parity.json'), description);
  const cams = Object.keys(input.images);
  const images = duplicateCamera ? { [cams[0]!]: input.images[cams[0]!]!, [cams[1]!]: input.images[cams[0]!]! } : input.images;
  const pred = policy.predictChunk(assembleBatch(policy.encoders, input.qpos, images));
  const want = tf.tensor(input.expected!);
  const err = tf.max(tf.abs(tf.sub(pred, want))).dataSync()[0]!;
  const scale = tf.max(tf.abs(want)).dataSync()[0]!;
  const shape = pred.shape;
  for (const t of [pred, want, input.qpos, ...Object.values(input.images)]) t.dispose();
  policy.dispose();
  return { err, scale, shape };
}

const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

// act-small (~75 MB of weights) is exported once per exporter into a temp dir, shared by both backends.
const exports = new Map<string, string>();
function actSmallExport(exporter: string): string {
  let dir = exports.get(exporter);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'act-small-parity-'));
    execFileSync('/usr/bin/python3', [
      join(repoRoot, 'tools', 'bench', exporter),
      join(repoRoot, 'packages', 'experiments', 'presets', 'bench', 'act-small.json'),
      '--export', dir, '--seed', '3',
    ]);
    exports.set(exporter, dir);
  }
  return dir;
}
afterAll(() => {
  for (const dir of exports.values()) rmSync(dir, { recursive: true, force: true });
});

describe.each(['cpu', 'wasm'] as const)('LeRobot checkpoints from the PyTorch peer predict the same chunk (%s)', (backend) => {
  useRuntime({ backend, seed: 1 });

  it('two cameras, 14-D (fixture two-cams)', async () => {
    const { err, shape } = await maxAbsError(join(fixtures, 'two-cams'));
    console.log(`${backend} two-cams parity: max abs error ${err}`);
    expect(shape).toEqual([2, 10, 14]);
    expect(err).toBeLessThan(1e-4);
  });

  it('notices a wrong image (the comparison can fail)', async () => {
    // Swapping the two cameras would not do: both cameras' tokens carry the same 2-D positions
    // and attention has no mask, so the encoder is invariant to that permutation.
    const { err, scale } = await maxAbsError(join(fixtures, 'two-cams'), true);
    expect(scale).toBeGreaterThan(0.5);
    expect(err).toBeGreaterThan(1e-2);
  });

  it('6-D state and action, 64x96 image, 2 decoder layers (fixture six-dof)', async () => {
    const { err, shape } = await maxAbsError(join(fixtures, 'six-dof'));
    console.log(`${backend} six-dof parity: max abs error ${err}`);
    expect(shape).toEqual([2, 12, 6]);
    expect(err).toBeLessThan(1e-4);
  });

  for (const exporter of ['act_torch.py', 'export_parity.py']) {
    it.skipIf(!torch)(`act-small exported now by ${exporter} (needs python3-torch)`, async () => {
      const dir = actSmallExport(exporter);
      const { err, scale, shape } = await maxAbsError(dir);
      console.log(`${backend} act-small (${exporter}) parity: max abs error ${err}, max |action| ${scale}`);
      expect(shape).toEqual([2, 50, 14]);
      // With trained-scale weights act-small's layer4 features reach ~360, and the wasm backend's
      // convolutions sum in another order than OpenBLAS: measured against a float64 PyTorch run,
      // PyTorch fp32 is 2.6e-5 off, tfjs cpu 2.1e-5, tfjs wasm 1.2e-4 (1.0e-4 from PyTorch fp32,
      // relative 5e-5). That one case gets 2e-4; every other case holds 1e-4.
      const tolerance = backend === 'wasm' && exporter === 'export_parity.py' ? 2e-4 : 1e-4;
      expect(err).toBeLessThan(tolerance);
    });
  }
});
