import type { ImageFrame } from '@actfusion/contracts';
import type { MjData, MjModel, MujocoModule } from './mujoco-runtime.js';

/** Light used for Lambert shading: a directional sun plus a headlight from the camera. */
const SUN_DIR = normalise([-0.25, 0.35, -1]); // direction the light travels
const AMBIENT = 0.3;
const SUN = 0.55;
const HEAD = 0.25;
const SKY: readonly [number, number, number] = [178, 196, 214];

function normalise(v: readonly number[]): [number, number, number] {
  const n = Math.hypot(v[0]!, v[1]!, v[2]!);
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}

/**
 * An RGB camera that renders the simulated state by casting one ray per pixel with MuJoCo's own
 * `mj_multiRay` (geom ids, distances and surface normals), colouring each hit with its geom's
 * colour (or material colour) and Lambert shading. Any resolution; the pinhole model follows the
 * MJCF camera (`fovy`, pose from `cam_xpos` / `cam_xmat`, looking along -z with y up).
 */
export class RayCamera {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  private readonly camId: number;
  private readonly nray: number;
  /** Unit ray directions in the camera frame, 3 per pixel. */
  private readonly local: Float64Array;
  private readonly world: Float64Array;
  private readonly geomIds;
  private readonly dists;
  private readonly normals;
  private readonly geomColour: Float32Array;
  private readonly bodyExclude: number;
  private deleted = false;

  constructor(
    private readonly mj: MujocoModule,
    private readonly model: MjModel,
    camera: string,
    height: number,
    width: number,
  ) {
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
      throw new Error(`camera "${camera}": height and width must be positive integers, got ${height}x${width}`);
    }
    this.camId = mj.mj_name2id(model, mj.mjtObj.mjOBJ_CAMERA.value, camera);
    if (this.camId < 0) throw new Error(`camera "${camera}" is not in the scene (MJCF <camera name="${camera}">)`);
    this.name = camera;
    this.height = height;
    this.width = width;
    this.nray = height * width;
    const fovy = (model.cam_fovy[this.camId] as number) * (Math.PI / 180);
    const f = 0.5 * height / Math.tan(fovy / 2);
    this.local = new Float64Array(3 * this.nray);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const x = c + 0.5 - width / 2;
        const y = height / 2 - (r + 0.5);
        const n = Math.hypot(x, y, f);
        const i = 3 * (r * width + c);
        this.local[i] = x / n;
        this.local[i + 1] = y / n;
        this.local[i + 2] = -f / n;
      }
    }
    this.world = new Float64Array(3 * this.nray);
    this.geomIds = new mj.IntBuffer(this.nray);
    this.dists = new mj.DoubleBuffer(this.nray);
    this.normals = new mj.DoubleBuffer(3 * this.nray);
    // Wrist cameras must not see their own mount from the inside: exclude the camera's body.
    const body = model.cam_bodyid[this.camId] as number;
    this.bodyExclude = body > 0 ? body : -1;
    const ngeom = model.ngeom;
    this.geomColour = new Float32Array(3 * ngeom);
    const rgba = model.geom_rgba as Float32Array;
    const matid = model.geom_matid as Int32Array;
    const matRgba = model.mat_rgba as Float32Array;
    for (let g = 0; g < ngeom; g++) {
      const m = matid[g]!;
      for (let k = 0; k < 3; k++) this.geomColour[3 * g + k] = m >= 0 ? matRgba[4 * m + k]! : rgba[4 * g + k]!;
    }
  }

  /** Renders the current state of `data` (positions must be up to date: after mj_step or mj_forward). */
  render(data: MjData, out?: Uint8Array): ImageFrame {
    if (this.deleted) throw new Error('RayCamera.render after delete()');
    const n = this.nray;
    const pixels = out ?? new Uint8Array(3 * n);
    if (pixels.length !== 3 * n) throw new Error(`render: output buffer has ${pixels.length} bytes, expected ${3 * n}`);
    const xm = data.cam_xmat as Float64Array;
    const xp = data.cam_xpos as Float64Array;
    const o = 9 * this.camId;
    const r00 = xm[o]!, r01 = xm[o + 1]!, r02 = xm[o + 2]!;
    const r10 = xm[o + 3]!, r11 = xm[o + 4]!, r12 = xm[o + 5]!;
    const r20 = xm[o + 6]!, r21 = xm[o + 7]!, r22 = xm[o + 8]!;
    const pnt = [xp[3 * this.camId]!, xp[3 * this.camId + 1]!, xp[3 * this.camId + 2]!];
    const L = this.local;
    const W = this.world;
    for (let i = 0; i < 3 * n; i += 3) {
      const x = L[i]!, y = L[i + 1]!, z = L[i + 2]!;
      W[i] = r00 * x + r01 * y + r02 * z;
      W[i + 1] = r10 * x + r11 * y + r12 * z;
      W[i + 2] = r20 * x + r21 * y + r22 * z;
    }
    this.mj.mj_multiRay(
      this.model,
      data,
      pnt,
      W as unknown as number[],
      null as unknown as number[],
      true,
      this.bodyExclude,
      this.geomIds,
      this.dists,
      this.normals,
      n,
      50,
    );
    // Views are re-read after the call: the wasm heap may have grown and detached older views.
    const ids = this.geomIds.GetView() as Int32Array;
    const nrm = this.normals.GetView() as Float64Array;
    const col = this.geomColour;
    for (let p = 0; p < n; p++) {
      const g = ids[p]!;
      const q = 3 * p;
      if (g < 0) {
        pixels[q] = SKY[0];
        pixels[q + 1] = SKY[1];
        pixels[q + 2] = SKY[2];
        continue;
      }
      const nx = nrm[q]!, ny = nrm[q + 1]!, nz = nrm[q + 2]!;
      const sun = -(nx * SUN_DIR[0] + ny * SUN_DIR[1] + nz * SUN_DIR[2]);
      const head = -(nx * W[q]! + ny * W[q + 1]! + nz * W[q + 2]!);
      const shade = AMBIENT + SUN * (sun > 0 ? sun : 0) + HEAD * (head > 0 ? head : 0);
      for (let k = 0; k < 3; k++) {
        const v = col[3 * g + k]! * shade * 255;
        pixels[q + k] = v > 255 ? 255 : v;
      }
    }
    return { height: this.height, width: this.width, data: pixels };
  }

  /** Frees the wasm buffers. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.geomIds.delete();
    this.dists.delete();
    this.normals.delete();
  }
}
