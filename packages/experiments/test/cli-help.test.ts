import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';

describe('actfusion --help', () => {
  it('has every command, and every command explains every option', () => {
    const program = buildProgram();
    const names = program.commands.map((c) => c.name());
    for (const n of ['ablate', 'worker', 'record', 'train', 'eval', 'demo', 'robot', 'run', 'predict', 'convert-weights']) expect(names).toContain(n);
    const all = program.commands.flatMap((c) => [c, ...c.commands]);
    for (const cmd of all) {
      expect(cmd.description(), `${cmd.name()} has a description`).not.toBe('');
      for (const opt of cmd.options) expect(opt.description, `${cmd.name()} ${opt.flags}`).not.toBe('');
    }
    const ablateHelp = program.commands.find((c) => c.name() === 'ablate')!.helpInformation();
    expect(ablateHelp).toContain('--queue <redis-url>');
    expect(ablateHelp).toContain('--grid <key=v1,v2>');
  });
});
