import { vi } from 'vitest';
import { buildProgram } from '../../src/cli.js';

/**
 * Runs `actfusion <args>` in this process through the real command tree (commander throws instead of
 * exiting); returns its stdout lines joined by newlines. The one console-capturing CLI helper of the tests.
 */
export async function actfusion(...args: string[]): Promise<string> {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'actfusion', ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return out.join('\n');
}
