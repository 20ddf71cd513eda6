import { join } from 'node:path';
import { taxelsKey } from '@actfusion/contracts';
import { LeRobotV3Writer, type EpisodeData } from '@actfusion/datasets';

/**
 * Test fixture: a LeRobot v3.0 dataset written by the datasets package's writer, with one camera
 * and one taxel sensor `observation.taxels.<sensor>` (rows x cols, names r<row>c<col>). The camera
 * shows a square and the taxels a pressure blob, both moving over the episode, so every frame
 * differs; the joint arrays are sines with a phase per episode.
 */
export async function writeTaxelsDataset(root: string, o: { episodes: number; length: number; height: number; width: number; sensor: string; rows: number; cols: number }): Promise<string> {
  const { length: T, height: H, width: W, rows, cols } = o;
  const key = taxelsKey(o.sensor);
  const names = Array.from({ length: rows * cols }, (_, i) => `r${Math.floor(i / cols)}c${i % cols}`);
  const writer = await LeRobotV3Writer.open(root, { fps: 50, stateDim: 6, actionDim: 6, cameras: { top: [H, W] }, vectors: { [key]: { dim: rows * cols, names } } });
  for (let e = 0; e < o.episodes; e++) {
    const wave = (t: number, d: number) => Math.sin(t / 4 + d + e);
    const frames = Array.from({ length: T }, (_, t) => {
      const data = new Uint8Array(H * W * 3);
      const sx = Math.floor(((W - 8) * t) / Math.max(1, T - 1));
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const inSquare = x >= sx && x < sx + 8 && y >= H / 2 - 4 && y < H / 2 + 4;
          data.set(inSquare ? [230, 40, 40] : [(255 * x) / W, (255 * y) / H, 60 * e], 3 * (y * W + x));
        }
      }
      return { height: H, width: W, data };
    });
    const taxels = Array.from({ length: T }, (_, t) => {
      const cy = ((rows - 1) * t) / Math.max(1, T - 1);
      const cx = ((cols - 1) * (T - 1 - t)) / Math.max(1, T - 1);
      return Float32Array.from({ length: rows * cols }, (_, i) => 5 * Math.exp(-((Math.floor(i / cols) - cy) ** 2 + ((i % cols) - cx) ** 2) / 2));
    });
    const qpos = Float32Array.from({ length: T * 6 }, (_, i) => wave(Math.floor(i / 6), i % 6));
    const data: EpisodeData = {
      qpos,
      action: qpos.map((v) => 0.9 * v),
      stateDim: 6,
      actionDim: 6,
      length: T,
      images: { top: frames },
      instruction: 'press the pad and slide right',
      features: { [key]: { spec: { key, kind: 'taxels', shape: [rows, cols] }, frames: taxels } },
    };
    await writer.writeEpisode(data, data.instruction!);
  }
  return join(root);
}
