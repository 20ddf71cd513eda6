// Pictures of the multi-instruction and contact tasks: lift-colored-cube's start views, and
// occluded-pick at the probe grasp (tick 100) for a tall-block and a short-block episode: the
// `angle` camera as the policy sees it, the same camera with the cover moved away, and the
// right_finger_a tactile image. Writes PNGs into outDir (compose them with ffmpeg xstack).
// Usage: npx tsc -b packages/robot-io/tsconfig.lib.json && node packages/robot-io/bench/sim-task-views.mjs [outDir=/tmp/actfusion-views] [HxW=240x320]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OCCLUDED_PICK, OCCLUDED_PICK_PROBE_TICK, ScriptedExpert, SimRobot, renderTactileImage, writePng } from '@actfusion/robot-io';

const [outDir = '/tmp/actfusion-views', size = '240x320'] = process.argv.slice(2);
const [h, w] = size.split('x').map(Number);
mkdirSync(outDir, { recursive: true });

const colored = await SimRobot.create({ task: 'lift-colored-cube', cameras: [] });
for (const seed of [0, 1]) {
  colored.reset(seed);
  writePng(join(outDir, `lift-colored-cube-seed${seed}-angle.png`), colored.render('angle', h, w));
  console.log(`lift-colored-cube seed ${seed}: "${colored.instruction}"`);
}
colored.close();

const robot = await SimRobot.create({ task: 'occluded-pick', cameras: [] });
const expert = new ScriptedExpert(robot);
const m = robot.model;
const cover = robot.mj.mj_name2id(m, robot.mj.mjtObj.mjOBJ_GEOM.value, 'cover');
const done = new Set();
for (let seed = 0; done.size < 2; seed++) {
  robot.reset(seed);
  const tall = OCCLUDED_PICK.tallInProbeSlot((b) => robot.objectPosition(b));
  const name = tall ? 'tall' : 'short';
  if (done.has(name)) continue;
  done.add(name);
  expert.reset();
  for (let t = 0; t < OCCLUDED_PICK_PROBE_TICK; t++) robot.step(expert.action());
  writePng(join(outDir, `occluded-pick-${name}-angle.png`), robot.render('angle', h, w));
  m.geom_pos[3 * cover + 2] += 10; // the cover has no contacts: moving it changes only what the cameras see
  robot.mj.mj_forward(m, robot.mjData);
  writePng(join(outDir, `occluded-pick-${name}-angle-uncovered.png`), robot.render('angle', h, w));
  m.geom_pos[3 * cover + 2] -= 10;
  robot.mj.mj_forward(m, robot.mjData);
  const forces = robot.observeNow()['observation.taxels.right_finger_a'];
  const { rows, cols } = robot.spec.tactile.find((t) => t.name === 'right_finger_a');
  writePng(join(outDir, `occluded-pick-${name}-tactile.png`), renderTactileImage(forces, rows, cols, h / 4));
  console.log(`occluded-pick seed ${seed} (${name} block in the probe slot): right_finger_a taxels ${Array.from(forces, (v) => v.toFixed(2)).join(' ')}`);
}
expert.delete();
robot.close();
