import type { Action, Observation } from '@actfusion/contracts';
import type { CameraSpec } from '../robot.js';
import type { SimTaskName } from './scene.js';
import { ScriptedExpert } from './scripted-expert.js';
import { SimRobot } from './sim-robot.js';

/** One demonstration as a policy sees it: per tick the observation and the action taken after it. */
export interface SimEpisode {
  readonly task: SimTaskName;
  readonly seed: number;
  /** The episode's instruction (its `task` string; chosen by the seed on multi-instruction tasks). */
  readonly instruction: string;
  readonly observations: Observation[];
  readonly actions: Action[];
  /** Reward after each action. */
  readonly rewards: number[];
  readonly maxReward: number;
  readonly success: boolean;
}

export interface RecordOptions {
  readonly task: SimTaskName;
  readonly seed: number;
  /** Cameras of the replay (default: the task's default camera at 480x640). */
  readonly cameras?: readonly CameraSpec[];
  readonly tactile?: boolean;
  /** Ticks (default: the task's episode length). */
  readonly episodeLength?: number;
  /** Expert xyz noise in metres (ACT's inject_noise uses 0.01); default 0. */
  readonly noise?: number;
  /** Instruction (text or index) instead of the one the seed picks, on multi-instruction tasks. */
  readonly instruction?: string | number;
  /** Randomise object positions from the seed (default true); false: the middle of ACT's ranges. */
  readonly randomize?: boolean;
}

/** Runs the scripted expert without cameras and returns its joint-space actions and success. */
export async function scriptedActions(
  task: SimTaskName,
  seed: number,
  episodeLength?: number,
  noise = 0,
  instruction?: string | number,
  randomize = true,
): Promise<{ actions: Action[]; success: boolean; maxReward: number; instruction: string }> {
  const robot = await SimRobot.create({ task, cameras: [], tactile: false, seed, randomize });
  const expert = new ScriptedExpert(robot, { noise, noiseSeed: seed });
  try {
    if (instruction !== undefined) robot.reset(seed, { instruction });
    expert.reset();
    const n = episodeLength ?? robot.task.episodeLength;
    const actions: Action[] = [];
    for (let t = 0; t < n; t++) {
      const a = expert.action();
      actions.push(a);
      robot.step(a);
    }
    return { actions, success: robot.success, maxReward: robot.episodeReward, instruction: robot.instruction };
  } finally {
    expert.delete();
    robot.close();
  }
}

/**
 * Records one scripted demonstration as ACT does: roll out the expert, keep its joint trajectory,
 * then replay that trajectory in a fresh joint-controlled robot from the same seed and record only
 * what the robot observes (qpos, qvel, camera images, tactile) and the actions.
 */
export async function recordScriptedEpisode(options: RecordOptions): Promise<SimEpisode> {
  const { actions } = await scriptedActions(options.task, options.seed, options.episodeLength, options.noise ?? 0, options.instruction, options.randomize ?? true);
  return replayActions(options, actions);
}

/** Replays joint-space actions from `reset(seed)`, recording the observation before each action. */
export async function replayActions(options: RecordOptions, actions: readonly Action[]): Promise<SimEpisode> {
  const robot = await SimRobot.create({
    task: options.task,
    seed: options.seed,
    randomize: options.randomize ?? true,
    ...(options.cameras ? { cameras: options.cameras } : {}),
    ...(options.tactile !== undefined ? { tactile: options.tactile } : {}),
  });
  try {
    if (options.instruction !== undefined) robot.reset(options.seed, { instruction: options.instruction });
    const observations: Observation[] = [];
    const rewards: number[] = [];
    for (const a of actions) {
      observations.push(robot.observeNow());
      robot.step(a);
      rewards.push(robot.reward());
    }
    return {
      task: options.task,
      seed: options.seed,
      instruction: robot.instruction,
      observations,
      actions: actions.map((a) => Float32Array.from(a)),
      rewards,
      maxReward: robot.episodeReward,
      success: robot.success,
    };
  } finally {
    robot.close();
  }
}
