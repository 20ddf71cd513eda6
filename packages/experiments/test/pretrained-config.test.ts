import { copyFile, mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSafetensors, writeSafetensors } from '@actfusion/cvae-core/io';
import { observationSpec } from '@actfusion/contracts';
import type { VisionResNetEncoder } from '@actfusion/encoder-vision-resnet';
import { buildExperimentContainer } from '../src/composition/experiment-container.js';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { loadConfig } from '../src/config/load-config.js';
import { readTorchStateDict } from '../src/torch-weights/torch-state-dict.js';
import { actfusion } from './support/in-process-cli.js';

// torchvision resnet18's state dict cut to width 2 with random batch-norm statistics, saved by
// torch.save (tools/make-torch-weights-fixtures.py); the JSON holds torch's sums and first values.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torch-weights');
type Summary = Record<string, { shape: number[]; sum: number; first: number[] }>;

const TINY = [
  'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12',
  'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
  'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', 'train.steps=2', 'train.batchSize=2', 'train.saveFreq=2', 'train.logFreq=1',
  'train.workers=1', 'eval.episodes=1', 'eval.maxSteps=4',
].flatMap((s) => ['--set', s]);

describe('vision-resnet pretrained: from torchvision .pth through convert-weights to a trained checkpoint', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'af-pretrained-cfg-'));
    await actfusion('record', '--task', 'transfer-cube', '--episodes', '2', '--out', join(dir, 'data'), '--height', '24', '--width', '32', '--episode-length', '12', '--keep-failed');
  });
  afterEach(() => vi.restoreAllMocks());

  /** A config in `<dir>/configs/` naming its weights relative to itself. */
  const writeConfig = async (name: string, vision: string): Promise<string> => {
    await mkdir(join(dir, 'configs'), { recursive: true });
    const file = join(dir, 'configs', `${name}.yaml`);
    await writeFile(
      file,
      `extends: act-small\nname: ${name}\nencoders:\n  - kind: joints\n  - kind: vision-resnet\n    backbone: resnet-tiny\n    cameras: [top]\n    ${vision}\n` +
        `dataset:\n  path: ${join(dir, 'data')}\noutputDir: ${join(dir, 'runs', name)}\n`,
    );
    return file;
  };

  it('convert -> train (backbone lr 0) -> the checkpoint holds the file\'s backbone, frozen batch-norm statistics included; eval runs without the file', async () => {
    await mkdir(join(dir, 'configs', 'weights'), { recursive: true });
    const converted = join(dir, 'configs', 'weights', 'resnet-w2.safetensors');
    expect(await actfusion('convert-weights', join(fixtures, 'resnet-w2.pth'), converted)).toMatch(/wrote 122 tensors/);
    const file = await writeConfig('pretrained', 'width: 2\n    pretrained: weights/resnet-w2.safetensors');

    const config = await loadConfig(file, { registry: builtinKinds() });
    expect(config.encoders[1]).toMatchObject({ pretrained: converted, width: 2 });
    const fromSet = await loadConfig(file, { registry: builtinKinds(), set: ['encoders.1.pretrained=w/r.safetensors'] });
    expect(fromSet.encoders[1]).toMatchObject({ pretrained: resolve('w/r.safetensors') }); // --set: the cwd

    expect(await actfusion('train', '-c', file, ...TINY, '--set', 'train.lrBackbone=0')).toMatch(/trained 2 steps/);
    const run = join(dir, 'runs', 'pretrained');
    const resolved = parseYaml(await readFile(join(run, 'config.resolved.yaml'), 'utf8')) as { encoders: Record<string, unknown>[] };
    expect(resolved.encoders[1]!.pretrained).toBe(converted); // absolute: eval/run from any folder rebuild the same model

    const expected = JSON.parse(await readFile(join(fixtures, 'resnet-w2.json'), 'utf8')) as Summary;
    const { tensors } = await readSafetensors(join(run, 'checkpoints', 'last', 'pretrained_model', 'model.safetensors'));
    try {
      const backbone = [...tensors.keys()].filter((k) => k.startsWith('model.backbone.'));
      const want = Object.keys(expected).filter((k) => !k.startsWith('fc.') && !k.endsWith('num_batches_tracked'));
      expect(backbone.map((k) => k.slice('model.backbone.'.length)).sort()).toEqual(want.sort());
      let worst = 0;
      for (const name of want) {
        const t = tensors.get(`model.backbone.${name}`)!;
        const e = expected[name]!;
        expect(t.shape, name).toEqual(e.shape);
        const v = Array.from(await t.data(), Number);
        const sum = v.reduce((a, b) => a + b, 0);
        worst = Math.max(worst, Math.abs(sum - e.sum) / (1 + Math.abs(e.sum)));
        e.first.forEach((x, i) => expect(v[i], `${name}[${i}]`).toBe(Math.fround(x)));
      }
      expect(worst).toBeLessThan(1e-5);
      // not the identity frozen batch norm of a backbone without weights
      expect(Array.from(await tensors.get('model.backbone.bn1.running_var')!.data())).not.toEqual([1, 1]);
    } finally {
      tf.dispose([...tensors.values()]);
    }

    // The checkpoint holds the weights: eval (config from the run) does not need the file any more.
    await rename(converted, `${converted}.moved`);
    try {
      const evaluated = await actfusion('eval', '--checkpoint', run, ...TINY);
      expect(evaluated).toMatch(/success \d\/1/);
      expect(evaluated).toMatch(/^clamped to joint limits: (none|(\w+ \d+ \(at most [\d.e-]+ past the limit\)(, )?)+)$/m);
      await expect(actfusion('train', '-c', file, ...TINY, '--set', `outputDir=${join(dir, 'runs', 'fresh')}`)).rejects.toThrow(
        /vision-resnet pretrained: .*configs\/weights\/resnet-w2\.safetensors does not exist; expected torchvision ResNet weights/,
      );
    } finally {
      await rename(`${converted}.moved`, converted);
    }
  });

  it('reads the .pth directly, names a mis-shaped tensor and the file, and refuses a norm that trains', async () => {
    await copyFile(join(fixtures, 'resnet-w2.pth'), join(dir, 'configs', 'resnet-w2.pth'));
    const direct = await writeConfig('direct', 'width: 2\n    pretrained: resnet-w2.pth');
    expect(await actfusion('train', '-c', direct, ...TINY)).toMatch(/trained 2 steps/);

    const wide = await writeConfig('wide', 'width: 4\n    pretrained: resnet-w2.pth');
    await expect(actfusion('train', '-c', wide, ...TINY)).rejects.toThrow(
      /configs\/resnet-w2\.pth: tensor 'conv1\.weight' has shape \[2,3,7,7\], expected \[4,3,7,7\] \(the encoder builds a ResNet18 at width 4; the weights must be of the same depth and width\)/,
    );
    const state = await readTorchStateDict(join(fixtures, 'resnet-w2.pth'));
    const partial = new Map(state.filter((t) => t.name !== 'layer2.0.conv1.weight').map((t) => [t.name, { shape: t.shape, dtype: t.dtype, size: t.values.length, data: () => Promise.resolve(t.values) }]));
    await writeSafetensors(join(dir, 'configs', 'partial.safetensors'), partial);
    const missing = await writeConfig('missing', 'width: 2\n    pretrained: partial.safetensors');
    await expect(actfusion('train', '-c', missing, ...TINY)).rejects.toThrow(/configs\/partial\.safetensors: does not match the module: missing 1 \[layer2\.0\.conv1\.weight\], unexpected 0/);
    const gn = await writeConfig('gn', 'width: 2\n    norm: group-norm\n    pretrained: resnet-w2.pth');
    await expect(actfusion('train', '-c', gn, ...TINY)).rejects.toThrow(/encoders\[1\]\.norm: pretrained weights carry batch-norm statistics: expected norm 'frozen-batch-norm' \(or 'auto'\)/);
  });

  it('norm auto: frozen batch norm with weights, group norm (trains) without; the weights file is not read when weights are replaced', async () => {
    const registry = builtinKinds();
    const spec = observationSpec({ stateDim: 14, actionDim: 14, cameras: { top: [24, 32] } });
    const backboneNorm = async (vision: string, options: { weightsReplaced?: boolean } = {}): Promise<string> => {
      const config = await loadConfig(await writeConfig('auto', vision), { registry, set: ['policy.dimModel=16', 'policy.dimFeedforward=32'] });
      const exp = await buildExperimentContainer(config, { registry, spec, ...options });
      try {
        const vision = exp.policy().encoders.find((e) => e.name === 'vision') as VisionResNetEncoder;
        return vision.backbone.bn1.constructor.name;
      } finally {
        await exp.dispose();
      }
    };
    await tf.setBackend('cpu');
    await mkdir(join(dir, 'configs'), { recursive: true });
    await copyFile(join(fixtures, 'resnet-w2.pth'), join(dir, 'configs', 'auto.pth'));
    expect(await backboneNorm('width: 2\n    norm: auto\n    pretrained: auto.pth')).toBe('FrozenBatchNorm2d');
    expect(await backboneNorm('width: 2\n    norm: auto')).toBe('GroupNorm2d');
    expect(await backboneNorm('width: 2\n    pretrained: no-such-file.safetensors', { weightsReplaced: true })).toBe('FrozenBatchNorm2d');
  });
});

