import type { MjData, MjModel, MujocoModule } from './mujoco-runtime.js';
import { ARM_JOINT_LIMITS, ARM_JOINT_NAMES, type ArmSide } from './scene.js';

export type Vec3 = readonly [number, number, number];

/** A gripper pose target: tool-centre-point position, pointing axis (gripper x) and finger closing axis (gripper y). */
export interface GripperPose {
  readonly pos: Vec3;
  readonly point: Vec3;
  readonly close: Vec3;
}

/** Rotation matrix (row-major) whose columns are the gripper axes: x = point, y = close (orthogonalised), z = x cross y. */
export function gripperFrame(point: Vec3, close: Vec3): number[] {
  const x = unit(point);
  const d = x[0] * close[0] + x[1] * close[1] + x[2] * close[2];
  const y = unit([close[0] - d * x[0], close[1] - d * x[1], close[2] - d * x[2]]);
  const z: Vec3 = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
  return [x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]];
}

export function unit(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (!(n > 1e-12)) throw new Error(`cannot normalise a zero vector`);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/**
 * Damped-least-squares inverse kinematics of one arm's tool centre point (site `<side>_tcp`), on a
 * scratch MjData so the simulation is untouched. Solves position and orientation (6-D) for the six
 * arm joints, within joint limits.
 */
export class ArmIk {
  private readonly data: MjData;
  private readonly qposAdr: number[];
  private readonly dofAdr: number[];
  private readonly site: number;
  private readonly jacp;
  private readonly jacr;
  private readonly nv: number;

  constructor(
    private readonly mj: MujocoModule,
    private readonly model: MjModel,
    side: ArmSide,
  ) {
    this.data = new mj.MjData(model);
    const jid = (n: string): number => {
      const i = mj.mj_name2id(model, mj.mjtObj.mjOBJ_JOINT.value, n);
      if (i < 0) throw new Error(`ArmIk: no joint "${n}" in the scene`);
      return i;
    };
    const joints = ARM_JOINT_NAMES.map((j) => jid(`${side}_${j}`));
    this.qposAdr = joints.map((j) => (model.jnt_qposadr as Int32Array)[j]!);
    this.dofAdr = joints.map((j) => (model.jnt_dofadr as Int32Array)[j]!);
    this.site = mj.mj_name2id(model, mj.mjtObj.mjOBJ_SITE.value, `${side}_tcp`);
    if (this.site < 0) throw new Error(`ArmIk: no site "${side}_tcp" in the scene`);
    this.nv = model.nv;
    this.jacp = new mj.DoubleBuffer(3 * this.nv);
    this.jacr = new mj.DoubleBuffer(3 * this.nv);
  }

  /** Tool-centre-point position and frame (row-major 3x3) for joint angles `q`. */
  forward(q: readonly number[]): { pos: Vec3; mat: number[] } {
    const qp = this.data.qpos as Float64Array;
    this.qposAdr.forEach((a, k) => (qp[a] = q[k]!));
    this.mj.mj_kinematics(this.model, this.data);
    const xp = this.data.site_xpos as Float64Array;
    const xm = this.data.site_xmat as Float64Array;
    const s = this.site;
    return { pos: [xp[3 * s]!, xp[3 * s + 1]!, xp[3 * s + 2]!], mat: Array.from(xm.subarray(9 * s, 9 * s + 9)) };
  }

  /** Joint angles reaching `target`, starting from `seed`; returns the best found and its residual. */
  solve(target: GripperPose, seed: readonly number[], iterations = 30): { q: number[]; posError: number; rotError: number } {
    const R = gripperFrame(target.point, target.close);
    const q = seed.slice(0, 6);
    let posError = Infinity;
    let rotError = Infinity;
    for (let it = 0; it < iterations; it++) {
      const { pos, mat } = this.forward(q);
      const e = [target.pos[0] - pos[0], target.pos[1] - pos[1], target.pos[2] - pos[2], 0, 0, 0];
      // Orientation error: 0.5 * sum_i (current column i) x (target column i).
      for (let c = 0; c < 3; c++) {
        const a = [mat[c]!, mat[3 + c]!, mat[6 + c]!];
        const b = [R[c]!, R[3 + c]!, R[6 + c]!];
        e[3] += 0.5 * (a[1]! * b[2]! - a[2]! * b[1]!);
        e[4] += 0.5 * (a[2]! * b[0]! - a[0]! * b[2]!);
        e[5] += 0.5 * (a[0]! * b[1]! - a[1]! * b[0]!);
      }
      posError = Math.hypot(e[0]!, e[1]!, e[2]!);
      rotError = Math.hypot(e[3]!, e[4]!, e[5]!);
      if (posError < 2e-4 && rotError < 1e-3) break;
      this.mj.mj_comPos(this.model, this.data);
      this.mj.mj_jacSite(this.model, this.data, this.jacp, this.jacr, this.site);
      const jp = this.jacp.GetView() as Float64Array;
      const jr = this.jacr.GetView() as Float64Array;
      const J: number[][] = [];
      for (let r = 0; r < 3; r++) J.push(this.dofAdr.map((d) => jp[r * this.nv + d]!));
      for (let r = 0; r < 3; r++) J.push(this.dofAdr.map((d) => 0.5 * jr[r * this.nv + d]!));
      const ew = [e[0]!, e[1]!, e[2]!, 0.5 * e[3]!, 0.5 * e[4]!, 0.5 * e[5]!];
      // dq = J^T (J J^T + lambda^2 I)^-1 e
      const lambda2 = 1e-4;
      const A = J.map((ri, i) => J.map((rj, j) => ri.reduce((s, v, k) => s + v * rj[k]!, 0) + (i === j ? lambda2 : 0)));
      const y = solveLinear(A, ew);
      for (let k = 0; k < 6; k++) {
        let dq = 0;
        for (let r = 0; r < 6; r++) dq += J[r]![k]! * y[r]!;
        dq = Math.max(-0.3, Math.min(0.3, dq));
        const [lo, hi] = ARM_JOINT_LIMITS[k]!;
        q[k] = Math.min(hi, Math.max(lo, q[k]! + dq));
      }
    }
    return { q, posError, rotError };
  }

  delete(): void {
    this.jacp.delete();
    this.jacr.delete();
    this.data.delete();
  }
}

/** Gaussian elimination with partial pivoting (small dense systems). */
function solveLinear(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / piv;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}
