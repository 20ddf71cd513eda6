/**
 * The free objects of each task's scene (MJCF bodies with a free joint) and the static props around
 * them, plus the heights the reward stages measure from.
 */
import { f, v3 } from './mjcf-format.js';
import type { SimTaskName } from './sim-task-name.js';

const GRIP = 'friction="1.5 0.05 0.001" condim="4"';

/** Half edge of the 4 cm cubes. */
export const CUBE_HALF = 0.02;

/** A 4 cm, 50 g cube (ACT's red_box): body `body`, geom `geom`. */
function cubeXml(body: string, geom: string, rgba: string): string {
  return `<body name="${body}" pos="0.1 0.5 0.05">
  <freejoint name="${body}"/>
  <geom name="${geom}" type="box" size="${v3(CUBE_HALF, CUBE_HALF, CUBE_HALF)}" mass="0.05" rgba="${rgba}" ${GRIP}/>
</body>`;
}

export const RED = '0.85 0.1 0.1 1';
export const BLUE = '0.1 0.25 0.85 1';

/** Peg: 12 x 2 x 2 cm (ACT's red_peg). Socket: a square tube along x (4 walls) closed by the `pin` at its -x end. */
export const SOCKET_HALF_LEN = 0.04;
export const SOCKET_INNER = 0.0135;
const SOCKET_WALL = 0.004;
const PEG_HALF = [0.06, 0.01, 0.01] as const;
const PEG_XML = `<body name="peg" pos="0.15 0.5 0.05">
  <freejoint name="peg"/>
  <geom name="red_peg" type="box" size="${v3(...PEG_HALF)}" mass="0.03" rgba="${RED}" ${GRIP}/>
</body>`;
function socketXml(): string {
  const L = SOCKET_HALF_LEN;
  const o = SOCKET_INNER + SOCKET_WALL; // wall centre offset
  const w = SOCKET_INNER + 2 * SOCKET_WALL; // wall half width
  const blue = '0.1 0.25 0.8 1';
  return `<body name="socket" pos="-0.15 0.5 0.05">
  <freejoint name="socket"/>
  <geom name="socket-1" type="box" pos="0 0 ${f(-o)}" size="${v3(L, w, SOCKET_WALL)}" mass="0.02" rgba="${blue}" ${GRIP}/>
  <geom name="socket-2" type="box" pos="0 0 ${f(o)}" size="${v3(L, w, SOCKET_WALL)}" mass="0.02" rgba="${blue}" ${GRIP}/>
  <geom name="socket-3" type="box" pos="0 ${f(o)} 0" size="${v3(L, SOCKET_WALL, SOCKET_INNER)}" mass="0.02" rgba="${blue}" ${GRIP}/>
  <geom name="socket-4" type="box" pos="0 ${f(-o)} 0" size="${v3(L, SOCKET_WALL, SOCKET_INNER)}" mass="0.02" rgba="${blue}" ${GRIP}/>
  <geom name="pin" type="box" pos="${f(-L + 0.006)} 0 0" size="${v3(0.006, SOCKET_INNER, SOCKET_INNER)}" mass="0.005" rgba="0.95 0.8 0.1 1"/>
</body>`;
}

/**
 * occluded-pick: two blocks with the same 4 x 4 cm footprint, one 5 cm tall and one 2.5 cm tall,
 * under an opaque cover. Same width, so a closed gripper stops at the same opening on either; same
 * colour, so even without the cover only their height would tell them apart.
 */
export const TALL_BLOCK_HALF_HEIGHT = 0.025;
export const SHORT_BLOCK_HALF_HEIGHT = 0.0125;
const BLOCK_RGBA = '0.2 0.6 0.3 1';
function blockXml(body: string, halfHeight: number): string {
  return `<body name="${body}" pos="0.1 0.5 ${f(halfHeight + 0.005)}">
  <freejoint name="${body}"/>
  <geom name="${body}" type="box" size="${v3(CUBE_HALF, CUBE_HALF, halfHeight)}" mass="0.05" rgba="${BLOCK_RGBA}" ${GRIP}/>
</body>`;
}

/** The cover over occluded-pick's two block slots: a box seen by every camera and felt by nothing. */
export const COVER_CENTER = [0.1, 0.5, 0.045] as const;
export const COVER_HALF = [0.12, 0.08, 0.045] as const;
/**
 * `contype`/`conaffinity` 0: no contacts, so the arm reaches through it and the physics is the same
 * as without it; rays (`mj_multiRay`, the cameras) still hit it, so nothing under it is ever seen.
 * A stand-in for a cloth the hand reaches under.
 */
const COVER_XML = `<geom name="cover" type="box" pos="${v3(...COVER_CENTER)}" size="${v3(...COVER_HALF)}" rgba="0.78 0.76 0.7 1" contype="0" conaffinity="0"/>`;

/** Centre height of each free body when it rests on the table (the reference of every "lifted N cm" stage). */
export const REST_HEIGHT: Readonly<Record<string, number>> = {
  box: CUBE_HALF,
  blue_box: CUBE_HALF,
  peg: PEG_HALF[2],
  socket: SOCKET_INNER + 2 * SOCKET_WALL,
  tall_block: TALL_BLOCK_HALF_HEIGHT,
  short_block: SHORT_BLOCK_HALF_HEIGHT,
};

/** Height of a body's centre above its resting height on the table (m). */
export function heightGained(body: string, z: number): number {
  const rest = REST_HEIGHT[body];
  if (rest === undefined) throw new Error(`no resting height for object "${body}"`);
  return z - rest;
}

/** The objects (and props) of a task's scene, as MJCF worldbody children. */
export function taskObjectsXml(task: SimTaskName): string {
  switch (task) {
    case 'insertion':
      return PEG_XML + socketXml();
    case 'lift-colored-cube':
      return cubeXml('box', 'red_box', RED) + cubeXml('blue_box', 'blue_box', BLUE);
    case 'occluded-pick':
      return blockXml('tall_block', TALL_BLOCK_HALF_HEIGHT) + blockXml('short_block', SHORT_BLOCK_HALF_HEIGHT) + COVER_XML;
    case 'transfer-cube':
    case 'lift-cube':
      return cubeXml('box', 'red_box', RED);
  }
}

/**
 * Contact overrides of a task's scene (MJCF `<contact>`), or ''. occluded-pick: the blocks slide on
 * the table almost freely (friction 0.05), so a closing gripper centres them instead of pushing
 * against table friction: the grip then loads the arm the same way whatever the hidden placement.
 */
export function taskContactXml(task: SimTaskName): string {
  if (task !== 'occluded-pick') return '';
  const slide = (body: string): string =>
    `<exclude body1="world" body2="${body}"/><pair geom1="table" geom2="${body}" condim="3" friction="0.05 0.05 0.005 0.0001 0.0001"/>`;
  return `<contact>${slide('tall_block')}${slide('short_block')}</contact>`;
}
