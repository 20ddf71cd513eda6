// How well does each input tell occluded-pick's hidden layout (tall block in the probe slot or
// not) at the decisive tick? For N episodes (seeds 0..N-1) the scripted expert runs to
// OCCLUDED_PICK_PROBE_TICK, then the 48x64 frames of three cameras, the joint state and the right
// fingers' taxels are kept; a leave-one-out nearest-neighbour classifier (L1 distance) predicts each
// episode's layout from the other episodes' inputs. Chance is about 50 %.
// Usage: npx tsc -b packages/robot-io/tsconfig.lib.json && node packages/robot-io/bench/occluded-pick-separability.mjs [episodes=40]
import { OCCLUDED_PICK, OCCLUDED_PICK_PROBE_TICK, ScriptedExpert, SimRobot } from '@actfusion/robot-io';

const n = Number(process.argv[2] ?? 40);
const cams = ['angle', 'top', 'right_wrist'].map((name) => ({ name, height: 48, width: 64 }));
const robot = await SimRobot.create({ task: 'occluded-pick', cameras: cams });
const expert = new ScriptedExpert(robot);
const eps = [];
for (let seed = 0; seed < n; seed++) {
  robot.reset(seed);
  expert.reset();
  const tall = OCCLUDED_PICK.tallInProbeSlot((b) => robot.objectPosition(b));
  for (let t = 0; t < OCCLUDED_PICK_PROBE_TICK; t++) robot.step(expert.action());
  const o = robot.observeNow();
  const inputs = Object.fromEntries(cams.map((c) => [`camera ${c.name}`, o.images[c.name].data]));
  inputs['joint state'] = o.qpos;
  inputs.taxels = Float32Array.from([...o.tactile.right_finger_a.data, ...o.tactile.right_finger_b.data]);
  eps.push({ tall, inputs });
  if ((seed + 1) % 10 === 0) console.error(`${seed + 1}/${n} episodes`);
}
expert.delete();
robot.close();
const l1 = (a, b) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0);
const tallCount = eps.filter((e) => e.tall).length;
console.log(`occluded-pick, ${n} episodes (${tallCount} with the tall block in the probe slot), inputs at tick ${OCCLUDED_PICK_PROBE_TICK}, leave-one-out 1-NN:`);
for (const key of Object.keys(eps[0].inputs)) {
  let right = 0;
  eps.forEach((e, i) => {
    let best = Infinity;
    let guess = false;
    eps.forEach((f, j) => {
      if (i === j) return;
      const d = l1(e.inputs[key], f.inputs[key]);
      if (d < best) [best, guess] = [d, f.tall];
    });
    if (guess === e.tall) right++;
  });
  console.log(`  ${key}: ${right}/${n} right (${((100 * right) / n).toFixed(0)} %)`);
}
