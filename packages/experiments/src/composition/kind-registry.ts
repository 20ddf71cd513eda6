import type { DependencyContainer } from 'tsyringe';
import type { z } from 'zod';
import type { ExperimentConfig } from '../config/experiment-schema.js';

/** The config sections whose entries are chosen by `kind`. */
export type KindSection = 'encoder' | 'decoder' | 'robot';

/** What a register function gets besides its own options. */
export interface KindContext {
  readonly config: ExperimentConfig;
  /** Position of this entry in its section (encoders keep config order). */
  readonly index: number;
  /** The training dataset's task strings (instructions), when the container is built for training. */
  readonly tasks?: readonly string[];
  /** The checkpoint folder the policy is loaded from (eval, predict), for kinds that saved files there. */
  readonly checkpoint?: string;
  /**
   * The policy's weights will be replaced once it is built (a checkpoint loaded, a resumed run,
   * a training worker that receives the trainer's weights): initial weights such as a
   * `pretrained` file are not read, so the file need not exist any more.
   */
  readonly weightsReplaced?: boolean;
}

/**
 * One capability the config can name: `kind` -> the package's `register…(container, options)`.
 * `optionsSchema` validates the entry's options (everything but `kind`) before any work starts.
 */
export interface KindEntry {
  readonly section: KindSection;
  readonly kind: string;
  readonly description: string;
  readonly optionsSchema?: z.ZodType;
  /** Options naming a file: resolved against the folder of the config file that set them (see resolveOptionPaths). */
  readonly pathOptions?: readonly string[];
  register(container: DependencyContainer, options: Record<string, unknown>, ctx: KindContext): void | Promise<void>;
}

/** kind -> register function, per section. */
export class KindRegistry {
  private readonly entries = new Map<string, KindEntry>();

  add(entry: KindEntry): this {
    const key = `${entry.section}:${entry.kind}`;
    if (this.entries.has(key)) throw new Error(`${entry.section} kind "${entry.kind}" is registered twice`);
    this.entries.set(key, entry);
    return this;
  }

  get(section: KindSection, kind: string): KindEntry | undefined {
    return this.entries.get(`${section}:${kind}`);
  }

  /** Known kinds of a section, sorted. */
  kinds(section: KindSection): string[] {
    return [...this.entries.values()]
      .filter((e) => e.section === section)
      .map((e) => e.kind)
      .sort();
  }

  require(section: KindSection, kind: string): KindEntry {
    const entry = this.get(section, kind);
    if (entry === undefined) {
      const known = this.kinds(section);
      throw new Error(`unknown ${section} kind "${kind}"; known kinds: ${known.length > 0 ? known.join(', ') : '(none)'}`);
    }
    return entry;
  }
}
