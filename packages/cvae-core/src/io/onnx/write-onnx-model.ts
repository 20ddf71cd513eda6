import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { encodeOnnxModel, type OnnxModel } from './onnx-model.js';

/** Encode `model` and write it to `path` atomically (temp file + rename); returns the byte count. */
export async function writeOnnxModel(path: string, model: OnnxModel): Promise<number> {
  const bytes = encodeOnnxModel(model);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`${path}: cannot write the ONNX model: ${err instanceof Error ? err.message : String(err)}`);
  }
  return bytes.byteLength;
}
