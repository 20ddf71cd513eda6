import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const WORKSPACE_NODE_MODULES = resolve(import.meta.dirname, '../../../../node_modules');

/**
 * A small encoder plug-in package as a user would write it (plain ESM JavaScript, importing
 * @actfusion/cvae-core, tsyringe, zod and tfjs like any encoder package): the joint state through
 * a two-layer MLP as one extra token. Written to `<dir>/plugins/state-mlp-encoder` and linked as
 * `<dir>/node_modules/state-mlp-encoder` (as npm links a workspace or `file:` dependency), with
 * the framework packages linked beside it.
 */
export async function writeStateMlpPlugin(dir: string): Promise<string> {
  const pkg = join(dir, 'plugins', 'state-mlp-encoder');
  await mkdir(pkg, { recursive: true });
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  for (const dep of ['@actfusion', '@tensorflow', 'tsyringe', 'zod', 'reflect-metadata']) {
    await symlink(join(WORKSPACE_NODE_MODULES, dep), join(dir, 'node_modules', dep));
  }
  await symlink(pkg, join(dir, 'node_modules', 'state-mlp-encoder'));
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'state-mlp-encoder', version: '0.0.1', type: 'module', exports: { '.': './index.js' } }, null, 2));
  await writeFile(
    join(pkg, 'index.js'),
    `import * as tf from '@tensorflow/tfjs-core';
import { instanceCachingFactory } from 'tsyringe';
import { z } from 'zod';
import { Linear, Module } from '@actfusion/cvae-core/nn';
import { TOKENS } from '@actfusion/contracts';

export const description = 'the joint state through a 2-layer MLP as one token (test plug-in)';
export const optionsSchema = z.strictObject({ hidden: z.number().int().positive().default(8) });

class StateMlpEncoder extends Module {
  constructor(spec, config, rng, hidden) {
    super();
    this.name = 'state_mlp';
    // The features it reads (here the shared joint state, which collate normalises into batch.qpos).
    this.features = spec.features.filter((f) => f.key === 'observation.state');
    this.learnedPositions = true;
    this.config = config;
    this.fc1 = this.registerModule('fc1', new Linear(spec.stateDim, hidden, { rng }));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, config.dimModel, { rng }));
  }
  tokenCount() {
    return 1;
  }
  featurise() {
    return {};
  }
  encode(batch) {
    return tf.tidy(() => ({
      tokens: tf.expandDims(this.fc2.forward(tf.relu(this.fc1.forward(batch.qpos))), 1),
      positions: tf.zeros([1, this.config.dimModel]),
    }));
  }
}

export function register(container, options) {
  container.register(TOKENS.ModalityEncoder, {
    useFactory: instanceCachingFactory((c) => new StateMlpEncoder(c.resolve(TOKENS.ObservationSpec), c.resolve(TOKENS.PolicyConfig), c.resolve(TOKENS.InitRng), options.hidden)),
  });
}
`,
  );
  return pkg;
}
