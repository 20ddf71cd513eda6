import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { TOKENS } from '@actfusion/contracts';
import { registerRuntime, type TensorRuntime } from '../src/index.js';

describe('registerRuntime', () => {
  it('registers the created runtime under TOKENS.Runtime in the given container only', async () => {
    const child = container.createChildContainer();
    const runtime = await registerRuntime(child, { backend: 'cpu', seed: 9 });
    try {
      expect(child.resolve<TensorRuntime>(TOKENS.Runtime)).toBe(runtime);
      expect(child.resolve<TensorRuntime>(TOKENS.Runtime).seed).toBe(9);
      expect(container.isRegistered(TOKENS.Runtime)).toBe(false);
    } finally {
      runtime.dispose();
    }
  });
});
