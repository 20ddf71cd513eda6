import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from '@actfusion/atomic-file';

/**
 * Appends one JSON object per line (metrics.jsonl), the machine-readable training log. Each line
 * is written synchronously as it is logged, so a killed run keeps every line logged before the
 * kill (training steps block the event loop, so queued asynchronous writes would wait for the end).
 */
export class MetricsLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(record: Record<string, unknown>): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  /**
   * The records already in the file (a resumed run's earlier segments). A torn last line (the
   * process was killed mid-write) is skipped; records at or after `beforeStep` are dropped, since
   * the resumed run logs those steps again.
   */
  read(beforeStep = Infinity): Array<Record<string, unknown>> {
    if (!existsSync(this.path)) return [];
    const out: Array<Record<string, unknown>> = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (typeof record.step === 'number' && record.step < beforeStep) out.push(record);
      } catch {
        // a line cut short by a kill
      }
    }
    return out;
  }

  /**
   * On resume from a checkpoint at `step`: keep only the records up to it (atomically), so the
   * steps run again after the checkpoint are not logged twice. Returns the records kept.
   */
  truncateAfter(step: number): Array<Record<string, unknown>> {
    const kept = this.read(step + 1);
    if (!existsSync(this.path)) return kept;
    writeFileAtomicSync(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return kept;
  }
}
