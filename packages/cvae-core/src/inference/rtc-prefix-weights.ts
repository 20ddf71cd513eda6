/**
 * Real-time chunking's soft mask over a new chunk (Black et al. 2025, `get_prefix_weights` of
 * `real-time-chunking-kinetix`): how much each step of the new chunk should follow the previous
 * chunk's plan for the same time.
 *
 * - `exp`: w = c (e^c - 1) / (e - 1); `linear`: w = c, with c = clip((start - 1 - i) / (end - start + 1) + 1, 0, 1);
 * - `ones`: w = 1 (keep the old plan wherever it exists); `zeros`: w = 1 for i < start, else 0 (hard mask).
 * - w = 1 for i < start (frozen: those actions are already committed), w = 0 for i >= end
 *   (the old plan does not reach there). If end < start, start is pulled down to end.
 *
 * With start = 2, end = 6, total = 10, `linear` gives 1 1 4/5 3/5 2/5 1/5 0 0 0 0.
 */
export type PrefixSchedule = 'exp' | 'linear' | 'ones' | 'zeros';

export function prefixWeights(start: number, end: number, total: number, schedule: PrefixSchedule): Float64Array {
  const s = Math.min(start, end);
  const w = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    let v: number;
    switch (schedule) {
      case 'ones':
        v = 1;
        break;
      case 'zeros':
        v = i < s ? 1 : 0;
        break;
      case 'linear':
      case 'exp': {
        const c = Math.min(1, Math.max(0, (s - 1 - i) / (end - s + 1) + 1));
        v = schedule === 'exp' ? (c * Math.expm1(c)) / (Math.E - 1) : c;
        break;
      }
      default:
        throw new Error(`prefixWeights: schedule must be exp, linear, ones or zeros, got ${String(schedule)}`);
    }
    w[i] = i >= end ? 0 : v;
  }
  return w;
}
