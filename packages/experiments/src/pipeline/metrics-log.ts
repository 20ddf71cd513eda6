import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Appends one JSON object per line (metrics.jsonl), the machine-readable training log. */
export class MetricsLog {
  private ready: Promise<unknown>;
  constructor(readonly path: string) {
    this.ready = mkdir(dirname(path), { recursive: true });
  }

  async write(record: Record<string, unknown>): Promise<void> {
    await this.ready;
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
  }
}
