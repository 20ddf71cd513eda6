import { AlohaHdf5Sink, EpisodeRecorder, LeRobotV3Sink, type RecordedEpisode } from '@actfusion/datasets';
import { loadCalibration, SafeRobot, ServoArm, type ArmPresetOptions, type ServoArmConfig } from '@actfusion/robot-io';
import type { DatasetFormat } from './record-demonstrations.js';

export interface RecordTeleoperationOptions {
  /** Arm preset of both arms (`so101`, `koch`, `aloha`). */
  readonly preset: (o: ArmPresetOptions) => ServoArmConfig;
  readonly leaderPort: string;
  readonly leaderCalibration: string;
  readonly followerPort: string;
  readonly followerCalibration: string;
  readonly episodes: number;
  /** Control steps per episode. */
  readonly steps: number;
  readonly out: string;
  readonly format: DatasetFormat;
  readonly hz?: number;
  /** SafeRobot's per-tick cap on the follower (LeRobot max_relative_target). */
  readonly maxRelativeTarget?: number;
  readonly instruction?: string;
  /** Pause between episodes for the operator to reset the scene. */
  readonly resetSeconds?: number;
  /** Status-packet timeout of both buses (default the bus's 50 ms). */
  readonly busTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Leader-follower teleoperation recorded into a dataset (LeRobot `record` with a teleoperator):
 * each tick the follower is observed, the leader's position clamped to the follower's joint limits
 * is the action, sent to the follower through its safety layer (per-tick cap) and stored with the observation (ACT's alignment). `EpisodeRecorder`
 * keeps the robot's rate and writes each episode atomically.
 */
export async function recordTeleoperation(o: RecordTeleoperationOptions): Promise<{ episodes: RecordedEpisode[] }> {
  const log = o.log ?? (() => {});
  const arm = (c: ServoArmConfig): ServoArm => new ServoArm(o.busTimeoutMs === undefined ? c : { ...c, bus: { ...c.bus, timeoutMs: o.busTimeoutMs } });
  const leader = arm(o.preset({ port: o.leaderPort, calibration: await loadCalibration(o.leaderCalibration), role: 'leader', ...(o.hz ? { controlHz: o.hz } : {}) }));
  const follower = arm(o.preset({ port: o.followerPort, calibration: await loadCalibration(o.followerCalibration), ...(o.hz ? { controlHz: o.hz } : {}) }));
  if (leader.spec.joints.length !== follower.spec.joints.length) {
    throw new Error(`record: leader has ${leader.spec.joints.length} joints, follower ${follower.spec.joints.length}`);
  }
  await leader.connect();
  try {
    await follower.connect();
    try {
      const robot = new SafeRobot(follower, o.maxRelativeTarget !== undefined ? { maxRelativeTarget: o.maxRelativeTarget } : {});
      const sink = o.format === 'lerobot' ? new LeRobotV3Sink(o.out) : new AlohaHdf5Sink(o.out, { sim: false });
      const recorder = new EpisodeRecorder(robot, sink);
      const episodes: RecordedEpisode[] = [];
      for (let e = 0; e < o.episodes; e++) {
        if (e > 0 && (o.resetSeconds ?? 0) > 0) {
          log(`reset the scene (${o.resetSeconds} s)`);
          await new Promise((r) => setTimeout(r, o.resetSeconds! * 1000));
        }
        const ep = await recorder.record({
          // The action recorded is the target sent: the leader's position inside the follower's joint limits.
          controller: async () => robot.safety.clampToLimits((await leader.observe())['observation.state']),
          steps: o.steps,
          ...(o.instruction !== undefined ? { instruction: o.instruction } : {}),
        });
        episodes.push(ep);
        log(`episode ${e + 1}/${o.episodes}: ${ep.steps} steps at ${ep.meanHz.toFixed(1)} Hz -> ${ep.location}`);
      }
      return { episodes };
    } finally {
      await follower.disconnect();
    }
  } finally {
    await leader.disconnect();
  }
}
