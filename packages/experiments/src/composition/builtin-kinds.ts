import { z } from 'zod';
import { registerTransformerDecoder } from '@actfusion/decoder-transformer';
import { registerJointsEncoder } from '@actfusion/encoder-joints';
import { registerLanguageEncoder } from '@actfusion/encoder-language';
import { registerVisionResNet } from '@actfusion/encoder-vision-resnet';
import { registerVisuoTactileEncoder } from '@actfusion/encoder-visuo-tactile';
import { instructionTableFor } from './instruction-table.js';
import { readPretrainedResNet } from './read-pretrained-resnet.js';
import { KindRegistry } from './kind-registry.js';

/** Options of `kind: vision-resnet` (the rest of `VisionResNetOptions`, in config words). */
const visionResNetOptions = z.strictObject({
  /** `resnet18` (ACT), `resnet34`, or `resnet-tiny` (ResNet18 layout at 1/8 width, for CPU). */
  backbone: z.enum(['resnet18', 'resnet34', 'resnet-tiny']).default('resnet18'),
  /** Channels of the first stage; overrides the backbone's width (torchvision 64). */
  width: z.number().int().positive().optional(),
  normalize: z.enum(['imagenet', 'none']).default('imagenet'),
  cameras: z.array(z.string().min(1)).min(1).optional(),
  /** MT-ACT FiLM from the language encoder's conditioning: true = stages 2-4, or { stages }. */
  film: z.union([z.boolean(), z.strictObject({ stages: z.array(z.number().int().min(1).max(4)).min(1) })]).default(false),
  /**
   * Backbone normalisation: `frozen-batch-norm` (ACT: right with pretrained weights, the identity
   * without), `group-norm` (trains; for a backbone learned from scratch) or `auto` (frozen batch
   * norm with `pretrained` weights, group norm without).
   */
  norm: z.enum(['frozen-batch-norm', 'group-norm', 'auto']).default('frozen-batch-norm'),
  /** Groups of `group-norm`. */
  groups: z.number().int().positive().max(1024).default(8),
  /**
   * torchvision ResNet weights, loaded into the backbone before training (frozen batch norm keeps
   * their statistics): safetensors (`actfusion convert-weights resnet18-f37072fd.pth r18.safetensors`)
   * or the `.pth` itself. Relative to the config file that sets it; written absolute into the
   * resolved config. Not read when a checkpoint's weights replace the backbone's (eval, run, resume).
   */
  pretrained: z.string().min(1).optional(),
}).refine((o) => o.pretrained === undefined || o.norm !== 'group-norm', {
  path: ['norm'],
  message: "pretrained weights carry batch-norm statistics: expected norm 'frozen-batch-norm' (or 'auto')",
});

/** Options of `kind: language` (MT-ACT). */
const languageOptions = z.strictObject({
  /** true: the instruction also conditions the other encoders (FiLM); false: a token only. */
  film: z.boolean().default(true),
  /** Width of the precomputed sentence embedding (all-MiniLM-L6-v2: 384). */
  embeddingDim: z.number().int().positive().optional(),
  /**
   * Instruction -> sentence embedding table (.json or .safetensors), registered as INSTRUCTION_EMBEDDINGS.
   * Without it, a learned per-instruction table over the training dataset's tasks (saved with the checkpoint).
   */
  embeddings: z.string().min(1).optional(),
});

/** Options of `kind: visuo-tactile` (FreeTacMan / TactileACT). */
const visuoTactileOptions = z.strictObject({
  /** Tactile sensors read as images, in token order (default: every tactile sensor not in `taxels`). */
  sensors: z.array(z.string().min(1)).min(1).optional(),
  /** Tactile sensors read as raw taxel grids, one MLP token each. */
  taxels: z.array(z.string().min(1)).min(1).optional(),
  backbone: z.enum(['resnet18', 'resnet34', 'resnet-tiny']).default('resnet18'),
  width: z.number().int().positive().optional(),
  /** One ResNet for all tactile images instead of one per sensor. */
  sharedBackbone: z.boolean().default(false),
  normalize: z.enum(['imagenet', 'none']).default('imagenet'),
  taxelChannels: z.number().int().positive().optional(),
  taxelHidden: z.number().int().positive().optional(),
});

/**
 * The capabilities this build of actfusion ships: every `kind` a config may name, mapped to
 * its package's `register…(container, options)` function.
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
      pathOptions: ['pretrained'],
      register: async (c, options, ctx) => {
        const o = visionResNetOptions.parse(options);
        const width = o.width ?? (o.backbone === 'resnet-tiny' ? 8 : 64);
        // Pretrained weights start a training run; a checkpoint being loaded replaces them anyway.
        const replaced = ctx.weightsReplaced === true || ctx.checkpoint !== undefined;
        const pretrained = o.pretrained !== undefined && !replaced ? await readPretrainedResNet(o.pretrained) : undefined;
        try {
          registerVisionResNet(c, {
            depth: o.backbone === 'resnet34' ? 34 : 18,
            width,
            normalize: o.normalize,
            ...(o.cameras === undefined ? {} : { cameras: o.cameras }),
            film: o.film,
            norm: o.norm === 'auto' ? (o.pretrained === undefined ? 'group-norm' : 'frozen-batch-norm') : o.norm,
            groups: o.groups,
            ...(pretrained ? { pretrained, pretrainedSource: o.pretrained } : {}),
          });
        } catch (err) {
          pretrained?.forEach((t) => t.dispose());
          throw err;
        }
      },
    })
    .add({
      section: 'encoder',
      kind: 'language',
      description: 'MT-ACT instruction: sentence-embedding token + FiLM conditioning (@actfusion/encoder-language)',
      optionsSchema: languageOptions,
      register: async (c, options, ctx) => {
        const o = languageOptions.parse(options);
        const table = await instructionTableFor(o.embeddings, ctx).catch((err: unknown) => {
          if (o.embeddings === undefined) throw err; // already names encoders.<i>
          throw new Error(`encoders.${ctx.index}.embeddings: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        });
        if (o.embeddingDim !== undefined && o.embeddingDim !== table.dim) {
          throw new Error(
            `encoders.${ctx.index}.embeddingDim is ${o.embeddingDim}, but ${table.source} holds ${table.dim}-d embeddings; expected them to agree (set embeddingDim: ${table.dim} or omit it)`,
          );
        }
        registerLanguageEncoder(c, {
          film: o.film,
          ...(o.embeddingDim === undefined ? {} : { embeddingDim: o.embeddingDim }),
          embeddings: table,
        });
      },
    })
    .add({
      section: 'encoder',
      kind: 'visuo-tactile',
      description: 'tactile images through their own ResNet, taxel grids through an MLP (@actfusion/encoder-visuo-tactile)',
      optionsSchema: visuoTactileOptions,
      register: (c, options) => {
        const o = visuoTactileOptions.parse(options);
        registerVisuoTactileEncoder(c, {
          depth: o.backbone === 'resnet34' ? 34 : 18,
          width: o.width ?? (o.backbone === 'resnet-tiny' ? 8 : 64),
          sharedBackbone: o.sharedBackbone,
          normalize: o.normalize,
          ...(o.sensors === undefined ? {} : { sensors: o.sensors }),
          ...(o.taxels === undefined ? {} : { taxels: o.taxels }),
          ...(o.taxelChannels === undefined ? {} : { taxelChannels: o.taxelChannels }),
          ...(o.taxelHidden === undefined ? {} : { taxelHidden: o.taxelHidden }),
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
