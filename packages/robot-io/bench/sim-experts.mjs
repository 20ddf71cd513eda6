// Scripted-expert success over N random episodes per task (seeds 0..N-1), run on the built package.
// Success is the robot's own criterion (best reward stage == maxReward, never after a failure such as
// lifting the wrong cube); lift-colored-cube also reports per instruction, occluded-pick per hidden layout.
// Usage: npx tsc -b packages/robot-io/tsconfig.lib.json && node packages/robot-io/bench/sim-experts.mjs [episodes=100] [task...]
// SIM_EXPERT_NOISE=0.01 adds ACT's inject_noise (uniform +/- metres on every xyz target).
import { OCCLUDED_PICK, OCCLUDED_PICK_PROBE_TICK, ScriptedExpert, SimRobot } from '@actfusion/robot-io';

const episodes = Number(process.argv[2] ?? 100);
const tasks = process.argv.length > 3 ? process.argv.slice(3) : ['transfer-cube', 'insertion', 'lift-cube', 'lift-colored-cube', 'occluded-pick'];
for (const task of tasks) {
  const occluded = task === 'occluded-pick';
  const robot = await SimRobot.create({ task, cameras: [], tactile: occluded });
  let taxelRuleAgrees = 0; // occluded-pick: "rows 2-3 pressed => tall block in the probe slot" at the probe tick
  const noise = Number(process.env.SIM_EXPERT_NOISE ?? 0);
  const expert = new ScriptedExpert(robot, { noise });
  const stageCounts = new Array(robot.maxReward + 1).fill(0);
  const failures = [];
  const groups = new Map(); // per instruction / hidden layout: [successes, episodes]
  let ticks = 0;
  const t0 = performance.now();
  for (let seed = 0; seed < episodes; seed++) {
    robot.reset(seed);
    const group =
      task === 'occluded-pick'
        ? `tall block in the ${OCCLUDED_PICK.tallInProbeSlot((b) => robot.objectPosition(b)) ? 'probe' : 'other'} slot`
        : robot.task.instructions.length > 1
          ? `"${robot.instruction}"`
          : undefined;
    expert.reset(seed); // noise sequence seeded per episode
    for (let t = 0; t < robot.task.episodeLength; t++) {
      if (occluded && t === OCCLUDED_PICK_PROBE_TICK) {
        const obs = robot.observeNow();
        const upper = ['right_finger_a', 'right_finger_b'].reduce((s, f) => s + obs[`observation.taxels.${f}`].subarray(8).reduce((a, v) => a + v, 0), 0);
        if (upper > 0.5 === OCCLUDED_PICK.tallInProbeSlot((b) => robot.objectPosition(b))) taxelRuleAgrees++;
      }
      robot.step(expert.action());
    }
    ticks += robot.task.episodeLength;
    stageCounts[robot.episodeReward]++;
    if (!robot.success) failures.push(`${seed}:${robot.episodeReward}${robot.episodeFailed ? '(failed)' : ''}`);
    if (group) {
      const g = groups.get(group) ?? [0, 0];
      groups.set(group, [g[0] + (robot.success ? 1 : 0), g[1] + 1]);
    }
  }
  const s = (performance.now() - t0) / 1000;
  const ok = episodes - failures.length;
  console.log(
    `${task}${noise > 0 ? ` (noise ${noise} m)` : ''}: success ${ok}/${episodes} (${((100 * ok) / episodes).toFixed(1)}%), episodes by max reward ${JSON.stringify(stageCounts)}, ` +
      (groups.size ? `${[...groups].map(([k, [ok, n]]) => `${k} ${ok}/${n}`).join(', ')}, ` : '') +
      (occluded ? `taxel rule at tick ${OCCLUDED_PICK_PROBE_TICK} agrees with the hidden layout in ${taxelRuleAgrees}/${episodes}, ` : '') +
      `${(s / episodes).toFixed(2)} s/episode, ${(ticks / s).toFixed(0)} ticks/s with expert IK and no camera` +
      (failures.length ? `, failed seed:reward ${failures.join(' ')}` : ''),
  );
  expert.delete();
  robot.close();
}
