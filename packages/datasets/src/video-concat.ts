import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { commitTemporary, temporaryPathFor } from '@actfusion/atomic-file';

/**
 * Append `addition` to the MP4 `target` without re-encoding (ffmpeg's concat demuxer with
 * `-c copy`, as LeRobot's `concat_video_files` does). The result goes to a temporary file that
 * replaces `target` only once ffmpeg succeeded, so the earlier episodes in `target` stay readable.
 */
export async function appendVideo(target: string, addition: string): Promise<void> {
  const list = temporaryPathFor(target, '.concat.txt');
  const out = temporaryPathFor(target, '.tmp.mp4');
  const quote = (p: string) => `file '${p.replace(/'/g, "'\\''")}'`;
  await writeFile(list, `${quote(target)}\n${quote(addition)}\n`);
  try {
    const child = spawn('ffmpeg', ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-f', 'mp4', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`${target}: ffmpeg could not append ${addition} (code ${code}): ${stderr.trim()}`);
    await commitTemporary(out, target);
  } finally {
    await rm(list, { force: true });
    await rm(out, { force: true });
  }
}
