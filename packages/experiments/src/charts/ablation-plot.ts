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
 * A published trend drawn beside the measured one (e.g. the ACT paper's Fig. 8a), as hollow
 * diamonds with a dashed line; x values the measurement lacks are added to the axis in order.
 */
export interface ReferenceSeries {
  label: string;
  /** x: a value of the first grid key; success in [0, 1]. */
  points: readonly { x: unknown; success: number }[];
}

export interface AblationPlotOptions {
  title?: string;
  intervalName?: string;
  /** Legend name of the measured series (default: the other grid keys, or none). */
  seriesLabel?: string;
  reference?: ReferenceSeries;
}

/**
 * Ablation plot: success (%) against the first grid key, one coloured series per combination
 * of the other keys. A numeric key gets a line on a point scale (1, 10, 50, 100 evenly spaced,
 * as in ACT Fig. 8); other keys get points. Whiskers show the interval across seeds.
 */
export function ablationPlotSpec(points: readonly AblationPoint[], options: AblationPlotOptions = {}): TopLevelSpec {
  const keys = Object.keys(points[0]?.params ?? {});
  const xKey = keys[0] ?? 'cell';
  const rest = keys.slice(1);
  const values = points.map((p) => ({
    x: String(p.params[xKey]),
    series: rest.length === 0 ? (options.seriesLabel ?? 'all') : rest.map((k) => `${k}=${String(p.params[k])}`).join(', '),
    mean: 100 * p.mean,
    lower: Number.isFinite(p.lower) ? 100 * p.lower : 100 * p.mean,
    upper: Number.isFinite(p.upper) ? 100 * p.upper : 100 * p.mean,
  }));
  const numeric = points.every((p) => typeof p.params[xKey] === 'number');
  const ref = (options.reference?.points ?? []).map((p) => ({ x: String(p.x), series: options.reference!.label, ref: 100 * p.success }));
  const xs = [...new Set([...values.map((v) => v.x), ...ref.map((r) => r.x)])];
  const order = numeric && xs.every((x) => Number.isFinite(Number(x))) ? xs.sort((a, b) => Number(a) - Number(b)) : xs;
  const yTitle = `success rate (%), ${options.intervalName ?? 'mean ± 95% t-CI over seeds'}`;
  const color =
    rest.length === 0 && ref.length === 0 && options.seriesLabel === undefined ? { value: '#4c78a8' } : { field: 'series', type: 'nominal', title: rest.length > 0 ? rest.join(', ') : null, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 600 } };
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
      ...(ref.length === 0
        ? []
        : [
            {
              data: { values: ref },
              mark: { type: 'line', strokeDash: [6, 4], point: { shape: 'diamond', filled: false, size: 80 } },
              encoding: { y: { field: 'ref', type: 'quantitative', title: yTitle } },
            },
          ]),
    ],
  } as TopLevelSpec;
}
