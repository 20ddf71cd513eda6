// Records one scripted-expert episode (joint-space replay) and writes it as an MP4 (ffmpeg) plus a PNG
// of the last frame, so people can watch the simulation. Run on the built package:
//   npx tsc -b packages/robot-io/tsconfig.lib.json
//   node packages/robot-io/bench/sim-video.mjs [task=transfer-cube] [seed=0] [outDir=/tmp/actfusion-sim] [camera] [HxW=240x320]
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { recordScriptedEpisode, simTask, writePng } from '@actfusion/robot-io';

const [task = 'transfer-cube', seedArg = '0', outDir = '/tmp/actfusion-sim', cameraArg, size = '240x320'] = process.argv.slice(2);
const seed = Number(seedArg);
const camera = cameraArg ?? simTask(task).defaultCameras[0];
const [height, width] = size.split('x').map(Number);
mkdirSync(outDir, { recursive: true });
const t0 = performance.now();
const ep = await recordScriptedEpisode({ task, seed, cameras: [{ name: camera, height, width }] });
const seconds = (performance.now() - t0) / 1000;
const file = join(outDir, `${task}-seed${seed}-${camera}.mp4`);
const ff = spawn('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', '50', '-i', '-', '-pix_fmt', 'yuv420p', file], {
  stdio: ['pipe', 'inherit', 'inherit'],
});
for (const o of ep.observations) ff.stdin.write(o[`observation.images.${camera}`].data);
ff.stdin.end();
await new Promise((resolve, reject) => ff.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}`)))));
writePng(join(outDir, `${task}-seed${seed}-${camera}-last.png`), ep.observations.at(-1)[`observation.images.${camera}`]);
console.log(
  `${task} seed ${seed}: success ${ep.success} (max reward ${ep.maxReward}), ${ep.actions.length} ticks recorded in ${seconds.toFixed(1)} s -> ${file}`,
);
