import zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type Compressors, type FileMetaData } from 'hyparquet';
import type { ParsedRow } from '../../prompts/importer';
import { LineError } from '../../prompts/lines';
import { RowError } from './containers';

/**
 * Parquet files as dataset records: each row is the JSONL record of its format (the columns are
 * the fields; nested columns, lists and structs, come as JSON arrays and objects), numbered from 1.
 * Read one row group at a time, so memory holds one group (as written by pyarrow/datasets, about
 * 100k rows or less), never the file.
 */

export { RowError } from './containers';

/** Snappy and plain pages hyparquet reads itself; Hugging Face files also use gzip and Zstandard. */
const COMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(zlib.gunzipSync(input)),
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
};

function notParquet(error: unknown): LineError {
  return new LineError(null, `the Parquet file cannot be read (${error instanceof Error ? error.message : String(error)})`);
}

async function open(file: string): Promise<{ buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>; metadata: FileMetaData }> {
  const buffer = await asyncBufferFromFile(file);
  try {
    return { buffer, metadata: await parquetMetadataAsync(buffer) };
  } catch (error) {
    throw notParquet(error);
  }
}

/** The top-level column names of a Parquet file. */
export async function parquetColumnNames(file: string): Promise<string[]> {
  const { metadata } = await open(file);
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/**
 * A Parquet value as JSON would hold it: integers (int64 comes as bigint) as numbers, dates as ms
 * since the epoch, bytes as text; a null field is an absent field (Parquet columns are nullable).
 */
function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}

/** Where a row group's bytes end in the file (its last column chunk's end), for progress. */
function groupEnd(group: FileMetaData['row_groups'][number]): number {
  let end = 0;
  for (const column of group.columns) {
    const meta = column.meta_data;
    if (!meta) continue;
    const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    end = Math.max(end, start + Number(meta.total_compressed_size));
  }
  return end;
}

/** The rows of a Parquet file as records, one batch per row group; `onBytes`: how far into the file the groups read reach. */
export async function* parquetRows(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<ParsedRow[]> {
  const { buffer, metadata } = await open(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors: COMPRESSORS });
    } catch (error) {
      throw new RowError(rowStart + 1, `the row group starting at this row cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
    onBytes?.(groupEnd(group));
    yield rows.map((row, i) => ({ line: rowStart + i + 1, value: toJsonValue(row) }));
    rowStart = rowEnd;
  }
}
