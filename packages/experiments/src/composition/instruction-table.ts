import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InstructionEmbeddings } from '@actfusion/encoder-language';
import type { KindContext } from './kind-registry.js';

/** Where a checkpoint keeps the experiment's instruction table (beside model.safetensors). */
export const INSTRUCTION_TABLE_FILE = 'instruction_embeddings.json';

/** `<checkpoint>/pretrained_model/instruction_embeddings.json`. */
export function checkpointInstructionTable(checkpoint: string): string {
  return join(checkpoint, 'pretrained_model', INSTRUCTION_TABLE_FILE);
}

/**
 * The instruction -> embedding table of a `language` encoder entry: the `embeddings` file when the
 * config names one (MT-ACT's precomputed sentence embeddings); else the table saved with the
 * checkpoint being loaded; else a learned per-instruction table over the training dataset's tasks.
 */
export async function instructionTableFor(embeddings: string | undefined, ctx: KindContext): Promise<InstructionEmbeddings> {
  if (embeddings !== undefined) return InstructionEmbeddings.load(embeddings);
  if (ctx.checkpoint !== undefined) {
    const saved = checkpointInstructionTable(ctx.checkpoint);
    if (existsSync(saved)) return InstructionEmbeddings.load(saved);
    throw new Error(`encoders.${ctx.index} (language): checkpoint ${ctx.checkpoint} has no ${INSTRUCTION_TABLE_FILE} and the config names no embeddings file`);
  }
  if (ctx.tasks !== undefined && ctx.tasks.length > 0) return InstructionEmbeddings.learned(ctx.tasks, 'learned instruction table (dataset tasks)');
  throw new Error(
    `encoders.${ctx.index} (language): no instruction table; name a file of sentence embeddings (embeddings: tasks.json) or train on a dataset whose episodes carry their task`,
  );
}
