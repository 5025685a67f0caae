import fs from 'node:fs';
import { ByteWriter, ParquetWriter, type SchemaElement, type Writer } from 'hyparquet-writer';
import type { ColumnSpec, Row } from './rows';

/**
 * Where rows go: a JSONL or Parquet file written under a temporary name. Both buffer a bounded
 * amount (2 MiB of JSONL; one Parquet row group) and write it out, so memory stays flat.
 */
export interface Sink {
  write(row: Row): void;
  /** Flushes and closes; returns the bytes written. */
  finish(): number;
  /** Closes without finishing (the caller removes the file). */
  abort(): void;
  readonly rows: number;
  readonly bytes: number;
}

/** The JSONL write buffer: lines are encoded straight into it (no joined string), then written out. */
const JSONL_BUFFER_BYTES = 1 << 21;

export class JsonlSink implements Sink {
  private fd: number | null;
  private readonly buffer = Buffer.allocUnsafe(JSONL_BUFFER_BYTES);
  private used = 0;
  rows = 0;
  bytes = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(row: Row): void {
    this.writeLine(JSON.stringify(row));
  }

  /** Writes an already serialized line (the full export builds its own JSON). */
  writeLine(line: string): void {
    this.rows++;
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (this.used + line.length * 3 + 1 > this.buffer.length) {
      this.flush();
      if (line.length * 3 + 1 > this.buffer.length) {
        this.bytes += fs.writeSync(this.fd!, `${line}\n`);
        return;
      }
    }
    this.used += this.buffer.write(line, this.used);
    this.buffer[this.used++] = 0x0a;
  }

  private flush(): void {
    if (this.used === 0 || this.fd === null) return;
    let off = 0;
    while (off < this.used) off += fs.writeSync(this.fd, this.buffer, off, this.used - off);
    this.bytes += this.used;
    this.used = 0;
  }

  finish(): number {
    this.flush();
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
    return this.bytes;
  }

  abort(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.used = 0;
  }
}

// ── Parquet ──────────────────────────────────────────────────────────────────────────────────

const utf8 = (name: string, nullable = false): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: nullable ? 'OPTIONAL' : 'REQUIRED',
});

/** A 3-level Parquet LIST of `element` (required list, required elements). */
function list(name: string, element: SchemaElement[]): SchemaElement[] {
  return [
    { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    ...element,
  ];
}

const messageList = (name: string) => list(name, [{ name: 'element', repetition_type: 'REQUIRED', num_children: 2 }, utf8('role'), utf8('content')]);
/** Messages with the assistant's reasoning: `thinking` is null on the prompt's turns. */
const reasoningList = (name: string) =>
  list(name, [{ name: 'element', repetition_type: 'REQUIRED', num_children: 3 }, utf8('role'), utf8('thinking', true), utf8('content')]);

/** The Parquet schema of a format's columns: strings as UTF8, message lists as list<struct<role, content>>. */
export function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) {
    const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
    switch (c.type) {
      case 'string':
        schema.push(utf8(c.name, c.nullable));
        break;
      case 'int':
        schema.push({ name: c.name, type: 'INT64', repetition_type });
        break;
      case 'double':
        schema.push({ name: c.name, type: 'DOUBLE', repetition_type });
        break;
      case 'bool':
        schema.push({ name: c.name, type: 'BOOLEAN', repetition_type });
        break;
      case 'messages':
        schema.push(...messageList(c.name));
        break;
      case 'reasoning-messages':
        schema.push(...reasoningList(c.name));
        break;
      case 'openai-input':
        schema.push({ name: c.name, repetition_type: 'REQUIRED', num_children: 1 }, ...messageList('messages'));
        break;
      case 'strings':
        schema.push(...list(c.name, [utf8('element')]));
        break;
      case 'spans':
        schema.push(
          ...list(c.name, [
            { name: 'element', repetition_type: 'REQUIRED', num_children: 5 },
            utf8('class'),
            { name: 'start', type: 'INT32', repetition_type: 'OPTIONAL' },
            { name: 'end', type: 'INT32', repetition_type: 'OPTIONAL' },
            utf8('quote', true),
            utf8('note'),
          ]),
        );
        break;
      case 'steps':
        schema.push(...list(c.name, [{ name: 'element', repetition_type: 'REQUIRED', num_children: 2 }, utf8('body'), utf8('class', true)]));
        break;
    }
  }
  return schema;
}

/** hyparquet-writer's ByteWriter, flushed to an open file descriptor instead of kept in memory. */
function fdWriter(fd: number): Writer {
  const writer = new ByteWriter() as ByteWriter & Writer;
  const chunkSize = 1 << 20;
  const flush = () => {
    if (writer.index > 0) fs.writeSync(fd, new Uint8Array(writer.buffer, 0, writer.index));
    writer.index = 0;
  };
  const ensure = writer.ensure.bind(writer);
  writer.ensure = (size: number) => {
    if (writer.index > chunkSize) flush();
    ensure(size);
  };
  writer.flush = flush;
  writer.finish = flush;
  return writer;
}

/** Rows per row group, and a cap on the text a group may hold, so wide rows do not grow memory. */
const GROUP_ROWS = 5_000;
const GROUP_CHARS = 8 << 20;

function approxChars(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) {
    let n = 0;
    for (const x of v) n += approxChars(x);
    return n;
  }
  if (v !== null && typeof v === 'object') {
    let n = 0;
    for (const x of Object.values(v)) n += approxChars(x);
    return n;
  }
  return 8;
}

export class ParquetSink implements Sink {
  private fd: number | null;
  private readonly writer: ParquetWriter;
  private readonly out: Writer;
  private buffers: unknown[][];
  private chars = 0;
  rows = 0;
  bytes = 0;

  constructor(
    file: string,
    private readonly columns: readonly ColumnSpec[],
  ) {
    this.fd = fs.openSync(file, 'w');
    this.out = fdWriter(this.fd);
    // No created-by version, statistics or timestamps that change between runs: same rows, same bytes.
    this.writer = new ParquetWriter({ writer: this.out, schema: parquetSchema(columns), createdBy: 'assay' });
    this.buffers = columns.map(() => []);
  }

  write(row: Row): void {
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i]!;
      let v = row[c.name] ?? null;
      if (c.type === 'int' && v !== null) v = BigInt(v as number);
      this.buffers[i]!.push(v);
      if (c.type !== 'bool' && c.type !== 'double' && c.type !== 'int') this.chars += approxChars(v);
    }
    this.rows++;
    if (this.buffers[0]!.length >= GROUP_ROWS || this.chars >= GROUP_CHARS) this.flushGroup();
  }

  private flushGroup(): void {
    const n = this.buffers[0]!.length;
    if (n === 0) return;
    void this.writer.write({
      // Min/max statistics of long texts help no reader of a training set and cost time: numbers only.
      columnData: this.columns.map((c, i) => ({ name: c.name, data: this.buffers[i]!, statistics: c.type === 'int' || c.type === 'double' || c.type === 'bool' })),
      rowGroupSize: n,
    });
    this.buffers = this.columns.map(() => []);
    this.chars = 0;
  }

  finish(): number {
    this.flushGroup();
    void this.writer.finish();
    const bytes = this.out.offset;
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
    this.bytes = bytes;
    return bytes;
  }

  abort(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.buffers = this.columns.map(() => []);
  }
}
