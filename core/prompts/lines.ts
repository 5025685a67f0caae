import fs from 'node:fs';

/** A physical line of a file: its 1-based number and its text, decoded as strict UTF-8. */
export interface Line {
  number: number;
  text: string;
}

/** A problem that belongs to one line of the input; the importer turns it into `file line N: …`. */
export class LineError extends Error {
  constructor(
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? reason : `line ${line}: ${reason}`);
    this.name = 'LineError';
  }
}

export interface ReadLinesOptions {
  /** A line longer than this is refused rather than buffered: memory stays bounded whatever the file. */
  maxLineBytes: number;
  onBytes?: (bytesRead: number) => void;
  signal?: AbortSignal;
  /** The bytes to split instead of the file's own (a decompressor over it); onBytes then reports `consumed()`. */
  source?: ByteSource;
}

/** A stream of bytes read from a file (decompressed, say); `consumed()`: how many bytes of the file it has read. */
export interface ByteSource {
  chunks: AsyncIterable<Buffer>;
  consumed(): number;
  close(): void;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Reads a file as lines of strict UTF-8 without ever holding more than one line (plus one read chunk)
 * in memory. Invalid UTF-8 and oversized lines are reported with their line number; a leading BOM
 * and `\r\n` endings are accepted. Lines come in batches, one per chunk read (about 1 MiB), so a
 * caller pays one `await` per chunk rather than one per line.
 */
export async function* readLineBatches(file: string, options: ReadLinesOptions): AsyncGenerator<Line[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const stream = options.source ? null : fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const chunks: AsyncIterable<Buffer> = options.source ? options.source.chunks : (stream as AsyncIterable<Buffer>);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNumber = 0;
  let bytesRead = 0;

  const decode = (bytes: Buffer, number: number): string => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end--;
    try {
      return decoder.decode(bytes.subarray(0, end));
    } catch {
      throw new LineError(number, 'the line is not valid UTF-8 (save the file as UTF-8 and import it again)');
    }
  };
  const tooLong = (number: number) =>
    new LineError(number, `the line is longer than the ${Math.round(options.maxLineBytes / 1024)} KiB limit`);

  try {
    for await (const chunk of chunks) {
      options.signal?.throwIfAborted();
      bytesRead += chunk.length;
      const batch: Line[] = [];
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        lineNumber++;
        const piece = chunk.subarray(start, nl);
        if (pendingBytes + piece.length > options.maxLineBytes) {
          // The lines before it are still delivered, so errors keep the order of the file.
          if (batch.length > 0) yield batch;
          throw tooLong(lineNumber);
        }
        const bytes = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        pendingBytes = 0;
        let text: string;
        try {
          text = decode(bytes, lineNumber);
        } catch (error) {
          if (batch.length > 0) yield batch;
          throw error;
        }
        batch.push({ number: lineNumber, text });
        start = nl + 1;
      }
      if (batch.length > 0) yield batch;
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        if (pendingBytes + rest.length > options.maxLineBytes) throw tooLong(lineNumber + 1);
        pending.push(rest);
        pendingBytes += rest.length;
      }
      options.onBytes?.(options.source ? options.source.consumed() : bytesRead);
    }
    if (pendingBytes > 0) {
      lineNumber++;
      yield [{ number: lineNumber, text: decode(Buffer.concat(pending), lineNumber) }];
    }
  } finally {
    if (stream) stream.destroy();
    else options.source!.close();
  }
}

/** The lines of a file one at a time; see readLineBatches. */
export async function* readLines(file: string, options: ReadLinesOptions): AsyncGenerator<Line> {
  for await (const batch of readLineBatches(file, options)) yield* batch;
}
