import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlohaDataset } from '@actfusion/datasets';
import { describe, expect, it } from 'vitest';

// A killed recording loses at most the episode in progress: `actfusion record` is SIGKILLed after
// its second episode, the same command then resumes from `<out>.partial` and finishes; the dataset
// holds the same episodes (same seeds) as one recorded in a single run, and our reader and h5py
// read it.
const runCli = fileURLToPath(new URL('./support/run-cli.mjs', import.meta.url));
const python = spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' }).status === 0 ? '/usr/bin/python3' : undefined;

function record(out: string, killAfterEpisode?: number): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  const args = [runCli, 'record', '--task', 'lift-cube', '--episodes', '4', '--out', out, '--cameras', 'top', '--height', '24', '--width', '32', '--episode-length', '30', '--keep-failed'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killAfterEpisode !== undefined && stderr.includes(`episode ${killAfterEpisode}/4`)) child.kill('SIGKILL');
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ killed: signal === 'SIGKILL', code, stderr }));
  });
}

describe('recording killed mid-way (SIGKILL, child process)', () => {
  it('resumes with the same command, loses nothing finished, and the dataset reads in our reader and h5py', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-rec-crash-'));
    const killed = await record(join(dir, 'data'), 2);
    expect(killed.killed, killed.stderr).toBe(true);
    expect(existsSync(join(dir, 'data'))).toBe(false); // not a dataset until complete
    expect(existsSync(join(dir, 'data.partial'))).toBe(true);

    const resumed = await record(join(dir, 'data'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming the interrupted recording in .*data\.partial: [23] episodes kept, continuing at seed [23]/);
    expect(existsSync(join(dir, 'data.partial'))).toBe(false);
    expect((await readdir(join(dir, 'data'))).sort()).toEqual(['episode_0.hdf5', 'episode_1.hdf5', 'episode_2.hdf5', 'episode_3.hdf5']);

    const whole = await record(join(dir, 'whole'));
    expect(whole.code, whole.stderr).toBe(0);
    const a = await AlohaDataset.open(join(dir, 'data'));
    const b = await AlohaDataset.open(join(dir, 'whole'));
    expect(a.episodes).toHaveLength(4);
    for (let e = 0; e < 4; e++) {
      const [ea, eb] = [a.episodes[e]!, b.episodes[e]!];
      expect(ea.attributes.seed).toBe(eb.attributes.seed);
      expect(Array.from(ea.qpos)).toEqual(Array.from(eb.qpos));
      expect(Array.from(ea.action)).toEqual(Array.from(eb.action));
    }
    await a.close();
    await b.close();
    if (python) {
      const r = spawnSync(python, ['-c', `import h5py, glob; print(sum(h5py.File(f, 'r')['/action'].shape[0] > 0 for f in sorted(glob.glob('${join(dir, 'data')}/*.hdf5'))))`], { encoding: 'utf8' });
      expect(r.stdout.trim(), r.stderr).toBe('4');
    }
  }, 600_000);
});
