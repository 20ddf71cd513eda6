import { OBSERVATION_STATE, type Action } from '@actfusion/contracts';
import { ControlLoop, type ControlLoopOptions, type ControlLoopReport, type RunOptions } from '../control/control-loop.js';
import type { Robot } from '../robot.js';
import type { SafeRobot } from '../safety/safe-robot.js';

export interface TeleoperationOptions extends ControlLoopOptions {
  /** Leader qpos -> follower action (default: identity; both arms meet in normalised units). */
  readonly map?: (leaderQpos: Float32Array) => Action;
  /** Called each tick with what was read and the target sent (clamped to the follower's limits; recording hooks in here). */
  readonly onStep?: (step: { leader: Float32Array; action: Action; follower: Float32Array }) => void;
}

/**
 * Leader-follower teleoperation (LeRobot `teleop_loop`, ALOHA): each tick reads the leader,
 * reads the follower and sends the leader's position, clamped to the follower's joint limits, to
 * the follower through its safety layer (which caps the step).
 * A fault (bus timeout, servo error) stops the loop and emergency-stops the follower.
 */
export class Teleoperation {
  readonly loop: ControlLoop;

  constructor(
    readonly leader: Robot,
    readonly follower: SafeRobot,
    private readonly options: TeleoperationOptions = {},
  ) {
    const nl = leader.spec.joints.length;
    const nf = follower.spec.joints.length;
    if (!options.map && nl !== nf) throw new RangeError(`leader ${leader.spec.name} has ${nl} joints, follower ${follower.spec.name} has ${nf}: give a map`);
    this.loop = new ControlLoop({ hz: follower.spec.controlHz, ...options });
  }

  run(run: Omit<RunOptions, 'onFault'> = {}): Promise<ControlLoopReport> {
    const map = this.options.map ?? ((q: Float32Array) => q);
    return this.loop.run(
      async () => {
        const leader = (await this.leader.observe())[OBSERVATION_STATE];
        const follower = (await this.follower.observe())[OBSERVATION_STATE];
        // The leader's reach is not the follower's: its position becomes a target inside the
        // follower's joint limits (gripper 0..100) before the safety layer caps the step.
        const action = this.follower.safety.clampToLimits(map(leader));
        await this.follower.act(action);
        this.options.onStep?.({ leader, action, follower });
      },
      { ...run, onFault: (err) => this.follower.emergencyStop(err) },
    );
  }

  stop(): void {
    this.loop.stop();
  }
}
