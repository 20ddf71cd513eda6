import { readFile } from 'node:fs/promises';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileAtomic } from '@actfusion/atomic-file';
import { DatasetFormatError, describeError } from './dataset-error.js';

export type ParquetRow = Record<string, unknown>;

/** Read a whole Parquet file as row objects (hyparquet; SNAPPY, ZSTD, GZIP, ... via hyparquet-compressors). */
export async function readParquetRows(file: string, columns?: readonly string[], optional: readonly string[] = []): Promise<ParquetRow[]> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new DatasetFormatError(file, '(file)', `cannot read: ${describeError(err)}`, { cause: err });
  }
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const tail = buf.subarray(Math.max(0, buf.length - 4)).toString('latin1');
  if (buf.length < 12 || buf.subarray(0, 4).toString('latin1') !== 'PAR1' || tail !== 'PAR1') {
    throw new DatasetFormatError(file, 'footer', `not a Parquet file: expected "PAR1" at byte 0 and at the end (file is ${buf.length} bytes; truncated?)`);
  }
  let names: string[];
  try {
    const meta = parquetMetadata(ab);
    names = parquetSchema(meta).children.map((c) => c.element.name);
  } catch (err) {
    throw new DatasetFormatError(file, 'footer', `corrupt Parquet metadata: ${describeError(err)}`, { cause: err });
  }
  for (const c of columns ?? []) {
    if (!names.includes(c)) throw new DatasetFormatError(file, `column ${c}`, `missing (file has ${names.join(', ')})`);
  }
  try {
    const wanted = columns ? [...columns, ...optional.filter((c) => names.includes(c) && !columns.includes(c))] : undefined;
    return (await parquetReadObjects({ file: ab, compressors, ...(wanted ? { columns: wanted } : {}) })) as ParquetRow[];
  } catch (err) {
    throw new DatasetFormatError(file, 'row groups', `corrupt Parquet data: ${describeError(err)}`, { cause: err });
  }
}

/** A column to write: plain scalars, or fixed-length float lists (LeRobot's list<float32>). */
export type ParquetColumn =
  | { readonly name: string; readonly type: 'INT64'; readonly data: readonly number[] }
  | { readonly name: string; readonly type: 'FLOAT' | 'DOUBLE'; readonly data: readonly number[] }
  | { readonly name: string; readonly type: 'STRING'; readonly data: readonly string[] }
  | { readonly name: string; readonly type: 'FLOAT_LIST' | 'DOUBLE_LIST' | 'INT64_LIST'; readonly data: readonly (readonly number[])[] }
  | { readonly name: string; readonly type: 'STRING_LIST'; readonly data: readonly (readonly string[])[] }
  /** list<list<list<double>>>: LeRobot's per-episode image statistics, shape (3, 1, 1) per row. */
  | { readonly name: string; readonly type: 'DOUBLE_LIST3'; readonly data: readonly (readonly (readonly (readonly number[])[])[])[] };

/** Write a Parquet file atomically with hyparquet-writer (SNAPPY). */
export async function writeParquetFile(
  file: string,
  columns: readonly ParquetColumn[],
  kvMetadata?: { key: string; value: string }[],
): Promise<void> {
  const schema: Record<string, unknown>[] = [{ name: 'root', num_children: columns.length }];
  const columnData: { name: string; data: unknown[] }[] = [];
  for (const col of columns) {
    switch (col.type) {
      case 'INT64':
        schema.push({ name: col.name, type: 'INT64', repetition_type: 'OPTIONAL' });
        columnData.push({ name: col.name, data: col.data.map((v) => BigInt(v)) });
        break;
      case 'FLOAT':
      case 'DOUBLE':
        schema.push({ name: col.name, type: col.type, repetition_type: 'OPTIONAL' });
        columnData.push({ name: col.name, data: [...col.data] });
        break;
      case 'STRING':
        schema.push({ name: col.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
        columnData.push({ name: col.name, data: [...col.data] });
        break;
      case 'DOUBLE_LIST3': {
        const list = (name: string) => [
          { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ];
        schema.push(...list(col.name), ...list('element'), ...list('element'), { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' });
        columnData.push({ name: col.name, data: col.data.map((a) => a.map((b) => b.map((c) => [...c]))) });
        break;
      }
      default: {
        const element =
          col.type === 'STRING_LIST'
            ? { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }
            : { name: 'element', type: col.type === 'FLOAT_LIST' ? 'FLOAT' : col.type === 'INT64_LIST' ? 'INT64' : 'DOUBLE', repetition_type: 'OPTIONAL' };
        schema.push(
          { name: col.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          element,
        );
        columnData.push({ name: col.name, data: col.data.map((row) => (col.type === 'INT64_LIST' ? (row as number[]).map((v) => BigInt(v)) : [...row])) });
      }
    }
  }
  const ab = parquetWriteBuffer({
    columnData: columnData as never,
    schema: schema as never,
    ...(kvMetadata ? { kvMetadata } : {}),
  });
  await writeFileAtomic(file, new Uint8Array(ab));
}
