import {
  OBSERVATION_STATE,
  OBSERVATION_VELOCITY,
  TASK,
  TIMESTAMP,
  imageKey,
  robotFeatures,
  tactileKey,
  taxelsKey,
  withFeatures,
  type Action,
  type ImageFrame,
  type Observation,
  type ObservationSpec,
} from '@actfusion/contracts';
import { MidpointRng, SimRng } from './sim-rng.js';
import type { CameraSpec, JointSpec, Robot, RobotSpec, TactileSpec } from '../robot.js';
import { compileModel, loadMujocoModule, type MjData, type MjModel, type MujocoModule } from './mujoco-runtime.js';
import { RayCamera } from './ray-camera.js';
import {
  ARM_JOINT_LIMITS,
  ARM_JOINT_NAMES,
  FINGER_CLOSED,
  FINGER_OPEN,
  START_ARM_POSE,
  START_GRIPPER,
  TAXEL_COLS,
  TAXEL_ROWS,
  buildSceneXml,
  gripperNormalize,
  gripperUnnormalize,
  type ArmSide,
  type SimTaskName,
} from './scene.js';
import { contactPairs } from './contact-pairs.js';
import { sceneLayout, type ArmIndex, type TactileIndex } from './scene-layout.js';
import { instructionIndex, simTask, type SimTask } from './sim-task.js';
import { renderTactileImage } from './tactile-image.js';

export interface SimRobotOptions {
  readonly task: SimTaskName;
  /** Cameras to render at every `observe()`; default: the task's default camera at 480x640. `[]` renders none. */
  readonly cameras?: readonly CameraSpec[];
  /** Read the finger-pad taxel grids (default true). */
  readonly tactile?: boolean;
  /** Pixels per taxel of the tactile image (default 4: a 4x4 grid becomes a 16x16 image). */
  readonly tactileImageScale?: number;
  /** Seed of the first `reset()` when `connect()` is called without one (default 0). */
  readonly seed?: number;
  /**
   * Randomise the objects' start positions from the reset seed (default true, ACT's sampling
   * ranges). False places every object at the middle of its range (the seed still picks the
   * instruction on multi-instruction tasks).
   */
  readonly randomize?: boolean;
}

/** Control rate 50 Hz: 10 physics steps of 0.002 s per tick (ACT's DT = 0.02). */
export const SIM_CONTROL_HZ = 50;
export const SIM_SUBSTEPS = 10;


/**
 * A simulated ALOHA-like robot on MuJoCo WebAssembly. State and action per arm: 6 joint angles
 * (rad) and a normalised gripper (0 closed .. 1 open); two arms are ordered left then right (14-D),
 * `lift-cube` uses the right arm only (7-D). Each `act()` sets position targets and runs 10
 * physics steps of 2 ms. Reward stages follow ACT (`reward()`, `maxReward`, `success`).
 */
export class SimRobot implements Robot {
  readonly spec: RobotSpec;
  readonly task: SimTask;
  private readonly arms: readonly ArmIndex[];
  private readonly cameras: RayCamera[] = [];
  private readonly tactileAdr: readonly TactileIndex[];
  private readonly tactileSpecs: readonly TactileSpec[];
  private readonly geomNames: readonly string[];
  private readonly objectQposAdr: ReadonlyMap<string, number>;
  private readonly tactileScale: number;
  private data: MjData;
  private tick = 0;
  private episodeMaxReward = 0;
  private lastReward = 0;
  private instructionIdx = 0;
  private failedLatch = false;
  private closed = false;

  static async create(options: SimRobotOptions): Promise<SimRobot> {
    const mj = await loadMujocoModule();
    return new SimRobot(mj, options);
  }

  private constructor(
    readonly mj: MujocoModule,
    private readonly options: SimRobotOptions,
  ) {
    this.task = simTask(options.task);
    this.model = compileModel(mj, buildSceneXml(this.task.name), this.task.name);
    const m = this.model;
    this.data = new mj.MjData(m);
    try {
      const layout = sceneLayout(mj, m, this.task.name, options.tactile ?? true);
      this.arms = layout.arms;
      this.objectQposAdr = layout.objectQposAdr;
      this.geomNames = layout.geomNames;
      this.tactileAdr = layout.tactile;
      const scale = options.tactileImageScale ?? 4;
      this.tactileSpecs = layout.tactileSpecs.map((t) => ({ ...t, image: { height: t.rows * scale, width: t.cols * scale } }));
      for (const c of options.cameras ?? this.task.defaultCameras.map((name) => ({ name, height: 480, width: 640 }))) {
        this.cameras.push(new RayCamera(mj, m, c.name, c.height, c.width));
      }
    } catch (err) {
      for (const c of this.cameras) c.delete();
      this.data.delete();
      m.delete();
      throw err;
    }
    this.tactileScale = options.tactileImageScale ?? 4;
    const joints: JointSpec[] = this.arms.flatMap((arm) => [
      ...ARM_JOINT_NAMES.map((j, k) => ({ name: `${arm.side}_${j}`, limits: ARM_JOINT_LIMITS[k]!, kind: 'revolute' as const })),
      { name: `${arm.side}_gripper`, limits: [0, 1] as const, kind: 'gripper' as const },
    ]);
    this.spec = {
      name: `sim-${this.task.name}`,
      joints,
      cameras: this.cameras.map((c) => ({ name: c.name, height: c.height, width: c.width })),
      ...(options.tactile ?? true ? { tactile: this.tactileSpecs } : {}),
      controlHz: SIM_CONTROL_HZ,
      velocity: true,
      task: true,
    };
    this.reset(options.seed ?? 0);
  }

  readonly model: MjModel;

  /** Number of action / state dimensions (14 for two arms, 7 for one). */
  get actionDim(): number {
    return 7 * this.arms.length;
  }
  get maxReward(): number {
    return this.task.maxReward;
  }
  /** Control ticks since the last reset. */
  get ticks(): number {
    return this.tick;
  }
  /** Highest reward stage reached since the last reset. */
  get episodeReward(): number {
    return this.episodeMaxReward;
  }
  /** ACT's success criterion: the episode's highest reward equals `maxReward`. */
  get success(): boolean {
    return this.episodeMaxReward >= this.task.maxReward;
  }
  /** The episode's instruction (its `task` string), chosen by the reset seed on multi-instruction tasks. */
  get instruction(): string {
    return this.task.instructions[this.instructionIdx]!;
  }
  /** Index of the episode's instruction in `task.instructions`. */
  get instructionIndex(): number {
    return this.instructionIdx;
  }
  /** True once the task's failure condition held (e.g. the wrong object lifted); the reward stays 0 after it. */
  get episodeFailed(): boolean {
    return this.failedLatch;
  }
  /** The MuJoCo data (for experts and renderers that read the simulated state). */
  get mjData(): MjData {
    return this.data;
  }

  /** The features `observe()` emits, by key (LeRobot's input_features), and the action width. */
  observationSpec(): ObservationSpec {
    return withFeatures({ stateDim: this.actionDim, actionDim: this.actionDim, features: [] }, robotFeatures(this.spec));
  }

  async connect(): Promise<void> {
    this.assertOpen();
  }

  /**
   * Resets to ALOHA's start pose with objects placed (and the instruction chosen) from `seed` (ACT's
   * sampling ranges; at the middle of the ranges with `randomize: false`). `options.instruction` (an instruction or its index) overrides the seed's choice.
   */
  reset(seed: number, options: { readonly instruction?: string | number } = {}): void {
    this.assertOpen();
    const { mj, model: m } = this;
    const d = this.data;
    mj.mj_resetData(m, d);
    const rng = new SimRng(seed);
    const qpos = d.qpos as Float64Array;
    const ctrl = d.ctrl as Float64Array;
    for (const arm of this.arms) {
      arm.qposAdr.forEach((a, k) => (qpos[a] = START_ARM_POSE[k]!));
      arm.fingerQposAdr.forEach((a) => (qpos[a] = gripperUnnormalize(START_GRIPPER)));
      arm.ctrl.forEach((c, k) => (ctrl[c] = k < 6 ? START_ARM_POSE[k]! : gripperUnnormalize(START_GRIPPER)));
    }
    for (const o of this.task.sampleObjects(this.options.randomize === false ? new MidpointRng() : rng)) {
      const a = this.objectQposAdr.get(o.body);
      if (a === undefined) throw new Error(`task "${this.task.name}" places "${o.body}", which the scene lacks`);
      qpos.set([o.pos[0], o.pos[1], o.pos[2], 1, 0, 0, 0], a);
    }
    this.instructionIdx = this.task.sampleInstruction?.(rng) ?? 0;
    if (options.instruction !== undefined) this.instructionIdx = instructionIndex(this.task, options.instruction);
    this.failedLatch = false;
    mj.mj_forward(m, d);
    this.tick = 0;
    this.lastReward = this.computeReward();
    this.episodeMaxReward = this.lastReward;
  }

  async observe(): Promise<Observation> {
    return this.observeNow();
  }

  /** Synchronous `observe()`. */
  observeNow(): Observation {
    this.assertOpen();
    const obs: Record<string, unknown> = { [OBSERVATION_STATE]: this.qpos(), [OBSERVATION_VELOCITY]: this.qvel() };
    for (const cam of this.cameras) obs[imageKey(cam.name)] = cam.render(this.data);
    const sd = this.data.sensordata as Float64Array;
    for (const t of this.tactileAdr) {
      const forces = new Float32Array(t.adr.length);
      t.adr.forEach((a, i) => (forces[i] = sd[a]!));
      obs[tactileKey(t.name)] = renderTactileImage(forces, TAXEL_ROWS, TAXEL_COLS, this.tactileScale);
      obs[taxelsKey(t.name)] = forces;
    }
    obs[TASK] = this.instruction;
    obs[TIMESTAMP] = this.tick / SIM_CONTROL_HZ;
    return obs as Observation;
  }

  /** Renders one camera of the scene at any resolution, without changing the observation spec. */
  render(camera: string, height: number, width: number): ImageFrame {
    this.assertOpen();
    const cam = new RayCamera(this.mj, this.model, camera, height, width);
    try {
      return cam.render(this.data);
    } finally {
      cam.delete();
    }
  }

  /** Joint state, per arm: 6 joint angles then the normalised gripper (finger a). */
  qpos(): Float32Array {
    const q = this.data.qpos as Float64Array;
    const out = new Float32Array(this.actionDim);
    this.arms.forEach((arm, i) => {
      arm.qposAdr.forEach((a, k) => (out[7 * i + k] = q[a]!));
      out[7 * i + 6] = gripperNormalize(q[arm.fingerQposAdr[0]!]!);
    });
    return out;
  }

  qvel(): Float32Array {
    const v = this.data.qvel as Float64Array;
    const out = new Float32Array(this.actionDim);
    this.arms.forEach((arm, i) => {
      arm.dofAdr.forEach((a, k) => (out[7 * i + k] = v[a]!));
      out[7 * i + 6] = v[arm.fingerDofAdr[0]!]! / (FINGER_OPEN - FINGER_CLOSED);
    });
    return out;
  }

  async act(action: Action): Promise<void> {
    this.step(action);
  }

  /** Synchronous `act()`: sets the position targets and advances one control tick (10 x 2 ms). */
  step(action: ArrayLike<number>): void {
    this.assertOpen();
    if (action.length !== this.actionDim) {
      throw new Error(`SimRobot(${this.task.name}).act: action has ${action.length} values, expected ${this.actionDim}`);
    }
    const ctrl = this.data.ctrl as Float64Array;
    this.arms.forEach((arm, i) => {
      for (let k = 0; k < 7; k++) {
        const v = action[7 * i + k]!;
        if (!Number.isFinite(v)) throw new Error(`SimRobot(${this.task.name}).act: action[${7 * i + k}] (${this.spec.joints[7 * i + k]!.name}) is ${v}, expected a finite number`);
      }
      for (let k = 0; k < 6; k++) ctrl[arm.ctrl[k]!] = action[7 * i + k]!;
      const g = gripperUnnormalize(Math.min(1, Math.max(0, action[7 * i + 6]!)));
      ctrl[arm.ctrl[6]!] = g;
      ctrl[arm.ctrl[7]!] = g;
    });
    for (let s = 0; s < SIM_SUBSTEPS; s++) this.mj.mj_step(this.model, this.data);
    this.tick++;
    this.lastReward = this.computeReward();
    if (this.lastReward > this.episodeMaxReward) this.episodeMaxReward = this.lastReward;
  }

  /** Reward stage of the current state (ACT's get_reward). */
  reward(): number {
    return this.lastReward;
  }

  /** Arms in action order (left then right; `lift-cube`: right only). */
  get sides(): readonly ArmSide[] {
    return this.arms.map((a) => a.side);
  }

  /** World position of an arm's tool centre point (between the fingertips). */
  tcpPosition(side: ArmSide): [number, number, number] {
    const s = this.mj.mj_name2id(this.model, this.mj.mjtObj.mjOBJ_SITE.value, `${side}_tcp`);
    if (s < 0) throw new Error(`scene "${this.task.name}" has no ${side} arm`);
    const xp = this.data.site_xpos as Float64Array;
    return [xp[3 * s]!, xp[3 * s + 1]!, xp[3 * s + 2]!];
  }

  /** World position of a task object (`box`, `peg`, `socket`). */
  objectPosition(body: string): [number, number, number] {
    const a = this.objectQposAdr.get(body);
    if (a === undefined) throw new Error(`scene "${this.task.name}" has no object "${body}"`);
    const q = this.data.qpos as Float64Array;
    return [q[a]!, q[a + 1]!, q[a + 2]!];
  }

  /** Object poses as ACT's env_state: per object xyz + quat wxyz. */
  envState(): Float64Array {
    const q = this.data.qpos as Float64Array;
    const out: number[] = [];
    for (const a of this.objectQposAdr.values()) for (let k = 0; k < 7; k++) out.push(q[a + k]!);
    return Float64Array.from(out);
  }

  private computeReward(): number {
    const contacts = contactPairs(this.data, this.geomNames);
    const pos = (body: string): [number, number, number] => this.objectPosition(body);
    const episode = { instruction: this.instructionIdx };
    if (!this.failedLatch && this.task.failed?.(contacts, pos, episode)) this.failedLatch = true;
    return this.failedLatch ? 0 : this.task.reward(contacts, pos, episode);
  }

  async disconnect(): Promise<void> {
    this.close();
  }

  /** Frees the model, data and camera buffers (wasm objects are not garbage collected). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.cameras) c.delete();
    this.data.delete();
    this.model.delete();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`SimRobot(${this.task.name}) is disconnected`);
  }
}
