import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createRuntime, Rng } from '@actfusion/cvae-core';
import { ResNet } from '@actfusion/encoder-vision-resnet';
import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { readPretrainedResNet } from '../src/composition/read-pretrained-resnet.js';
import { convertTorchWeights } from '../src/torch-weights/convert-torch-weights.js';
import { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';

const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
const converter = fileURLToPath(new URL('../../../tools/convert-torchvision-resnet.py', import.meta.url));

// Weights the test makes: a torchvision resnet18 with random batch-norm statistics, converted by
// the documented tool, and its layer4 output on a fixed input as the reference.
const MAKE = `
import runpy, sys, json, torch, torchvision
tool = runpy.run_path(sys.argv[1])
torch.manual_seed(0)
m = torchvision.models.resnet18(weights=None)
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.2, 0.2); mod.running_var.uniform_(0.5, 1.5)
            mod.weight.uniform_(0.5, 1.5); mod.bias.uniform_(-0.2, 0.2)
m.eval()
state = {k: v for k, v in m.state_dict().items() if not k.endswith('num_batches_tracked')}
tool['save_safetensors'](state, sys.argv[2])
torch.save(m.state_dict(), sys.argv[4])  # the layout torchvision publishes (.pth, zip)
x = torch.linspace(-1, 1, 2 * 3 * 64 * 96).reshape(2, 3, 64, 96)
features = torch.nn.Sequential(*list(m.children())[:-2])
with torch.no_grad():
    y = features(x)
json.dump({'shape': list(y.shape), 'values': y.flatten().tolist(), 'input': x.flatten().tolist()}, open(sys.argv[3], 'w'))
`;

describe('vision-resnet pretrained: torchvision weights (tools/convert-torchvision-resnet.py, actfusion convert-weights, the .pth)', () => {
  it.skipIf(!torch)('loads a torchvision resnet18 and matches its layer4 output (needs python3-torch)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-pretrained-'));
    const weights = join(dir, 'resnet18.safetensors');
    const ref = join(dir, 'reference.json');
    const script = join(dir, 'make.py');
    await writeFile(script, MAKE);
    const pth = join(dir, 'resnet18.pth');
    const r = spawnSync('/usr/bin/python3', [script, converter, weights, ref, pth], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const converted = join(dir, 'resnet18-ts.safetensors');
    await convertTorchWeights(pth, converted);
    const runtime = await createRuntime({ backend: 'cpu', seed: 0 });
    // the Python-written safetensors, actfusion convert-weights' output, and the .pth read directly
    for (const file of [weights, converted, pth]) {
      const net = new ResNet(18, 64, new Rng(9));
      const state = await readPretrainedResNet(file);
      net.loadStateDict(state, { source: file });
      tf.dispose([...state.values()]);
      const expected = JSON.parse(await readFile(ref, 'utf8')) as { shape: number[]; values: number[]; input: number[] };
      const nchw = tf.tensor4d(expected.input, [2, 3, 64, 96]);
      const y = net.forward(tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D);
      const got = await tf.transpose(y, [0, 3, 1, 2]).data();
      expect([y.shape[0], y.shape[3], y.shape[1], y.shape[2]]).toEqual(expected.shape);
      let err = 0;
      let scale = 0;
      expected.values.forEach((v, i) => {
        err = Math.max(err, Math.abs(v - got[i]!));
        scale = Math.max(scale, Math.abs(v));
      });
      console.log(`pretrained resnet18 (${file}) layer4: max abs error ${err} at max |feature| ${scale}`);
      expect(err).toBeLessThan(1e-4); // measured 1.1e-5 at features up to 8.3
      net.dispose();
      tf.dispose([nchw, y]);
    }
    runtime.dispose();
  });

  it('refuses pretrained weights with a norm that trains, and names a missing file', async () => {
    const registry = builtinKinds();
    const set = ['encoders=[{kind: joints}, {kind: vision-resnet, backbone: resnet-tiny, norm: group-norm, pretrained: w.safetensors}]'];
    await expect(loadConfig('act-small', { registry, set })).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfig('act-small', { registry, set })).rejects.toThrow(/encoders\[1\]\.norm: pretrained weights carry batch-norm statistics/);
    await expect(readPretrainedResNet('/nonexistent/resnet18.safetensors')).rejects.toThrow(/\/nonexistent\/resnet18\.safetensors does not exist; expected torchvision ResNet weights/);
    const c = await loadConfig('act-small', { registry, set: ['encoders=[{kind: joints}, {kind: vision-resnet, backbone: resnet-tiny, norm: group-norm, groups: 4}]'] });
    expect(c.encoders[1]).toMatchObject({ norm: 'group-norm', groups: 4 });
  });
});
