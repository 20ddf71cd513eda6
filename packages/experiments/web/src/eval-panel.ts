import { getJson, type EvalData, type RolloutLog } from './api.js';
import { el, section, showError } from './dom.js';
import { drawHeatmap, extent } from './heatmap.js';
import { colour, range, TimePlot } from './plots.js';

/** Wilson score interval, 95 %. */
function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.959964;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** Evaluation: the success table per reward stage and one rollout at a time (reward stage, chunks vs executed). */
export async function evalPanel(app: HTMLElement): Promise<void> {
  const { root, body } = section('Evaluation', 'eval');
  app.append(root);
  const ev = await getJson<EvalData>('api/eval');
  const s = ev.summary as { task?: string; episodes?: number; stageNames?: string[]; stageReached?: number[]; checkpoint?: string } | null;
  if (s?.stageNames && s.stageReached && typeof s.episodes === 'number') {
    body.append(el('p', { class: 'muted' }, `${s.task ?? ''} · ${s.episodes} episodes · checkpoint ${s.checkpoint ?? '?'}`));
    const table = el('table', { id: 'success-table' }, el('tr', {}, el('th', {}, 'stage'), el('th', {}, 'name'), el('th', {}, 'reached'), el('th', {}, 'success'), el('th', {}, '95% Wilson CI')));
    s.stageNames.forEach((name, i) => {
      const k = s.stageReached![i] ?? 0;
      const [lo, hi] = wilson(k, s.episodes!);
      table.append(el('tr', {}, el('td', {}, String(i + 1)), el('td', {}, name), el('td', {}, `${k}/${s.episodes}`), el('td', {}, pct(k / Math.max(1, s.episodes!))), el('td', {}, `[${pct(lo)}, ${pct(hi)}]`)));
    });
    body.append(table);
  } else body.append(el('p', { class: 'muted' }, 'no eval.json (the success table) in this folder'));
  if (ev.rollouts.length === 0) {
    body.append(el('p', { class: 'muted' }, 'no rollouts/ logs (written by actfusion eval)'));
    return;
  }
  const picker = el('select', { id: 'rollout' });
  for (const r of ev.rollouts) picker.append(el('option', { value: r.name }, `${r.name} · reward ${r.episodeReward}${r.success ? ' · success' : ''} · ${r.steps} steps`));
  const joint = el('select', { id: 'rollout-joint' });
  const scrubber = el('input', { id: 'rollout-scrubber', type: 'range', min: 0, max: 0, value: 0 });
  const still = el('img', { id: 'rollout-frame', class: 'frame', alt: 'saved frame' });
  const plots = el('div', { class: 'plots' });
  const heat = el('div', { class: 'frames', id: 'rollout-tactile' });
  body.append(el('h3', {}, 'rollouts'), el('div', { class: 'row' }, el('label', {}, 'rollout ', picker), el('label', {}, 'joint ', joint), scrubber), el('div', { class: 'frames' }, still, heat), plots);

  let log: RolloutLog | undefined;
  let charts: TimePlot[] = [];
  const draw = (): void => {
    if (!log) return;
    for (const c of charts) c.destroy();
    plots.replaceChildren();
    const d = Number(joint.value);
    const horizon = Math.max(0, ...log.chunks.map((c) => c.t + c.actions.length));
    const T = Math.max(log.action.length, horizon);
    const x = range(T);
    const pad = (v: readonly number[]) => x.map((t) => v[t] ?? null);
    const rewardHolder = el('div', { id: 'plot-reward', class: 'plot' });
    const actionHolder = el('div', { id: 'plot-chunks', class: 'plot' });
    plots.append(rewardHolder, actionHolder);
    const stages = log.stageNames.map((n, i) => `${i + 1} ${n}`).join(', ');
    charts = [
      new TimePlot(rewardHolder, { title: `reward stage over time (${stages})`, x, xLabel: 'step', yLabel: 'stage', yRange: [-0.2, log.maxReward + 0.2], series: [{ label: 'reward stage', values: pad(log.reward), colour: '#59a14f', width: 2, stepped: true }] }),
      new TimePlot(actionHolder, {
        title: `joint ${d}: executed action (black) and predicted chunks (coloured, ${log.chunks.length})`,
        x,
        xLabel: 'step',
        yLabel: 'action',
        series: [
          { label: 'executed', values: pad(log.action.map((a) => a[d]!)), colour: '#000', width: 2.5 },
          { label: 'state', values: pad(log.qpos.map((q) => q[d]!)), colour: '#999', width: 1, dash: [4, 3] },
          ...sampleChunks(log.chunks, 48).map((c, k) => ({
            label: `chunk @${c.t}`,
            values: x.map((t) => (t >= c.t && t < c.t + c.actions.length ? c.actions[t - c.t]![d]! : null)),
            colour: colour(k) + '99',
            quiet: true,
          })),
        ],
      }),
    ];
    scrubber.max = String(log.action.length - 1);
    heat.replaceChildren();
    for (const sensor of Object.keys(log.tactile ?? {})) {
      const c = el('canvas', { class: 'heatmap', 'data-sensor': sensor, title: sensor });
      heat.append(el('figure', {}, c, el('figcaption', {}, sensor)));
    }
    step();
  };
  const rollout = () => ev.rollouts.find((r) => r.name === picker.value)!;
  const step = (): void => {
    const t = Number(scrubber.value);
    for (const c of charts) c.setMarker(t);
    const tactile = log?.tactile ?? {};
    for (const canvas of heat.querySelectorAll('canvas')) {
      const s = tactile[canvas.dataset['sensor']!]!;
      const [lo, hi] = extent(s.frames);
      const values = s.frames[Math.min(t, s.frames.length - 1)]!;
      drawHeatmap(canvas, values, s.rows, s.cols, Math.min(0, lo), hi);
      canvas.dataset['t'] = String(t);
      const caption = canvas.nextElementSibling;
      if (caption) caption.textContent = `${canvas.dataset['sensor']} · max ${Math.max(...values).toFixed(2)} (rollout max ${hi.toFixed(2)})`;
    }
    const saved = rollout().frames.filter((f) => Number(/(\d+)\.png$/.exec(f)?.[1] ?? NaN) <= t).at(-1);
    if (saved) still.src = `api/eval/frames/${encodeURIComponent(picker.value)}/${encodeURIComponent(saved)}`;
    still.style.display = saved ? '' : 'none';
  };
  const load = async (): Promise<void> => {
    log = await getJson<RolloutLog>(`api/eval/rollouts/${encodeURIComponent(picker.value)}`);
    const dims = log.action[0]?.length ?? 0;
    const keep = Number(joint.value || 0);
    joint.replaceChildren(...range(dims).map((i) => el('option', { value: i }, String(i))));
    joint.value = String(Math.min(keep, Math.max(0, dims - 1)));
    scrubber.value = '0';
    draw();
  };
  picker.addEventListener('change', () => void load().catch((e: unknown) => showError(body, e)));
  joint.addEventListener('change', draw);
  scrubber.addEventListener('input', step);
  await load();
}

/** At most `n` chunks, evenly spaced (temporal ensembling predicts one per step). */
function sampleChunks<T>(chunks: readonly T[], n: number): T[] {
  if (chunks.length <= n) return [...chunks];
  return range(n).map((i) => chunks[Math.round((i * (chunks.length - 1)) / (n - 1))]!);
}
