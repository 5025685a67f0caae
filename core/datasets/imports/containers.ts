import fs from 'node:fs';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import type { ByteSource } from '../../prompts/lines';
import { LineError } from '../../prompts/lines';

/** A problem of one Parquet row: details.line holds the row number and the message says "row N". */
export class RowError extends LineError {
  constructor(row: number, reason: string) {
    super(row, reason);
    this.message = `row ${row}: ${reason}`;
  }
}

/**
 * How a dataset file is packed, told by its first bytes (not its name), as Hugging Face datasets
 * ship them: gzip (1f 8b), Zstandard (28 b5 2f fd), Parquet ("PAR1"), or plain text.
 */
export type Container = 'plain' | 'gzip' | 'zstd' | 'parquet';

export function containerOf(head: Uint8Array): Container {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet';
  return 'plain';
}

/** The container of a file; 'plain' when it cannot be read (the importer then says why). */
export function containerOfFile(file: string): Container {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    return containerOf(head.subarray(0, n));
  } catch {
    return 'plain';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A file name without its compression suffix (`a.jsonl.gz` → `a.jsonl`): what its inner format is named by. */
export function innerName(name: string): string {
  return name.replace(/\.(gz|gzip|zst|zstd)$/i, '');
}

/** How an importer reads a file: its container, and for gzip/Zstandard the decompressed bytes. */
export interface PackedFile {
  container: Container;
  /** The decompressed bytes of a gzip or Zstandard file (opens nothing until read); undefined otherwise. */
  openSource: (() => ByteSource) | undefined;
  /** The name its inner format goes by: without .gz/.zst for compressed files. */
  innerName: string;
  /** The error of record N: `row N` in a Parquet file, `line N` otherwise. */
  atRecord(line: number, reason: string): LineError;
}

/** A file's packing told by its bytes (whatever its name), ready for importFileInTransaction. */
export function packedFile(file: string, displayName: string): PackedFile {
  const container = containerOfFile(file);
  const atRecord = (line: number, reason: string) => (container === 'parquet' ? new RowError(line, reason) : new LineError(line, reason));
  if (container === 'gzip' || container === 'zstd') {
    return { container, openSource: () => decompressedSource(file, container), innerName: innerName(displayName), atRecord };
  }
  return { container, openSource: undefined, innerName: displayName, atRecord };
}

const NAMES: Record<'gzip' | 'zstd', string> = { gzip: 'gzip (.gz)', zstd: 'Zstandard (.zst)' };

function damaged(container: 'gzip' | 'zstd', error: unknown): LineError {
  const why = error instanceof Error ? error.message : String(error);
  return new LineError(null, `the ${NAMES[container]} data is damaged or cut short (${why})`);
}

/**
 * The decompressed bytes of a gzip or Zstandard file, streamed (one read chunk in memory at a time).
 * Nothing is opened until the chunks are read. Damaged or truncated data is a LineError (the file
 * fails whole); `consumed()` counts compressed bytes, for progress against the file's size.
 */
export function decompressedSource(file: string, container: 'gzip' | 'zstd'): ByteSource {
  let consumed = 0;
  let raw: fs.ReadStream | null = null;
  let gunzip: zlib.Gunzip | null = null;
  let closed = false;
  const open = () => {
    raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    raw.on('data', (c) => (consumed += c.length));
    return raw;
  };

  async function* gzipChunks(): AsyncGenerator<Buffer> {
    const input = open();
    // Gunzip reads concatenated members too (as `gzip -c a b > c` makes).
    gunzip = zlib.createGunzip({ chunkSize: 1 << 16 });
    input.on('error', (error) => gunzip?.destroy(error));
    input.pipe(gunzip);
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).syscall) throw error; // the file itself: "cannot be read"
      throw damaged('gzip', error);
    }
  }

  async function* zstdChunks(): AsyncGenerator<Buffer> {
    const input = open();
    let out: Uint8Array[] = [];
    const decoder = new Decompress((data) => {
      out.push(data);
    });
    const take = () => {
      const ready = out;
      out = [];
      return ready;
    };
    let sawData = false;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      sawData = true;
      try {
        decoder.push(chunk);
      } catch (error) {
        throw damaged('zstd', error);
      }
      for (const piece of take()) yield Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    }
    try {
      if (sawData) decoder.push(new Uint8Array(0), true);
    } catch (error) {
      throw damaged('zstd', error);
    }
    for (const piece of take()) yield Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  }

  return {
    chunks: container === 'gzip' ? gzipChunks() : zstdChunks(),
    consumed: () => consumed,
    close: () => {
      if (closed) return;
      closed = true;
      (gunzip as zlib.Gunzip | null)?.destroy();
      (raw as fs.ReadStream | null)?.destroy();
    },
  };
}

/**
 * Up to `maxBytes` of a file's text as its format detection reads it: decompressed for gzip and
 * Zstandard; for Parquet, one JSON line naming its columns (`{"chosen": null, …}`), so the same
 * key-based detection applies. null when the file cannot be read.
 */
export async function textHead(file: string, maxBytes: number): Promise<string | null> {
  const container = containerOfFile(file);
  try {
    if (container === 'parquet') {
      const { parquetColumnNames } = await import('./parquet');
      const names = await parquetColumnNames(file);
      return JSON.stringify(Object.fromEntries(names.map((n) => [n, null])));
    }
    if (container === 'plain') {
      const fd = fs.openSync(file, 'r');
      try {
        const buffer = Buffer.alloc(maxBytes);
        const n = fs.readSync(fd, buffer, 0, maxBytes, 0);
        return buffer.subarray(0, n).toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    }
    const source = decompressedSource(file, container);
    const parts: Buffer[] = [];
    let length = 0;
    try {
      for await (const chunk of source.chunks) {
        parts.push(chunk);
        length += chunk.length;
        if (length >= maxBytes) break;
      }
    } catch {
      // A damaged stream: detect from what came out before it; the import says what is wrong.
    } finally {
      source.close();
    }
    return Buffer.concat(parts).subarray(0, maxBytes).toString('utf8');
  } catch {
    return null;
  }
}
