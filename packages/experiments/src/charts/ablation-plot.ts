import type { TopLevelSpec } from 'vega-lite';

/** One ablation cell: the values of the grid keys and the mean success with its interval. */
export interface AblationPoint {
  /** Grid key -> value, e.g. `{ 'policy.chunkSize': 10 }`. */
  params: Record<string, unknown>;
  mean: number;
  lower: number;
  upper: number;
}

/**
 * Ablation plot: success (%) against the first grid key, one coloured series per combination
 * of the other keys. A numeric key gets a line on a point scale (1, 10, 50, 100 evenly spaced,
 * as in ACT Fig. 8); other keys get points. Whiskers show the interval across seeds.
 */
export function ablationPlotSpec(points: readonly AblationPoint[], options: { title?: string; intervalName?: string } = {}): TopLevelSpec {
  const keys = Object.keys(points[0]?.params ?? {});
  const xKey = keys[0] ?? 'cell';
  const rest = keys.slice(1);
  const values = points.map((p) => ({
    x: String(p.params[xKey]),
    series: rest.length === 0 ? 'all' : rest.map((k) => `${k}=${String(p.params[k])}`).join(', '),
    mean: 100 * p.mean,
    lower: Number.isFinite(p.lower) ? 100 * p.lower : 100 * p.mean,
    upper: Number.isFinite(p.upper) ? 100 * p.upper : 100 * p.mean,
  }));
  const order = [...new Set(values.map((v) => v.x))];
  const numeric = points.every((p) => typeof p.params[xKey] === 'number');
  const yTitle = `success rate (%), ${options.intervalName ?? 'mean ± 95% t-CI over seeds'}`;
  const color = rest.length === 0 ? { value: '#4c78a8' } : { field: 'series', type: 'nominal', title: rest.join(', ') };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? `Ablation: ${xKey}`,
    width: Math.max(260, 80 * order.length),
    height: 260,
    data: { values },
    encoding: {
      x: { field: 'x', type: 'ordinal', sort: order, title: xKey, axis: { labelAngle: 0 } },
      color,
    },
    layer: [
      ...(numeric ? [{ mark: { type: 'line', strokeWidth: 2 }, encoding: { y: { field: 'mean', type: 'quantitative', title: yTitle } } }] : []),
      { mark: { type: 'point', filled: true, size: 60, opacity: 1 }, encoding: { y: { field: 'mean', type: 'quantitative', title: yTitle, scale: { domain: [0, 100] } } } },
      { mark: { type: 'errorbar', ticks: { size: 12 } }, encoding: { y: { field: 'lower', type: 'quantitative', title: yTitle }, y2: { field: 'upper' } } },
    ],
  } as TopLevelSpec;
}
