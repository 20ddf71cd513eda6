import type { SafetyStats } from '@actfusion/robot-io';

/** Per joint: actions that clamped it to a limit and the largest excess (`SafetyStats.limitClampedByJoint`). */
export type LimitClamps = SafetyStats['limitClampedByJoint'];

/** Adds one run's per-joint clamps to a running total (e.g. over evaluation episodes). */
export function addLimitClamps(total: LimitClamps, run: LimitClamps): LimitClamps {
  for (const [joint, c] of Object.entries(run)) {
    const t = (total[joint] ??= { count: 0, maxExcess: 0 });
    t.count += c.count;
    t.maxExcess = Math.max(t.maxExcess, c.maxExcess);
  }
  return total;
}

/** `gripper 4666 (at most 0.16 past the limit), forearm_roll 3284 (...)`, most clamped first; `none` when empty. */
export function describeLimitClamps(clamps: LimitClamps): string {
  const rows = Object.entries(clamps).sort((a, b) => b[1].count - a[1].count);
  if (rows.length === 0) return 'none';
  return rows.map(([joint, c]) => `${joint} ${c.count} (at most ${Number(c.maxExcess.toPrecision(3))} past the limit)`).join(', ');
}
