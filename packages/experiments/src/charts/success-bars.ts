import type { TopLevelSpec } from 'vega-lite';

/** One bar: a success rate in [0, 1] with its interval, optionally grouped (e.g. by reward stage). */
export interface SuccessBar {
  label: string;
  group?: string;
  rate: number;
  lower: number;
  upper: number;
}

/** Success-rate bars (percent) with interval whiskers; grouped bars when `group` is set. */
export function successBarsSpec(bars: readonly SuccessBar[], options: { title?: string; intervalName?: string } = {}): TopLevelSpec {
  const values = bars.map((b) => ({
    label: b.label,
    group: b.group ?? '',
    rate: 100 * b.rate,
    lower: 100 * b.lower,
    upper: 100 * b.upper,
  }));
  const yTitle = `success rate (%), ${options.intervalName ?? '95% CI'}`;
  const grouped = bars.some((b) => b.group !== undefined);
  const longLabels = bars.some((b) => b.label.length > 10);
  const axis = longLabels ? { labelAngle: -30, labelAlign: 'right' as const, labelLimit: 220 } : { labelAngle: 0 };
  const x = { field: 'label', type: 'nominal' as const, title: null, sort: null, axis };
  const xOffset = grouped ? { xOffset: { field: 'group', type: 'nominal' as const, sort: null } } : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Success rate',
    width: Math.max(240, 70 * bars.length),
    height: 260,
    data: { values },
    encoding: { x, ...xOffset },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'rate', type: 'quantitative', title: yTitle, scale: { domain: [0, 100] } },
          color: grouped ? { field: 'group', type: 'nominal', title: null, sort: null } : { value: '#4c78a8' },
        },
      },
      {
        mark: { type: 'errorbar', ticks: { size: 12 } },
        encoding: { y: { field: 'lower', type: 'quantitative', title: yTitle }, y2: { field: 'upper' }, color: { value: 'black' } },
      },
      {
        mark: { type: 'text', dy: -8, fontSize: 10 },
        encoding: { y: { field: 'upper', type: 'quantitative', title: yTitle }, text: { field: 'rate', type: 'quantitative', format: '.0f' } },
      },
    ],
  } as TopLevelSpec;
}
