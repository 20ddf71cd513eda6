import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Camera, ffmpegArgs } from '../src/camera/camera.js';

const run = promisify(execFile);

/** The same frames decoded by a separate one-shot ffmpeg, for comparison. */
async function reference(input: string, w: number, h: number, frames: number): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', input, '-frames:v', String(frames), '-vf', `scale=${w}:${h}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  return stdout;
}

describe('Camera (ffmpeg)', () => {
  it('builds V4L2 and input-spec command lines from the same options', () => {
    const dev = ffmpegArgs({ name: 'cam_high', source: '/dev/video0', width: 640, height: 480, inputFormat: 'mjpeg' });
    expect(dev.join(' ')).toContain('-f v4l2 -fflags nobuffer -framerate 30 -video_size 640x480 -input_format mjpeg -i /dev/video0');
    const gen = ffmpegArgs({ name: 'top', source: 'lavfi:testsrc=size=320x240:rate=30', width: 128, height: 96, realtime: true });
    expect(gen.join(' ')).toContain('-re -f lavfi -i testsrc=size=320x240:rate=30');
    expect(gen.slice(-7).join(' ')).toBe('-vf scale=128:96 -pix_fmt rgb24 -f rawvideo pipe:1');
    expect(ffmpegArgs({ name: 'f', source: 'episode.mp4', width: 8, height: 8 }).join(' ')).toContain('-i episode.mp4');
  });

  it('streams the testsrc frames byte-identical to a one-shot ffmpeg decode, scaled', async () => {
    const spec = 'testsrc=size=320x240:rate=25';
    const cam = new Camera({ name: 'top', source: `lavfi:${spec}`, width: 64, height: 48, maxFrames: 6 });
    const expected = await reference(spec, 64, 48, 6);
    await cam.start();
    const got: Uint8Array[] = [];
    for await (const frame of cam.frames()) {
      expect(frame).toMatchObject({ width: 64, height: 48 });
      got.push(frame.data);
    }
    expect(got).toHaveLength(6);
    expect(Buffer.concat(got).equals(expected)).toBe(true);
    expect(Buffer.from(got[0]!).equals(Buffer.from(got[5]!))).toBe(false); // the pattern moves
    expect(cam.stats.framesRead).toBe(6);
  });

  it('keeps the latest frame of a live (real-time) source and stops ffmpeg', async () => {
    const cam = new Camera({ name: 'top', source: 'lavfi:testsrc=size=128x96:rate=30', width: 128, height: 96, realtime: true });
    await cam.start();
    const first = await cam.latestFrame();
    const second = await cam.next();
    expect(first.data).toHaveLength(128 * 96 * 3);
    expect(second).not.toBe(first);
    expect(await cam.latestFrame()).toBe(second);
    await cam.stop();
    expect(cam.running).toBe(false);
    const err = await cam.next().catch((e: Error) => e);
    expect(String(err)).toMatch(/camera top \(lavfi:testsrc=size=128x96:rate=30\): stopped/);
  });

  it('names the device when a V4L2 camera cannot be opened', async () => {
    const cam = new Camera({ name: 'cam_low', source: '/dev/video-actfusion-missing', width: 64, height: 48 });
    await cam.start();
    await expect(cam.latestFrame()).rejects.toThrow(/camera cam_low \(\/dev\/video-actfusion-missing\): ffmpeg exited \(code \d+\).*video-actfusion-missing/s);
  });
});
