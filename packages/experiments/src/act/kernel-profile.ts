import type * as tf from '@tensorflow/tfjs-core';

/** What `tf.profile` resolves to (tfjs-core does not export its ProfileInfo type). */
export type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;

export interface KernelTotal {
  readonly kernel: string;
  readonly calls: number;
  readonly ms: number;
  /** Share of the summed kernel time, in percent. */
  readonly pct: number;
}

/**
 * Kernel times of a `tf.profile` run summed per kernel name, largest first. On the wasm and cpu
 * backends each kernel is timed synchronously around its call, so the sum is the compute time of
 * the profiled work (JavaScript between kernels, e.g. drawing dropout masks, is not in it).
 */
export function kernelTotals(info: ProfileInfo): KernelTotal[] {
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byName.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += t;
    byName.set(k.name, e);
  }
  const total = [...byName.values()].reduce((s, e) => s + e.ms, 0) || 1;
  return [...byName.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: Math.round(e.ms * 10) / 10, pct: Math.round((e.ms / total) * 1000) / 10 }))
    .sort((a, b) => b.ms - a.ms);
}

/** The same profile summed per kernel and input shapes, to find the single expensive calls. */
export function kernelShapeTotals(info: ProfileInfo, top: number): { kernel: string; shapes: string; calls: number; ms: number }[] {
  const by = new Map<string, { kernel: string; shapes: string; calls: number; ms: number }>();
  for (const k of info.kernels) {
    const shapes = JSON.stringify(k.inputShapes);
    const key = `${k.name} ${shapes}`;
    const e = by.get(key) ?? { kernel: k.name, shapes, calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    by.set(key, e);
  }
  return [...by.values()]
    .map((e) => ({ ...e, ms: Math.round(e.ms * 10) / 10 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
}
