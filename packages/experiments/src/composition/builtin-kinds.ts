import { z } from 'zod';
import { registerTransformerDecoder } from '@actfusion/decoder-transformer';
import { registerJointsEncoder } from '@actfusion/encoder-joints';
import { registerVisionResNet } from '@actfusion/encoder-vision-resnet';
import { KindRegistry } from './kind-registry.js';

/** Options of `kind: vision-resnet` (the rest of `VisionResNetOptions`, in config words). */
const visionResNetOptions = z.strictObject({
  /** `resnet18` (ACT), `resnet34`, or `resnet-tiny` (ResNet18 layout at 1/8 width, for CPU). */
  backbone: z.enum(['resnet18', 'resnet34', 'resnet-tiny']).default('resnet18'),
  /** Channels of the first stage; overrides the backbone's width (torchvision 64). */
  width: z.number().int().positive().optional(),
  normalize: z.enum(['imagenet', 'none']).default('imagenet'),
  cameras: z.array(z.string().min(1)).min(1).optional(),
});

/**
 * The capabilities this build of actfusion ships: every `kind` a config may name, mapped to
 * its package's `register…(container, options)` function. Language and visuo-tactile encoders
 * join when their packages export a register function.
 */
export function builtinKinds(): KindRegistry {
  return new KindRegistry()
    .add({
      section: 'encoder',
      kind: 'joints',
      description: 'joint state (qpos) as one token (@actfusion/encoder-joints)',
      optionsSchema: z.strictObject({}),
      register: (c) => registerJointsEncoder(c),
    })
    .add({
      section: 'encoder',
      kind: 'vision-resnet',
      description: 'ResNet feature-map tokens per camera (@actfusion/encoder-vision-resnet)',
      optionsSchema: visionResNetOptions,
      register: (c, options) => {
        const o = visionResNetOptions.parse(options);
        const width = o.width ?? (o.backbone === 'resnet-tiny' ? 8 : 64);
        registerVisionResNet(c, {
          depth: o.backbone === 'resnet34' ? 34 : 18,
          width,
          normalize: o.normalize,
          ...(o.cameras === undefined ? {} : { cameras: o.cameras }),
        });
      },
    })
    .add({
      section: 'decoder',
      kind: 'transformer',
      description: 'DETR-style transformer decoder, chunk queries over the fused memory (@actfusion/decoder-transformer)',
      optionsSchema: z.strictObject({}),
      register: (c) => registerTransformerDecoder(c),
    });
}
