import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSafetensors } from '@actfusion/cvae-core/io';
import * as tf from '@tensorflow/tfjs-core';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { loadConfig } from '../src/config/load-config.js';
import { actfusion } from './support/in-process-cli.js';
import { writeStateMlpPlugin } from './support/plugin-fixture.js';

const TINY = [
  'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12',
  'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
  'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', 'train.steps=2', 'train.batchSize=2', 'train.saveFreq=2', 'train.logFreq=1',
  'eval.episodes=1', 'eval.maxSteps=4',
].flatMap((s) => ['--set', s]);

describe('encoder plug-ins by config (a package the test writes, loaded by `actfusion`)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'af-plugin-'));
    await writeStateMlpPlugin(dir);
    await actfusion('record', '--task', 'transfer-cube', '--episodes', '2', '--out', join(dir, 'data'), '--height', '24', '--width', '32', '--episode-length', '12', '--keep-failed');
  });
  afterEach(() => vi.restoreAllMocks());

  const config = async (name: string, encoder: string): Promise<string> => {
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      `extends: act-small\nname: ${name}\nencoders:\n  - kind: joints\n  - ${encoder}\n  - kind: vision-resnet\n    backbone: resnet-tiny\n    cameras: [top]\n` +
        `dataset:\n  path: ${join(dir, 'data')}\noutputDir: ${join(dir, 'runs', name)}\n`,
    );
    return file;
  };

  it('train and eval compose a package named by `kind`, with its options checked by its own schema', async () => {
    const file = await config('by-package', '{ kind: state-mlp-encoder, hidden: 6 }');
    const trained = await actfusion('train', '-c', file, ...TINY);
    expect(trained).toMatch(/trained 2 steps/);
    const { tensors } = await readSafetensors(join(dir, 'runs', 'by-package', 'checkpoints', 'last', 'pretrained_model', 'model.safetensors'));
    try {
      expect(tensors.get('model.state_mlp.fc1.weight')?.shape).toEqual([6, 14]);
      expect(tensors.get('model.state_mlp.fc2.weight')?.shape).toEqual([16, 6]);
    } finally {
      tf.dispose([...tensors.values()]);
    }
    expect(await actfusion('eval', '-c', file, ...TINY)).toMatch(/success \d\/1/);
  });

  it('a path kind resolves against the config file and is written absolute into the resolved config', async () => {
    const file = await config('by-path', '{ kind: ./plugins/state-mlp-encoder }');
    const c = await loadConfig(file, { registry: builtinKinds() });
    expect(c.encoders[1]).toEqual({ kind: join(dir, 'plugins', 'state-mlp-encoder') });
  });

  it('bad plug-in options fail before any work, naming the field and the plug-in', async () => {
    const file = await config('bad-options', '{ kind: state-mlp-encoder, hidden: -1, extra: 1 }');
    const err = await loadConfig(file, { registry: builtinKinds() }).catch((e: Error) => e);
    expect(String(err)).toMatch(/encoders\[1\]\.hidden: .*>0.*encoder "state-mlp-encoder"/s);
    expect(String(err)).toMatch(/encoders\[1\]\.extra: unknown key "extra"/);
  });

  it('a module without the contract, and a kind that names nothing, are clear errors', async () => {
    await writeFile(join(dir, 'not-a-plugin.js'), 'export const x = 1;\n');
    const broken = await config('broken', '{ kind: ./not-a-plugin.js }');
    await expect(loadConfig(broken, { registry: builtinKinds() })).rejects.toThrow(/encoders\[1\]\.kind: plug-in .*not-a-plugin\.js.* exports no register/);
    const missing = await config('missing', '{ kind: no-such-encoder-package }');
    await expect(loadConfig(missing, { registry: builtinKinds() })).rejects.toThrow(/unknown encoder kind "no-such-encoder-package"; known kinds: joints, language, vision-resnet, visuo-tactile/);
  });
});
