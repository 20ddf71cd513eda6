import { describe, expect, it } from 'vitest';
import { CVAE_CORE_VERSION } from '../src/index.js';

describe('version', () => {
  it('is semver', () => expect(CVAE_CORE_VERSION).toMatch(/^\d+\.\d+\.\d+$/));
});
