import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Distinct line colours (Tableau 10, then repeated lighter). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

export interface LineSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly colour?: string;
  readonly width?: number;
  readonly dash?: number[];
  /** Hide from the legend (many overlay series). */
  readonly quiet?: boolean;
  readonly stepped?: boolean;
}

export interface TimePlotOptions {
  readonly title: string;
  readonly x: readonly number[];
  readonly xLabel: string;
  readonly yLabel?: string;
  readonly series: readonly LineSeries[];
  readonly width?: number;
  readonly height?: number;
  readonly logY?: boolean;
  /** Fixed y range (default: fitted to the data). */
  readonly yRange?: readonly [number, number];
  readonly legend?: boolean;
}

/**
 * A uPlot line chart with an optional vertical marker at `marker` (the scrubber's time),
 * redrawn with `setMarker` without rebuilding the chart.
 */
export class TimePlot {
  readonly plot: uPlot;
  private marker: number | null = null;

  constructor(parent: HTMLElement, o: TimePlotOptions) {
    const self = this;
    const opts: uPlot.Options = {
      title: o.title,
      width: o.width ?? 600,
      height: o.height ?? 220,
      legend: { show: o.legend ?? true, live: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: { ...(o.logY ? { distr: 3 } : {}), ...(o.yRange ? { range: [o.yRange[0], o.yRange[1]] as uPlot.Range.MinMax } : {}) } },
      axes: [{ label: o.xLabel }, { label: o.yLabel ?? '' }],
      series: [
        {},
        ...o.series.map((s) => ({
          label: s.label,
          stroke: s.colour ?? colour(0),
          width: s.width ?? 1.25,
          spanGaps: false,
          points: { show: false },
          ...(s.dash ? { dash: s.dash } : {}),
          ...(s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            if (self.marker === null) return;
            const x = Math.round(u.valToPos(self.marker, 'x', true));
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#d62728';
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
    };
    const data = [o.x as number[], ...o.series.map((s) => s.values as (number | null)[])] as uPlot.AlignedData;
    this.plot = new uPlot(opts, data, parent);
    o.series.forEach((s, i) => {
      if (s.quiet) {
        const row = this.plot.root.querySelectorAll('.u-legend tr.u-series')[i + 1] as HTMLElement | undefined;
        if (row) row.style.display = 'none';
      }
    });
  }

  setMarker(x: number | null): void {
    this.marker = x;
    this.plot.redraw(false, false);
  }

  /** The chart's canvas (tests compare its pixels). */
  get canvas(): HTMLCanvasElement {
    return this.plot.ctx.canvas;
  }

  destroy(): void {
    this.plot.destroy();
  }
}

/** 0..n-1 */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
