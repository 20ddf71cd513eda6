import { resolve } from 'node:path';
import { defineConfig, type TestUserConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Shared vitest settings for every package. Tests import sibling packages through
 * the `@actfusion/source` export condition, so no build is needed before testing.
 * Each run also writes a JSON report under `.reports/` that `.ci/run` sums into
 * its closing `N passed, N failed` line.
 */
export function packageTestConfig(packageName: string, extra: TestUserConfig = {}): ViteUserConfig {
  const report = resolve(import.meta.dirname, '.reports', `${packageName.replace(/[@/]/g, '_')}.json`);
  return defineConfig({
    resolve: { conditions: ['@actfusion/source'] },
    ssr: { resolve: { conditions: ['@actfusion/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      setupFiles: ['reflect-metadata'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      passWithNoTests: true,
      reporters: ['default', 'json'],
      outputFile: { json: report },
      ...extra,
    },
  });
}
