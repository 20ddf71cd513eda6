import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  commitTemporary,
  symlinkAtomic,
  temporaryPathFor,
  writeDirectoryAtomic,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atomic-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes text, bytes or a streamed body, creating parents, and leaves no temporary file', async () => {
    const a = join(dir, 'sub/deeper/a.json');
    await writeFileAtomic(a, '{"x":1}');
    expect(await readFile(a, 'utf8')).toBe('{"x":1}');
    await writeFileAtomic(a, new Uint8Array([0x7b, 0x7d]));
    expect(await readFile(a, 'utf8')).toBe('{}');
    await writeFileAtomic(a, async (file) => {
      await file.write('he');
      await file.write('llo');
    });
    expect(await readFile(a, 'utf8')).toBe('hello');
    expect(await readdir(join(dir, 'sub/deeper'))).toEqual(['a.json']);
  });

  it('keeps the old file and removes the temporary one when writing fails, naming the target', async () => {
    const a = join(dir, 'a.txt');
    await writeFile(a, 'old');
    const err = (await writeFileAtomic(a, async (file) => {
      await file.write('half of the new');
      throw new Error('disk full');
    }).then(
      () => new Error('no error'),
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toBe(`${a}: could not be written: disk full`);
    expect((err.cause as Error).message).toBe('disk full');
    expect(await readFile(a, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('fails naming the target when its folder cannot be made', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(writeFileAtomic(join(dir, 'file/a.txt'), 'y')).rejects.toThrow(/file\/a\.txt|ENOTDIR|EEXIST/);
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('has a synchronous twin with the same cleanup', async () => {
    const a = join(dir, 'png/a.png');
    writeFileAtomicSync(a, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(a))]).toEqual([1, 2, 3]);
    await mkdir(join(dir, 'png/b.png'));
    await writeFile(join(dir, 'png/b.png/inside'), 'x');
    expect(() => writeFileAtomicSync(join(dir, 'png/b.png'), 'y')).toThrow(/b\.png/);
    expect((await readdir(join(dir, 'png'))).sort()).toEqual(['a.png', 'b.png']);
  });
});

describe('writeDirectoryAtomic', () => {
  it('builds a folder in a temporary place and replaces the old one', async () => {
    const ck = join(dir, 'checkpoints/000010');
    await writeDirectoryAtomic(ck, async (tmp) => writeFile(join(tmp, 'model.bin'), 'v1'));
    await writeDirectoryAtomic(ck, async (tmp) => writeFile(join(tmp, 'model.bin'), 'v2'));
    expect(await readFile(join(ck, 'model.bin'), 'utf8')).toBe('v2');
    expect(await readdir(join(dir, 'checkpoints'))).toEqual(['000010']);
  });

  it('keeps the old folder and removes the half-built one on failure', async () => {
    const ck = join(dir, '000010');
    await writeDirectoryAtomic(ck, async (tmp) => writeFile(join(tmp, 'model.bin'), 'v1'));
    await expect(
      writeDirectoryAtomic(ck, async (tmp) => {
        await writeFile(join(tmp, 'model.bin'), 'half');
        throw new Error('killed');
      }),
    ).rejects.toThrow(`${ck}: could not be written: killed`);
    expect(await readFile(join(ck, 'model.bin'), 'utf8')).toBe('v1');
    expect(await readdir(dir)).toEqual(['000010']);
  });
});

describe('symlinkAtomic and commitTemporary', () => {
  it('repoints a symlink', async () => {
    await symlinkAtomic('000010', join(dir, 'last'));
    await symlinkAtomic('000020', join(dir, 'last'));
    expect(await readlink(join(dir, 'last'))).toBe('000020');
    expect((await lstat(join(dir, 'last'))).isSymbolicLink()).toBe(true);
    expect(await readdir(dir)).toEqual(['last']);
  });

  it('moves a finished temporary file into place, and removes it when it cannot', async () => {
    const target = join(dir, 'videos/a.mp4');
    const tmp = temporaryPathFor(target, '.tmp.mp4');
    expect(tmp).toMatch(/\/\.a\.mp4\.\d+\.[0-9a-f]{8}\.tmp\.mp4$/);
    await mkdir(join(dir, 'videos'));
    await writeFile(tmp, 'frames');
    await commitTemporary(tmp, target);
    expect(await readFile(target, 'utf8')).toBe('frames');
    const blocked = join(dir, 'videos/b.mp4');
    await mkdir(blocked);
    await writeFile(join(blocked, 'x'), '');
    const tmp2 = temporaryPathFor(blocked);
    await writeFile(tmp2, 'frames');
    await expect(commitTemporary(tmp2, blocked)).rejects.toThrow(/b\.mp4/);
    expect((await readdir(join(dir, 'videos'))).sort()).toEqual(['a.mp4', 'b.mp4']);
  });
});
