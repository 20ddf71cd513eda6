import type { TopLevelSpec } from 'vega-lite';

/** One logged training point: step and any number of scalar metrics (loss, l1, kl, lr...). */
export interface MetricPoint {
  step: number;
  [metric: string]: number;
}

/**
 * Training curves: one line per metric against the step, log-scaled y (ACT's loss falls by
 * orders of magnitude; the KL term dominates early). Non-positive values are dropped.
 */
export function trainingCurvesSpec(points: readonly MetricPoint[], options: { title?: string; metrics?: readonly string[] } = {}): TopLevelSpec {
  const metrics = options.metrics ?? [...new Set(points.flatMap((p) => Object.keys(p).filter((k) => k !== 'step')))];
  const values = points.flatMap((p) =>
    metrics.filter((m) => typeof p[m] === 'number' && Number.isFinite(p[m]) && (p[m] as number) > 0).map((m) => ({ step: p.step, metric: m, value: p[m] })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Training curves',
    width: 480,
    height: 280,
    data: { values },
    mark: { type: 'line', point: values.length < 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'value (log scale)' },
      color: { field: 'metric', type: 'nominal', title: 'metric' },
    },
  };
}
