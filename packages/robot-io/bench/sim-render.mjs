// Camera render time (mj_multiRay + shading) at 96x128 and 480x640, and simulation speed with one camera.
// Usage: npx tsc -b packages/robot-io/tsconfig.lib.json && node packages/robot-io/bench/sim-render.mjs [outDir]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ScriptedExpert, SimRobot, scriptedActions, writePng } from '@actfusion/robot-io';

const outDir = process.argv[2];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const robot = await SimRobot.create({ task: 'transfer-cube', cameras: [] });
const expert = new ScriptedExpert(robot);
robot.reset(3);
expert.reset();
for (let t = 0; t < 245; t++) robot.step(expert.action()); // mid-handover: both arms near the cube
for (const cam of ['top', 'left_wrist', 'right_wrist', 'angle']) {
  for (const [h, w] of [[96, 128], [480, 640]]) {
    const times = [];
    for (let i = 0; i < (h > 100 ? 7 : 30); i++) {
      const t0 = performance.now();
      const frame = robot.render(cam, h, w);
      times.push(performance.now() - t0);
      if (outDir && i === 0) {
        mkdirSync(outDir, { recursive: true });
        writePng(join(outDir, `transfer-cube-${cam}-${h}x${w}.png`), frame);
      }
    }
    console.log(`render ${cam} ${h}x${w}: median ${median(times.slice(1)).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)})`);
  }
}
expert.delete();
robot.close();

// Simulation speed with one camera: replay a scripted transfer-cube episode (contacts, grasp, handover),
// observing (camera + tactile) before every action, as a policy rollout does.
const { actions } = await scriptedActions('transfer-cube', 0);
for (const [h, w] of [[96, 128], [480, 640]]) {
  const r = await SimRobot.create({ task: 'transfer-cube', cameras: [{ name: 'top', height: h, width: w }], tactile: true });
  r.reset(0);
  const n = h > 100 ? 40 : actions.length;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await r.observe();
    await r.act(actions[i]);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`sim speed, transfer-cube expert replay, observe (top ${h}x${w} + tactile) + act (10 physics steps): ${(n / s).toFixed(1)} ticks/s`);
  r.reset(0);
  const t1 = performance.now();
  for (const a of actions) r.step(a);
  console.log(`sim speed, same replay without observe: ${(actions.length / ((performance.now() - t1) / 1000)).toFixed(0)} ticks/s`);
  r.close();
}
