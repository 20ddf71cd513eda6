import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { intOption, numberOption } from '../src/commands/options.js';

async function cli(args: string[]): Promise<unknown> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return await buildProgram().exitOverride().parseAsync(['node', 'actfusion', ...args]);
  } finally {
    err.mockRestore();
  }
}

describe('command-line numbers: one parser, errors that name the flag and the range', () => {
  it('intOption and numberOption', () => {
    expect(intOption('--n')('12')).toBe(12);
    expect(() => intOption('--n')('abc')).toThrow("--n: expected an integer >= 1, got 'abc'");
    expect(() => intOption('--n', { min: 0, max: 9 })('10')).toThrow("--n: expected an integer in 0..9, got '10'");
    expect(() => intOption('--n')('')).toThrow(/--n/);
    expect(numberOption('--x', { min: 0 })('2.5')).toBe(2.5);
    expect(() => numberOption('--x', { min: 0 })('NaN')).toThrow("--x: expected a number in [0, Infinity], got 'NaN'");
  });

  it('record --first-seed abc and --height 100000 fail at the flag, before any work', async () => {
    await expect(cli(['record', '--task', 'lift-cube', '--episodes', '1', '--out', '/tmp/never-written', '--first-seed', 'abc'])).rejects.toThrow(
      /--first-seed: expected an integer in 0\.\.999999, got 'abc'/,
    );
    await expect(cli(['record', '--task', 'lift-cube', '--episodes', '1', '--out', '/tmp/never-written', '--height', '100000'])).rejects.toThrow(
      /--height: expected an integer in 1\.\.4096, got '100000'/,
    );
  });
});
