import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readParquetRows, writeParquetFile } from '@actfusion/datasets';

/**
 * Test fixture: adds a taxel feature `observation.taxels.<sensor>` ([rows, cols, 3] float32:
 * normal force and two shear components, as @actfusion/contracts names it) to a LeRobot v3.0
 * dataset written by the recorder. The normal force is a pressure blob that moves across the grid
 * over the episode, so every frame differs.
 */
export async function addTaxelsColumn(root: string, sensor: string, rows: number, cols: number): Promise<void> {
  const key = `observation.taxels.${sensor}`;
  const dataDir = join(root, 'data');
  const files = (await readdir(dataDir, { recursive: true })).filter((f) => f.endsWith('.parquet'));
  for (const f of files) {
    const file = join(dataDir, f);
    const data = await readParquetRows(file);
    const T = data.length;
    const num = (c: string) => data.map((r) => Number(r[c]));
    const list = (c: string) => data.map((r) => (r[c] as number[]).map(Number));
    const blob = (t: number) => {
      const cy = ((rows - 1) * t) / Math.max(1, T - 1);
      const cx = ((cols - 1) * (T - 1 - t)) / Math.max(1, T - 1);
      const normal = (i: number) => 5 * Math.exp(-((Math.floor(i / cols) - cy) ** 2 + ((i % cols) - cx) ** 2) / 2);
      return Array.from({ length: rows * cols }, (_, i) => [normal(i), 0.1 * normal(i), -0.1 * normal(i)]).flat();
    };
    await writeParquetFile(file, [
      { name: 'observation.state', type: 'FLOAT_LIST', data: list('observation.state') },
      { name: 'action', type: 'FLOAT_LIST', data: list('action') },
      { name: key, type: 'FLOAT_LIST', data: num('frame_index').map(blob) },
      { name: 'timestamp', type: 'FLOAT', data: num('timestamp') },
      { name: 'frame_index', type: 'INT64', data: num('frame_index') },
      { name: 'episode_index', type: 'INT64', data: num('episode_index') },
      { name: 'index', type: 'INT64', data: num('index') },
      { name: 'task_index', type: 'INT64', data: num('task_index') },
    ]);
  }
  const infoFile = join(root, 'meta/info.json');
  const info = JSON.parse(await readFile(infoFile, 'utf8')) as { features: Record<string, unknown> };
  info.features[key] = { dtype: 'float32', shape: [rows, cols, 3], names: null };
  await writeFile(infoFile, JSON.stringify(info, null, 4));
}
