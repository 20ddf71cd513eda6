import { execFileSync } from 'node:child_process';
import type { ImageFrame } from '@actfusion/contracts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng, writePng } from '../src/sim/png.js';
import { SimRobot } from '../src/sim/sim-robot.js';

/** Pixel (row, col) where the top camera (at (0, 0.6, 0.8), looking down, fovy 78) sees a world point. */
function projectTop(p: readonly number[], h: number, w: number): [number, number] {
  const f = (0.5 * h) / Math.tan((78 / 2) * (Math.PI / 180));
  const depth = 0.8 - p[2]!;
  return [Math.floor(h / 2 - (f * (p[1]! - 0.6)) / depth), Math.floor(w / 2 + (f * p[0]!) / depth)];
}

describe('RayCamera on the simulated scene', () => {
  let robot: SimRobot;
  beforeAll(async () => {
    robot = await SimRobot.create({ task: 'transfer-cube', cameras: [{ name: 'top', height: 48, width: 64 }, { name: 'right_wrist', height: 6, width: 10 }] });
  });
  afterAll(() => robot.close());

  it('renders the red cube where the top camera projects it, on a brown table', async () => {
    for (const seed of [0, 5]) {
      robot.reset(seed);
      for (let i = 0; i < 25; i++) robot.step(robot.qpos()); // let the cube fall onto the table
      const obs = await robot.observe();
      const top = obs['observation.images.top'] as ImageFrame;
      expect([top.height, top.width, top.data.length]).toEqual([48, 64, 48 * 64 * 3]);
      const [r, c] = projectTop(robot.objectPosition('box'), 48, 64);
      const i = 3 * (r * 64 + c);
      const [R, G, B] = [top.data[i]!, top.data[i + 1]!, top.data[i + 2]!];
      expect(R).toBeGreaterThan(120);
      expect(G).toBeLessThan(60);
      expect(B).toBeLessThan(60);
      // Table away from the cube and the arms: brown (r > g > b).
      const [tr, tc] = projectTop([0, 0.8, 0], 48, 64);
      const j = 3 * (tr * 64 + tc);
      expect(top.data[j]!).toBeGreaterThan(top.data[j + 1]!);
      expect(top.data[j + 1]!).toBeGreaterThan(top.data[j + 2]!);
      expect((obs['observation.images.right_wrist'] as ImageFrame).data.length).toBe(6 * 10 * 3);
    }
  });

  it('front_close frames the cube\'s spawn area: the cube covers well over twice the pixels it does from angle', () => {
    const red = (f: ImageFrame): number => {
      let n = 0;
      for (let i = 0; i < f.data.length; i += 3) if (f.data[i]! > 120 && f.data[i + 1]! < 60 && f.data[i + 2]! < 60) n++;
      return n;
    };
    for (const seed of [0, 3, 7]) {
      robot.reset(seed);
      for (let i = 0; i < 25; i++) robot.step(robot.qpos());
      const angle = red(robot.render('angle', 48, 64));
      const close = red(robot.render('front_close', 48, 64));
      expect(angle).toBeGreaterThan(0);
      expect(close).toBeGreaterThanOrEqual(2.5 * angle);
    }
  });

  it('renders any resolution on request and names an unknown camera', () => {
    const f = robot.render('angle', 5, 7);
    expect([f.height, f.width, f.data.length]).toEqual([5, 7, 105]);
    expect(() => robot.render('cam_high', 4, 4)).toThrow(/camera "cam_high" is not in the scene/);
    expect(() => robot.render('top', 0, 4)).toThrow(/positive integers/);
  });

  it('writes a PNG that zlib and ffmpeg decode back to the same pixels', () => {
    robot.reset(1);
    const frame = robot.render('top', 12, 16);
    const png = encodePng(frame);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([16, 12]);
    const idatLen = png.readUInt32BE(33);
    expect(png.toString('ascii', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe(12 * (1 + 16 * 3));
    expect(raw.subarray(1, 1 + 48)).toEqual(Buffer.from(frame.data.subarray(0, 48)));
    const dir = mkdtempSync(join(tmpdir(), 'sim-png-'));
    try {
      const file = join(dir, 'top.png');
      writePng(file, frame);
      const decoded = execFileSync('ffmpeg', ['-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 20 });
      expect(Buffer.compare(decoded, Buffer.from(frame.data))).toBe(0);
      expect(readFileSync(file).length).toBe(png.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => encodePng({ height: 2, width: 2, data: new Uint8Array(5) })).toThrow(/5 bytes for a 2x2 RGB frame/);
  });
});
