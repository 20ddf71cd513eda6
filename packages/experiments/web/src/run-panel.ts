import { getJson, type RunData } from './api.js';
import { bytes, el, section } from './dom.js';
import { colour, TimePlot } from './plots.js';

/** Training run: loss curves (train solid, validation dashed) from metrics.jsonl, and the checkpoints. */
export async function runPanel(app: HTMLElement): Promise<void> {
  const { root, body } = section('Training run', 'run');
  app.append(root);
  const run = await getJson<RunData>('api/run');
  body.append(el('p', { class: 'muted' }, `${run.dir} · ${run.metrics.length} logged steps · ${run.checkpoints.length} checkpoints`));
  const points = run.metrics.filter((m) => typeof m['step'] === 'number');
  if (points.length > 0 && run.trainKeys.length + run.validationKeys.length > 0) {
    const x = points.map((m) => m['step'] as number);
    const val = (k: string) => points.map((m) => (typeof m[k] === 'number' && (m[k] as number) > 0 ? (m[k] as number) : null));
    const holder = el('div', { id: 'plot-loss', class: 'plot' });
    body.append(holder);
    new TimePlot(holder, {
      title: run.validationKeys.length ? 'loss: train (solid) and validation (dashed)' : 'training loss (no validation metrics logged)',
      x,
      xLabel: 'step',
      yLabel: 'loss (log scale)',
      logY: true,
      width: 720,
      height: 280,
      series: [
        ...run.trainKeys.map((k, i) => ({ label: k, values: val(k), colour: colour(i), width: 1.5 })),
        ...run.validationKeys.map((k, i) => ({ label: k, values: val(k), colour: colour(i), width: 1.5, dash: [6, 4] })),
      ],
    });
  } else body.append(el('p', { class: 'muted' }, 'metrics.jsonl has no loss values yet'));
  const table = el('table', { id: 'checkpoints' }, el('tr', {}, el('th', {}, 'checkpoint'), el('th', {}, 'step'), el('th', {}, 'size'), el('th', {}, 'files'), el('th', {}, 'written')));
  for (const c of run.checkpoints) {
    table.append(el('tr', { class: c.last ? 'last' : '' },
      el('td', { class: 'mono' }, c.name + (c.last ? ' (last)' : '')), el('td', {}, c.step === null ? '' : String(c.step)), el('td', {}, bytes(c.bytes)),
      el('td', { class: 'mono small' }, c.files.join(', ')), el('td', { class: 'small' }, c.modified.replace('T', ' ').slice(0, 19))));
  }
  body.append(el('h3', {}, 'checkpoints'), run.checkpoints.length ? table : el('p', { class: 'muted' }, 'no checkpoints yet'));
}
