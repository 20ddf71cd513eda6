import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ablationPlotSpec } from '../src/charts/ablation-plot.js';
import { renderSvg, writeChart } from '../src/charts/render-chart.js';
import { successBarsSpec } from '../src/charts/success-bars.js';
import { trainingCurvesSpec } from '../src/charts/training-curves.js';

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('charts (vega-lite -> SVG -> PNG)', () => {
  it('renders success bars with interval whiskers and text in DejaVu', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-chart-'));
    const paths = await writeChart(
      successBarsSpec(
        [
          { label: 'touched', rate: 0.9, lower: 0.6, upper: 0.98 },
          { label: 'lifted', rate: 0.7, lower: 0.4, upper: 0.89 },
          { label: 'transfer', rate: 0.5, lower: 0.24, upper: 0.76 },
        ],
        { title: 'transfer-cube', intervalName: 'Wilson 95%' },
      ),
      join(dir, 'success'),
    );
    const svg = await readFile(paths.svg, 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('transfer-cube');
    expect(svg).toContain('Wilson 95%');
    expect(svg).toMatch(/font-family="DejaVu Sans"/);
    const png = new Uint8Array(await readFile(paths.png));
    expect([...png.slice(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(pngSize(png).width).toBeGreaterThan(300);
  });

  it('renders training curves on a log scale, dropping non-positive values', async () => {
    const svg = await renderSvg(trainingCurvesSpec([{ step: 0, loss: 20, kl: 2 }, { step: 10, loss: 3, kl: 0 }, { step: 20, loss: 1, kl: 0.3 }]));
    expect(svg).toContain('value (log scale)');
    expect(svg).toContain('loss');
  });

  it('renders an ablation plot with one series per other grid key', async () => {
    const spec = ablationPlotSpec([
      { params: { 'policy.chunkSize': 1, 'cvae.useVae': true }, mean: 0.1, lower: 0.0, upper: 0.2 },
      { params: { 'policy.chunkSize': 10, 'cvae.useVae': true }, mean: 0.4, lower: 0.3, upper: 0.5 },
      { params: { 'policy.chunkSize': 1, 'cvae.useVae': false }, mean: 0.05, lower: Number.NaN, upper: Number.NaN },
      { params: { 'policy.chunkSize': 10, 'cvae.useVae': false }, mean: 0.3, lower: 0.2, upper: 0.4 },
    ]);
    const svg = await renderSvg(spec);
    expect(svg).toContain('policy.chunkSize');
    expect(svg).toContain('cvae.useVae=false');
  });

  it('draws a published trend beside an ablation, adding its x values to the axis in order', async () => {
    const spec = ablationPlotSpec(
      [10, 50].map((k, i) => ({ params: { 'policy.chunkSize': k }, mean: [0.1, 0.3][i]!, lower: 0, upper: 0.5 })),
      { seriesLabel: 'ours', reference: { label: 'paper Fig. 8a', points: [{ x: 1, success: 0.01 }, { x: 100, success: 0.44 }] } },
    ) as unknown as { encoding: { x: { sort: string[] } }; layer: { data?: { values: { ref: number }[] } }[] };
    expect(spec.encoding.x.sort).toEqual(['1', '10', '50', '100']);
    expect(spec.layer.at(-1)?.data?.values.map((v) => v.ref)).toEqual([1, 44]);
    const svg = await renderSvg(spec as never);
    expect(svg).toContain('paper Fig. 8a');
    expect(svg).toContain('ours');
  });
});
