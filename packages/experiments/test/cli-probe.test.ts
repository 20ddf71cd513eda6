import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli.js';

// The hostile-user probe of issue 13, through the real command tree (`runCli`, as bin/actfusion.js
// calls it): each bad input ends in one line naming the flag or field and what was expected, a
// non-zero exit code, no stack trace and no output folder. (Config fuzzing is config-fuzz.test.ts;
// the probe of every issue bullet against the built command is summarised in the issue notes.)

interface Outcome {
  exitCode: number;
  lines: string[];
}

async function actfusion(...args: string[]): Promise<Outcome> {
  const lines: string[] = [];
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(['node', 'actfusion', ...args]);
    return { exitCode: Number(process.exitCode ?? 0), lines };
  } finally {
    process.exitCode = before;
    err.mockRestore();
    log.mockRestore();
  }
}

describe('actfusion probed with bad paths, formats and devices', () => {
  it('each case fails with one named line, a non-zero exit and no output folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-probe-'));
    const aFile = join(dir, 'a-file');
    await writeFile(aFile, 'x');
    const hdf5Dir = join(dir, 'hdf5-named');
    await mkdir(hdf5Dir);
    await writeFile(join(hdf5Dir, 'episode_0.hdf5'), ''); // only the name matters to the format check
    const config = join(dir, 'tiny.yaml');
    await writeFile(config, stringify({ extends: 'act-small', runtime: { backend: 'cpu' }, dataset: { path: hdf5Dir, episodes: 1 }, outputDir: join(dir, 'never') }));
    const train = (...set: string[]) => ['train', '-c', config, ...set.flatMap((s) => ['--set', s])];
    const out = (n: number) => join(dir, `out-${n}`);
    const cases: { name: string; args: string[]; expect: RegExp; out?: string }[] = [
      { name: 'missing dataset.path', args: train(`dataset.path=${join(dir, 'nothing')}`, `outputDir=${out(1)}`), out: out(1), expect: /^actfusion: dataset\.path: .*nothing does not exist; expected a dataset folder/ },
      { name: 'dataset.path is a file', args: train(`dataset.path=${aFile}`, `outputDir=${out(2)}`), out: out(2), expect: /^actfusion: dataset\.path: .*a-file is a file; expected a dataset folder/ },
      { name: 'dataset.path holds no dataset', args: train(`dataset.path=${dir}`, `outputDir=${out(3)}`), out: out(3), expect: /^actfusion: dataset\.path: .* holds no dataset; expected ALOHA HDF5 episodes/ },
      {
        name: 'wrong dataset.format',
        args: train('dataset.format=lerobot', `outputDir=${out(4)}`),
        out: out(4),
        expect: /^actfusion: dataset\.format is lerobot but dataset\.path .*hdf5-named holds ALOHA HDF5 episodes \(episode_<i>\.hdf5\); expected a LeRobot dataset \(meta\/info\.json\) \(set --set dataset\.format=aloha-hdf5\)/,
      },
      { name: 'serial port is a regular file', args: ['robot', 'scan', '--port', aFile, '--protocol', 'dynamixel'], expect: /^actfusion: --port: cannot open serial port .*a-file: it is a regular file, not a device; expected a serial device/ },
      { name: 'serial port is /dev/null', args: ['robot', 'ping', '--port', '/dev/null', '--protocol', 'feetech', '--id', '1'], expect: /^actfusion: --port: cannot open serial port \/dev\/null: it is a character device but not a terminal/ },
      { name: 'serial port missing', args: ['robot', 'scan', '--port', join(dir, 'ttyNONE'), '--protocol', 'feetech'], expect: /^actfusion: --port: cannot open serial port .*ttyNONE: no such device/ },
      { name: 'serial port is a folder', args: ['robot', 'calibrate', '--port', dir, '--arm', 'so101', '--out', join(dir, 'c.json')], expect: /^actfusion: --port: cannot open serial port .*: it is a folder/ },
      {
        name: 'ablate --queue nowhere leaves no folder',
        args: ['ablate', '-c', 'act-small', '--grid', 'policy.chunkSize=1,10', '--trial', 'synthetic', '--queue', 'redis://127.0.0.1:1', '--out', out(5)],
        out: out(5),
        expect: /^actfusion: --queue redis:\/\/127\.0\.0\.1:1: cannot reach Redis/,
      },
    ];
    for (const c of cases) {
      const r = await actfusion(...c.args);
      expect(r.exitCode, c.name).not.toBe(0);
      const last = r.lines.at(-1) ?? '';
      expect(last, `${c.name}:\n${r.lines.join('\n')}`).toMatch(c.expect);
      expect(r.lines.join('\n'), c.name).not.toMatch(/\n\s+at /);
      if (c.out) expect(existsSync(c.out), `${c.name} left ${c.out}`).toBe(false);
    }
    expect(existsSync(join(dir, 'c.json'))).toBe(false);
    expect(await readFile(aFile, 'utf8')).toBe('x');
  }, 120_000);
});
