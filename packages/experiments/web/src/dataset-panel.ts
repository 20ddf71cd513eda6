import { getFrame, getJson, type DatasetSummary, type EpisodeSeries, type RgbFrame, type TactileSeries } from './api.js';
import { el, section, showError } from './dom.js';
import { drawHeatmap, extent } from './heatmap.js';
import { colour, range, TimePlot } from './plots.js';

/** Draws an RGB frame into a canvas sized to it. */
export function drawFrame(canvas: HTMLCanvasElement, f: RgbFrame): void {
  if (canvas.width !== f.width || canvas.height !== f.height) {
    canvas.width = f.width;
    canvas.height = f.height;
  }
  const img = new ImageData(f.width, f.height);
  for (let i = 0, j = 0; i < f.width * f.height; i++, j += 3) {
    img.data[4 * i] = f.data[j]!;
    img.data[4 * i + 1] = f.data[j + 1]!;
    img.data[4 * i + 2] = f.data[j + 2]!;
    img.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(img, 0, 0);
}

/**
 * The dataset panel: an episode picker, the episode's instruction, a time scrubber, one canvas
 * per camera (frames fetched one at a time, latest request wins), tactile heat maps, and joint
 * state / action plots with a marker at the scrubbed step.
 */
export async function datasetPanel(app: HTMLElement): Promise<void> {
  const { root, body } = section('Dataset', 'dataset');
  app.append(root);
  const ds = await getJson<DatasetSummary>('api/dataset');
  const cams = Object.entries(ds.cameras);
  const tactile = Object.entries(ds.tactile);
  body.append(
    el('p', { class: 'muted' },
      `${ds.format} · ${ds.episodes.length} episodes · ${ds.fps} fps · state ${ds.stateDim} · action ${ds.actionDim} · cameras ${cams.map(([c, [h, w]]) => `${c} ${w}x${h}`).join(', ') || 'none'}`
        + (tactile.length ? ` · taxels ${tactile.map(([k, [r, c]]) => `${k} ${r}x${c}`).join(', ')}` : '')),
  );
  const picker = el('select', { id: 'episode' });
  const label = (index: number, length: number | null, instruction: string | null) =>
    `episode ${index}${length !== null ? ` · ${length} steps` : ''}${instruction ? ` · ${instruction}` : ''}`;
  for (const [i, e] of ds.episodes.entries()) picker.append(el('option', { value: i }, label(e.index, e.length, e.instruction)));
  const instruction = el('p', { id: 'instruction', class: 'instruction' });
  const scrubber = el('input', { id: 'scrubber', type: 'range', min: 0, max: 0, value: 0, step: 1 });
  const play = el('button', { id: 'play', type: 'button' }, 'play');
  const clock = el('span', { id: 'clock', class: 'mono' });
  const frames = el('div', { class: 'frames' });
  const heat = el('div', { class: 'frames' });
  const plots = el('div', { class: 'plots' });
  body.append(el('div', { class: 'row' }, el('label', {}, 'episode ', picker), play, scrubber, clock), instruction, frames, heat, plots);

  const canvases = new Map<string, HTMLCanvasElement>();
  for (const [cam, [h, w]] of cams) {
    const c = el('canvas', { id: `frame-${cam}`, class: 'frame', width: w, height: h, 'data-camera': cam });
    canvases.set(cam, c);
    frames.append(el('figure', {}, c, el('figcaption', {}, cam)));
  }
  // Tactile images (`observation.tactile.<sensor>`) are frames too, fetched like the cameras.
  const frameKeys = [...cams.map(([c]) => c), ...Object.keys(ds.tactileImages)];
  for (const [key, [h, w]] of Object.entries(ds.tactileImages)) {
    const c = el('canvas', { id: `frame-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`, class: 'frame tactile-image', width: w, height: h, 'data-camera': key });
    canvases.set(key, c);
    heat.append(el('figure', {}, c, el('figcaption', {}, key)));
  }
  const heatCanvases = new Map<string, HTMLCanvasElement>();
  for (const [key] of tactile) {
    const c = el('canvas', { id: `tactile-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`, class: 'heatmap', 'data-sensor': key });
    heatCanvases.set(key, c);
    heat.append(el('figure', {}, c, el('figcaption', {}, key)));
  }

  let series: EpisodeSeries | undefined;
  let tactileData: TactileSeries[] = [];
  let charts: TimePlot[] = [];
  const controllers = new Map<string, AbortController>();
  let t = 0;

  const show = async (step: number): Promise<void> => {
    if (!series) return;
    t = Math.max(0, Math.min(series.length - 1, step));
    scrubber.value = String(t);
    clock.textContent = `t = ${t} / ${series.length - 1} · ${(t / series.fps).toFixed(2)} s`;
    for (const c of charts) c.setMarker(t);
    for (const s of tactileData) {
      const [lo, hi] = extent(s.frames);
      drawHeatmap(heatCanvases.get(s.sensor)!, s.frames[t]!, s.rows, s.cols, lo, hi);
      heatCanvases.get(s.sensor)!.dataset['t'] = String(t);
    }
    const ep = Number(picker.value);
    await Promise.all(frameKeys.map(async (cam) => {
      controllers.get(cam)?.abort();
      const ctl = new AbortController();
      controllers.set(cam, ctl);
      try {
        const f = await getFrame(ep, cam, t, ctl.signal);
        if (ctl.signal.aborted) return;
        const canvas = canvases.get(cam)!;
        drawFrame(canvas, f);
        canvas.dataset['episode'] = String(ep);
        canvas.dataset['t'] = String(t);
      } catch (err) {
        if (!ctl.signal.aborted) throw err;
      }
    }));
  };

  const load = async (i: number): Promise<void> => {
    series = await getJson<EpisodeSeries>(`api/dataset/episodes/${i}`);
    picker.options[i]!.textContent = label(series.index, series.length, series.instruction);
    instruction.textContent = series.instruction ? `“${series.instruction}”` : 'no instruction recorded';
    scrubber.max = String(series.length - 1);
    for (const c of charts) c.destroy();
    plots.replaceChildren();
    const x = range(series.length);
    const make = (title: string, cols: readonly number[][], id: string): TimePlot => {
      const holder = el('div', { id, class: 'plot' });
      plots.append(holder);
      return new TimePlot(holder, { title, x, xLabel: 'step', series: cols.map((v, d) => ({ label: `${d}`, values: v, colour: colour(d) })) });
    };
    charts = [make('joint state (observation.state)', series.state, 'plot-state'), make('action', series.action, 'plot-action')];
    if (series.velocity) charts.push(make('joint velocity', series.velocity, 'plot-velocity'));
    tactileData = await Promise.all(tactile.map(([key]) => getJson<TactileSeries>(`api/dataset/episodes/${i}/tactile/${encodeURIComponent(key)}`)));
    await show(0);
  };

  let playing = false;
  play.addEventListener('click', () => {
    playing = !playing;
    play.textContent = playing ? 'pause' : 'play';
    const tick = async (): Promise<void> => {
      if (!playing || !series) return;
      const started = performance.now();
      await show(t + 1 >= series.length ? 0 : t + 1);
      setTimeout(() => void tick(), Math.max(0, 1000 / series.fps - (performance.now() - started)));
    };
    void tick();
  });
  scrubber.addEventListener('input', () => void show(Number(scrubber.value)).catch((e: unknown) => showError(body, e)));
  picker.addEventListener('change', () => void load(Number(picker.value)).catch((e: unknown) => showError(body, e)));
  if (ds.episodes.length > 0) await load(0);
}
