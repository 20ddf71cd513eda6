import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { checkOutputDir, OutputDirError } from '../src/io/output-dir.js';

describe('checkOutputDir: the run-folder rules, checked before any work', () => {
  it('accepts a new folder under a writable one, and an existing folder that holds no run', async () => {
    const root = await mkdtemp(join(tmpdir(), 'actfusion-out-'));
    await checkOutputDir(join(root, 'a', 'b'), { field: 'outputDir' });
    await mkdir(join(root, 'data-only', 'data'), { recursive: true });
    await checkOutputDir(join(root, 'data-only'), { field: 'outputDir' });
  });

  it('refuses a folder that already holds a run unless resuming, and --resume without a run', async () => {
    const root = await mkdtemp(join(tmpdir(), 'actfusion-out-'));
    await writeFile(join(root, 'metrics.jsonl'), '');
    await expect(checkOutputDir(root, { field: 'outputDir' })).rejects.toThrow(/outputDir: .* already holds a training run \(metrics.jsonl\); pass --resume/);
    await checkOutputDir(root, { field: 'outputDir', resume: true, mustHoldRun: true });
    const empty = await mkdtemp(join(tmpdir(), 'actfusion-out-'));
    await expect(checkOutputDir(empty, { field: 'outputDir', resume: true, mustHoldRun: true })).rejects.toThrow(/holds no training run to resume/);
    await expect(checkOutputDir(join(empty, 'nope'), { field: 'outputDir', resume: true, mustHoldRun: true })).rejects.toThrow(/does not exist; --resume needs/);
  });

  it('names a file in the way and kernel pseudo-filesystems', async () => {
    const root = await mkdtemp(join(tmpdir(), 'actfusion-out-'));
    await writeFile(join(root, 'file'), 'x');
    await expect(checkOutputDir(join(root, 'file', 'run'), { field: 'outputDir' })).rejects.toThrow(new RegExp(`outputDir: ${join(root, 'file')} is a file, not a folder`));
    await expect(checkOutputDir('/proc/x', { field: 'outputDir' })).rejects.toThrow(/outputDir: \/proc\/x is inside a kernel pseudo-filesystem/);
  });

  it('`actfusion train` into a finished run without --resume fails at once and leaves the run untouched', async () => {
    const root = await mkdtemp(join(tmpdir(), 'actfusion-out-'));
    await mkdir(join(root, 'checkpoints'));
    await writeFile(join(root, 'metrics.jsonl'), '{"step":1}\n');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await expect(
        buildProgram().exitOverride().parseAsync(['node', 'actfusion', 'train', '-c', 'act-small', '--set', `outputDir=${root}`]),
      ).rejects.toBeInstanceOf(OutputDirError);
    } finally {
      err.mockRestore();
    }
    expect((await readdir(root)).sort()).toEqual(['checkpoints', 'metrics.jsonl']);
    expect(existsSync(join(root, 'config.resolved.yaml'))).toBe(false);
  });
});

describe('checkImageSizes: a dataset recorded at another image size is refused before training', () => {
  it('names the dataset, the camera, both sizes and the flags that fix it', async () => {
    const { checkImageSizes } = await import('../src/pipeline/open-dataset.js');
    const { loadConfig } = await import('../src/config/load-config.js');
    const { builtinKinds } = await import('../src/composition/builtin-kinds.js');
    const config = await loadConfig('act-small', { registry: builtinKinds(), set: ['dataset.path=/data/x'] });
    expect(() => checkImageSizes(config, { top: [48, 64] })).not.toThrow();
    expect(() => checkImageSizes(config, { top: [480, 640] })).toThrow(
      /dataset\.path \/data\/x: camera top has 480x640 frames, but robot\.imageHeight x robot\.imageWidth is 48x64; .*--set robot\.imageHeight=480 --set robot\.imageWidth=640/,
    );
  });
});
