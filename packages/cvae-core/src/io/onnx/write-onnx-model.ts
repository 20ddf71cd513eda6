import { writeFileAtomic } from '@actfusion/atomic-file';
import { encodeOnnxModel, type OnnxModel } from './onnx-model.js';

/** Encode `model` and write it to `path` atomically (temp file + rename); returns the byte count. */
export async function writeOnnxModel(path: string, model: OnnxModel): Promise<number> {
  const bytes = encodeOnnxModel(model);
  await writeFileAtomic(path, bytes);
  return bytes.byteLength;
}
