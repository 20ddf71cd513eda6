import { vi } from 'vitest';
import { buildProgram } from '../../src/cli.js';

/** Runs `actfusion <args>` in this process through the real command tree; returns its stdout lines. */
export async function actfusion(...args: string[]): Promise<string> {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await buildProgram().parseAsync(['node', 'actfusion', ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return out.join('\n');
}
