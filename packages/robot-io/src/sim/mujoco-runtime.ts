import loadMujoco from '@mujoco/mujoco';

/** The loaded MuJoCo WebAssembly module (`@mujoco/mujoco`). */
export type MujocoModule = Awaited<ReturnType<typeof loadMujoco>>;
export type MjModel = InstanceType<MujocoModule['MjModel']>;
export type MjData = InstanceType<MujocoModule['MjData']>;

let modulePromise: Promise<MujocoModule> | undefined;

/** Loads the MuJoCo wasm module once per process (about 0.2 s) and shares it. */
export function loadMujocoModule(): Promise<MujocoModule> {
  modulePromise ??= loadMujoco();
  return modulePromise;
}

/** Compiles an MJCF string, naming the scene in the error when MuJoCo rejects it. */
export function compileModel(mj: MujocoModule, xml: string, sceneName: string): MjModel {
  try {
    return mj.MjModel.from_xml_string(xml);
  } catch (err) {
    const msg = typeof err === 'number' ? describeWasmException(mj, err) : String((err as Error)?.message ?? err);
    throw new Error(`MuJoCo could not compile the scene "${sceneName}": ${msg}`);
  }
}

function describeWasmException(mj: MujocoModule, ptr: number): string {
  const m = mj as unknown as { getExceptionMessage?: (p: number) => [string, string] };
  if (typeof m.getExceptionMessage === 'function') return m.getExceptionMessage(ptr).join(': ');
  return `wasm exception ${ptr}`;
}
