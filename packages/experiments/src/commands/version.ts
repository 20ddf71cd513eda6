import type { Command } from 'commander';
import { CVAE_CORE_VERSION } from '@actfusion/cvae-core';

export function registerVersionCommand(program: Command): void {
  program.version(CVAE_CORE_VERSION, '-V, --version', 'print the actfusion version');
}
