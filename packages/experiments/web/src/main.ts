import { getJson, type ViewInfo } from './api.js';
import { datasetPanel } from './dataset-panel.js';
import { el, showError } from './dom.js';
import { evalPanel } from './eval-panel.js';
import { runPanel } from './run-panel.js';
import './style.css';

/** Builds the page from what the server has: run, evaluation and dataset panels. */
async function main(): Promise<void> {
  const app = document.getElementById('app')!;
  const info = await getJson<ViewInfo>('api/info');
  document.getElementById('path')!.textContent = info.path;
  app.replaceChildren();
  const panels: [boolean, (a: HTMLElement) => Promise<void>][] = [[info.run, runPanel], [info.eval, evalPanel], [info.dataset, datasetPanel]];
  for (const [on, panel] of panels) {
    if (!on) continue;
    const holder = el('div');
    app.append(holder);
    await panel(holder).catch((err: unknown) => showError(holder, err));
  }
  document.body.dataset['ready'] = 'true';
}

void main().catch((err: unknown) => showError(document.getElementById('app')!, err));
