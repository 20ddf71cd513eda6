import { Resvg } from '@resvg/resvg-js';
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '@actfusion/atomic-file';

/** Font used for every chart; DejaVu ships with Debian (fonts-dejavu-core). */
export const CHART_FONT = 'DejaVu Sans';

/** Compiles a vega-lite spec and renders it headless to an SVG string (vega's `none` renderer). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const themed: TopLevelSpec = {
    ...spec,
    config: { font: CHART_FONT, background: 'white', ...(spec.config ?? {}) },
  } as TopLevelSpec;
  const { spec: vegaSpec } = compile(themed);
  const view = new View(parseVega(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG with resvg (system fonts; text vanishes silently if none load, so we check). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT },
    background: 'white',
  });
  return resvg.render().asPng();
}

/** Renders a vega-lite spec to `<base>.svg` and `<base>.png` (and `<base>.vl.json`, the spec). */
export async function writeChart(spec: TopLevelSpec, base: string): Promise<{ svg: string; png: string; spec: string }> {
  const svg = await renderSvg(spec);
  const paths = { svg: `${base}.svg`, png: `${base}.png`, spec: `${base}.vl.json` };
  await writeFileAtomic(paths.spec, `${JSON.stringify(spec, null, 2)}\n`);
  await writeFileAtomic(paths.svg, svg);
  await writeFileAtomic(paths.png, svgToPng(svg));
  return paths;
}
