import { z } from 'zod';
import { KindRegistry } from '../../src/composition/kind-registry.js';

/** A registry with the built-in kind names and no-op register functions, for config tests. */
export function testRegistry(calls: string[] = []): KindRegistry {
  const r = new KindRegistry();
  for (const kind of ['joints', 'vision-resnet', 'language', 'visuo-tactile']) {
    r.add({
      section: 'encoder',
      kind,
      description: kind,
      optionsSchema: z.looseObject({ backbone: z.string().optional() }),
      register: (_c, options) => void calls.push(`encoder:${kind}:${JSON.stringify(options)}`),
    });
  }
  r.add({ section: 'decoder', kind: 'transformer', description: 'transformer', register: () => void calls.push('decoder:transformer') });
  return r;
}
