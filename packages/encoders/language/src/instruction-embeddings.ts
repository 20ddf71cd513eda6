import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@actfusion/atomic-file';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, writeSafetensors } from '@actfusion/cvae-core/io';

/** How many known instructions an error message lists. */
const LIST_IN_ERRORS = 12;

/** `model` of a learned per-instruction table (one-hot codes; `proj_text_emb` learns the vectors). */
export const LEARNED_INSTRUCTION_TABLE = 'actfusion/one-hot (learned per-instruction table)';

/**
 * A table instruction string -> precomputed sentence embedding (MT-ACT: 384-d all-MiniLM-L6-v2
 * vectors, L2-normalised; no language model runs here). Keys match exactly after trimming.
 *
 * Files (see the README for how to make them):
 * - JSON: `{ "model"?: string, "dim": 384, "embeddings": { "<instruction>": [384 numbers], ... } }`;
 * - safetensors: tensor `embeddings` [N, dim] (F32/F16/...) and `__metadata__.instructions`, a
 *   JSON array of the N instruction strings in row order (`__metadata__.model` optional).
 */
export class InstructionEmbeddings {
  private readonly table = new Map<string, Float32Array>();

  private constructor(
    readonly dim: number,
    readonly source: string,
    readonly model: string | undefined,
  ) {}

  /** Build from instruction -> vector; every vector must have `dim` finite values. */
  static fromRecord(
    embeddings: Readonly<Record<string, ArrayLike<number>>>,
    options: { source?: string; model?: string; dim?: number } = {},
  ): InstructionEmbeddings {
    const source = options.source ?? 'instruction embeddings';
    const entries = Object.entries(embeddings);
    if (entries.length === 0) throw new Error(`${source}: field 'embeddings' is empty, expected at least one instruction`);
    const dim = options.dim ?? entries[0]![1].length;
    if (!(Number.isInteger(dim) && dim > 0)) throw new Error(`${source}: field 'dim' is ${String(dim)}, expected a positive integer`);
    const t = new InstructionEmbeddings(dim, source, options.model);
    for (const [instruction, v] of entries) t.add(instruction, v);
    return t;
  }

  /**
   * A learned per-instruction table for when no sentence embeddings are given: instruction i gets
   * the one-hot code e_i (dim = number of instructions), so the language encoder's
   * `proj_text_emb` (Linear(N -> dimModel)) holds one trained vector per instruction (weight
   * column i plus the bias) - an embedding table learned with the policy. The instruction list
   * (the dataset's tasks, sorted and de-duplicated) is saved with the checkpoint; an instruction
   * outside it is an error at eval.
   */
  static learned(instructions: readonly string[], source = 'learned instruction table'): InstructionEmbeddings {
    const names = [...new Set(instructions.map((s) => s.trim()))].sort();
    if (names.length === 0) throw new Error(`${source}: no instructions to learn a table for (the dataset's episodes carry no task)`);
    const record: Record<string, Float32Array> = {};
    names.forEach((n, i) => {
      const v = new Float32Array(names.length);
      v[i] = 1;
      record[n] = v;
    });
    return InstructionEmbeddings.fromRecord(record, { source, model: LEARNED_INSTRUCTION_TABLE });
  }

  /** True for a table made by `learned` (one-hot codes), false for precomputed sentence embeddings. */
  get learnedTable(): boolean {
    return this.model === LEARNED_INSTRUCTION_TABLE;
  }

  /** Load a `.json` or `.safetensors` file (chosen by extension). */
  static async load(path: string): Promise<InstructionEmbeddings> {
    if (path.endsWith('.safetensors')) return InstructionEmbeddings.loadSafetensors(path);
    if (path.endsWith('.json')) return InstructionEmbeddings.loadJson(path);
    throw new Error(`${path}: instruction embeddings must be a .json or .safetensors file`);
  }

  static async loadJson(path: string): Promise<InstructionEmbeddings> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new Error(`${path}: not readable as JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${path}: expected a JSON object { dim, embeddings: { instruction: number[] } }`);
    }
    const o = parsed as Record<string, unknown>;
    const emb = o.embeddings;
    if (typeof emb !== 'object' || emb === null || Array.isArray(emb)) {
      throw new Error(`${path}: field 'embeddings' must be an object mapping instruction -> number[], got ${Array.isArray(emb) ? 'an array' : typeof emb}`);
    }
    if (o.dim !== undefined && typeof o.dim !== 'number') throw new Error(`${path}: field 'dim' must be a number, got ${typeof o.dim}`);
    if (o.model !== undefined && typeof o.model !== 'string') throw new Error(`${path}: field 'model' must be a string, got ${typeof o.model}`);
    const record: Record<string, ArrayLike<number>> = {};
    for (const [k, v] of Object.entries(emb as Record<string, unknown>)) {
      if (!Array.isArray(v)) throw new Error(`${path}: field 'embeddings["${k}"]' must be an array of numbers, got ${typeof v}`);
      record[k] = v as number[];
    }
    return InstructionEmbeddings.fromRecord(record, {
      source: path,
      ...(typeof o.dim === 'number' ? { dim: o.dim } : {}),
      ...(typeof o.model === 'string' ? { model: o.model } : {}),
    });
  }

  static async loadSafetensors(path: string): Promise<InstructionEmbeddings> {
    const { tensors, metadata } = await readSafetensors(path);
    try {
      const m = tensors.get('embeddings');
      if (!m) throw new Error(`${path}: no tensor named 'embeddings' (has ${[...tensors.keys()].join(', ') || 'none'})`);
      if (m.rank !== 2) throw new Error(`${path}: tensor 'embeddings' has shape [${m.shape}], expected [N, dim]`);
      const raw = metadata.instructions;
      if (raw === undefined) throw new Error(`${path}: __metadata__ has no 'instructions' (a JSON array of the row instructions)`);
      let names: unknown;
      try {
        names = JSON.parse(raw);
      } catch (e) {
        throw new Error(`${path}: __metadata__.instructions is not valid JSON: ${(e as Error).message}`);
      }
      if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
        throw new Error(`${path}: __metadata__.instructions must be a JSON array of strings`);
      }
      const [n, dim] = m.shape as [number, number];
      if (names.length !== n) throw new Error(`${path}: __metadata__.instructions has ${names.length} strings, tensor 'embeddings' has ${n} rows`);
      const data = m.dataSync() as Float32Array;
      const record: Record<string, Float32Array> = {};
      (names as string[]).forEach((name, i) => (record[name] = data.slice(i * dim, (i + 1) * dim)));
      return InstructionEmbeddings.fromRecord(record, { source: path, dim, ...(metadata.model ? { model: metadata.model } : {}) });
    } finally {
      tf.dispose([...tensors.values()]);
    }
  }

  get size(): number {
    return this.table.size;
  }

  instructions(): string[] {
    return [...this.table.keys()];
  }

  has(instruction: string): boolean {
    return this.table.has(instruction.trim());
  }

  /** The vector of one instruction; an unknown instruction is an error that names it. */
  vector(instruction: string): Float32Array {
    const v = this.table.get(instruction.trim());
    if (!v) {
      const known = this.instructions();
      const listed = known.slice(0, LIST_IN_ERRORS).map((k) => JSON.stringify(k)).join(', ');
      throw new Error(
        `${this.source}: unknown instruction ${JSON.stringify(instruction)}; known (${known.length}): ${listed}${known.length > LIST_IN_ERRORS ? ', ...' : ''}`,
      );
    }
    return v;
  }

  /** Stack the vectors of a batch of instructions into [B, dim]. */
  embed(instructions: readonly (string | undefined)[]): tf.Tensor2D {
    const out = new Float32Array(instructions.length * this.dim);
    instructions.forEach((s, i) => {
      if (s === undefined) throw new Error(`${this.source}: sample ${i} has no instruction (observation feature 'task')`);
      out.set(this.vector(s), i * this.dim);
    });
    return tf.tensor2d(out, [instructions.length, this.dim]);
  }

  /** Write the table (JSON or safetensors by extension), atomically. */
  async save(path: string): Promise<void> {
    const names = this.instructions();
    if (path.endsWith('.safetensors')) {
      const data = new Float32Array(names.length * this.dim);
      names.forEach((n, i) => data.set(this.table.get(n)!, i * this.dim));
      const m = tf.tensor2d(data, [names.length, this.dim]);
      try {
        await writeSafetensors(path, { embeddings: m }, { metadata: { instructions: JSON.stringify(names), ...(this.model ? { model: this.model } : {}) } });
      } finally {
        m.dispose();
      }
      return;
    }
    if (!path.endsWith('.json')) throw new Error(`${path}: instruction embeddings must be saved as .json or .safetensors`);
    const json = JSON.stringify({
      ...(this.model ? { model: this.model } : {}),
      dim: this.dim,
      embeddings: Object.fromEntries(names.map((n) => [n, [...this.table.get(n)!]])),
    });
    await writeFileAtomic(path, json);
  }

  private add(instruction: string, v: ArrayLike<number>): void {
    const key = instruction.trim();
    if (key.length === 0) throw new Error(`${this.source}: an instruction is empty`);
    if (this.table.has(key)) throw new Error(`${this.source}: instruction ${JSON.stringify(key)} appears twice`);
    if (v.length !== this.dim) {
      throw new Error(`${this.source}: embeddings[${JSON.stringify(instruction)}] has ${v.length} values, expected dim ${this.dim}`);
    }
    const f = Float32Array.from(v as ArrayLike<number>);
    const bad = Array.prototype.findIndex.call(v, (x: unknown) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) throw new Error(`${this.source}: embeddings[${JSON.stringify(instruction)}][${bad}] is ${String(v[bad])}, expected a finite number`);
    this.table.set(key, f);
  }
}
