import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import type { DuplicatePolicy, ImportFormat, ImportProgress, ImportReport } from '../../contract/prompts';
import { AppError } from '../../contract/result';
import type { WritableDB } from '../../db/handles';
import { promptWriter } from '../../db/prompts';
import { packedFile } from '../datasets/imports/containers';
import { parquetRows } from '../datasets/imports/parquet';
import { LineError, readLineBatches, type ByteSource } from './lines';
import { KNOWN_FIELDS, csvCellsToRow, toPromptRecord } from './rows';

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 200;

export interface ImportOptions {
  importId: string;
  file: string;
  /** The name the user knows the file by (an upload's original name); defaults to the base name. */
  displayName?: string;
  format?: ImportFormat;
  onDuplicate: DuplicatePolicy;
  maxLineBytes?: number;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
}

export function inferFormat(fileName: string): ImportFormat {
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.csv') return 'csv';
  throw new AppError('invalid_input', `Cannot tell the format of ${fileName}: name it .jsonl or .csv, or choose the format.`);
}

/** One record of the input and the 1-based line it starts on. */
export interface ParsedRow {
  line: number;
  value: unknown;
}

export type LineBatches = AsyncIterable<{ number: number; text: string }[]>;

/** Parsed rows in batches (one per chunk of the file), so the hot loop does not await per row. */
export async function* jsonlRows(batches: LineBatches): AsyncGenerator<ParsedRow[]> {
  for await (const lines of batches) {
    const rows: ParsedRow[] = [];
    for (const { number, text } of lines) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        // The rows before the bad line go first, so a problem in them is reported first.
        if (rows.length > 0) yield rows;
        throw new LineError(number, `invalid JSON (${(error as Error).message})`);
      }
      rows.push({ line: number, value });
    }
    if (rows.length > 0) yield rows;
  }
}

export interface CsvRowsOptions {
  /** Checks the header (trimmed names); throws a LineError(1, …) to refuse it. */
  header: (names: string[]) => void;
  /** Turns a record's cells into a row; throws a plain Error whose message is the reason. */
  toRow: (cells: Record<string, string>) => Record<string, unknown>;
}

export async function* csvRows(batches: LineBatches, options: CsvRowsOptions): AsyncGenerator<ParsedRow[]> {
  // csv-parse sees the already-validated lines, so quoted fields may still span lines.
  const source = Readable.from(
    (async function* () {
      for await (const lines of batches) {
        let text = '';
        for (const line of lines) text += `${line.text}\n`;
        yield text;
      }
    })(),
  );
  const parser = source.pipe(
    parseCsv({
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim());
        options.header(names);
        return names;
      },
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
    }),
  );
  source.on('error', (error) => parser.destroy(error));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      try {
        yield [{ line: info.lines, value: options.toRow(record) }];
      } catch (error) {
        throw new LineError(info.lines, (error as Error).message);
      }
    }
  } catch (error) {
    if (error instanceof LineError) throw error;
    const csvError = error as Error & { lines?: number; code?: string };
    if (csvError.cause instanceof LineError) throw csvError.cause;
    throw new LineError(csvError.lines ?? null, csvError.message.replace(/^Invalid Record Length: /, ''));
  }
}

function promptCsvRows(batches: LineBatches, ignoredColumns: Set<string>): AsyncGenerator<ParsedRow[]> {
  return csvRows(batches, {
    header: (names) => {
      if (!names.includes('prompt') && !names.includes('messages')) {
        throw new LineError(1, "the header needs a 'prompt' or a 'messages' column");
      }
      for (const n of names) if (!KNOWN_FIELDS.has(n)) ignoredColumns.add(n);
    },
    toRow: (cells) => csvCellsToRow(cells),
  });
}

/** Where an import is, for the records it reads: counts rows for progress and stops on cancel. */
export interface ImportRun {
  /** The name errors and reports use. */
  readonly displayName: string;
  /** The file's lines: strict UTF-8, length-checked, numbered. */
  readonly lines: LineBatches;
  /** Call once per record: counts it for progress, and throws if the import was cancelled. */
  countRow(): void;
  /** For readers that do not go through `lines` (Parquet): how far into the file they have read. */
  readTo(bytes: number): void;
  readonly rows: number;
}

export interface FileImportOptions {
  importId: string;
  file: string;
  /** The name the user knows the file by (an upload's original name); defaults to the base name. */
  displayName?: string;
  maxLineBytes?: number;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** Reads the file's bytes through this (a decompressor) instead of as they are; opens nothing until read. */
  openSource?: () => ByteSource;
}

/**
 * The rules every file import keeps, whatever its format: the file is streamed line by line
 * (strict UTF-8, a line-length limit), everything `consume` writes happens inside one
 * `BEGIN IMMEDIATE … COMMIT` (the first bad line, a cancel or a crash rolls back the whole file),
 * progress goes out at most every 200 ms, an empty file is refused, and errors become
 * `import_failed` naming the file and line (or `cancelled`).
 */
export async function importFileInTransaction<T>(
  db: WritableDB,
  options: FileImportOptions,
  consume: (run: ImportRun) => Promise<T>,
): Promise<T> {
  const displayName = options.displayName ?? path.basename(options.file);
  const cannotRead = (why: string) =>
    new AppError('import_failed', `${displayName}: the file cannot be read (${why})`, {
      file: displayName,
      line: null,
      reason: 'the file cannot be read',
    });
  let totalBytes: number;
  try {
    const stat = fs.statSync(options.file);
    if (!stat.isFile()) throw cannotRead('it is not a file');
    totalBytes = stat.size;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw cannotRead('does it still exist?');
  }

  let rows = 0;
  let bytesRead = 0;
  let lastProgress = 0;
  const progress = (phase: ImportProgress['phase'], force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastProgress < PROGRESS_INTERVAL_MS)) return;
    lastProgress = now;
    options.onProgress({ importId: options.importId, file: displayName, bytesRead, totalBytes, rows, phase });
  };

  const lines = readLineBatches(options.file, {
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    signal: options.signal,
    source: options.openSource?.(),
    onBytes: (n) => {
      bytesRead = n;
      progress('reading');
    },
  });
  const run: ImportRun = {
    displayName,
    lines,
    countRow: () => {
      options.signal?.throwIfAborted();
      rows++;
      if ((rows & 4095) === 0) progress('reading');
    },
    readTo: (bytes) => {
      bytesRead = Math.min(bytes, totalBytes);
      progress('reading');
    },
    get rows() {
      return rows;
    },
  };

  progress('reading', true);
  db.exec('BEGIN IMMEDIATE');
  let result: T;
  try {
    result = await consume(run);
    if (rows === 0) throw new LineError(null, 'the file holds no rows (an empty file is most likely a mistake)');
    progress('committing', true);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    progress('failed', true);
    if (options.signal?.aborted) throw new AppError('cancelled', `Import of ${displayName} cancelled; nothing was imported.`);
    if (error instanceof LineError) {
      throw new AppError('import_failed', `${displayName}: ${error.message}. Nothing from this file was imported.`, {
        file: displayName,
        line: error.line,
        reason: error.reason,
      });
    }
    // The file went away or became unreadable while it was being read.
    const code = (error as NodeJS.ErrnoException).code;
    if ((error as NodeJS.ErrnoException).syscall && code) throw cannotRead(code);
    throw error;
  }
  bytesRead = totalBytes;
  progress('done', true);
  return result;
}

/**
 * Imports a JSONL or CSV file of prompts in a single transaction: every row lands, or (on the first
 * bad line, a cancel or a crash) none does. The file is streamed, so memory does not grow with it.
 * Packed files are told by their bytes, as dataset imports tell them (containers.ts): `.jsonl.gz`,
 * `.csv.gz` and `.zst` go through the decompressor with the same line rules, and a Parquet file's
 * rows are the JSONL records (columns id, prompt or messages, reference, tags), numbered by row.
 */
export async function importPromptsFile(db: WritableDB, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const displayName = options.displayName ?? path.basename(options.file);
  const { container, openSource, innerName, atRecord } = packedFile(options.file, displayName);
  const format = options.format ?? (container === 'parquet' ? 'jsonl' : inferFormat(innerName));
  const report: ImportReport = {
    importId: options.importId,
    file: displayName,
    format,
    rows: 0,
    imported: 0,
    replaced: 0,
    skippedDuplicates: 0,
    ignoredColumns: [],
    durationMs: 0,
  };
  const ignoredColumns = new Set<string>();
  const writer = promptWriter(db);
  const now = Date.now();

  await importFileInTransaction(db, { ...options, displayName, openSource }, async (run) => {
    const rows =
      container === 'parquet'
        ? parquetRows(options.file, run.readTo)
        : format === 'jsonl'
          ? jsonlRows(run.lines)
          : promptCsvRows(run.lines, ignoredColumns);
    const keyed = container === 'parquet' || format === 'jsonl';
    for await (const batch of rows) {
      for (const { line, value } of batch) {
        run.countRow();
        let record;
        try {
          record = toPromptRecord(value);
        } catch (error) {
          throw atRecord(line, (error as Error).message);
        }
        if (keyed) {
          for (const key of Object.keys(value as object)) if (!KNOWN_FIELDS.has(key)) ignoredColumns.add(key);
        }
        report.rows++;
        const outcome = writer.upsert(record, options.onDuplicate, now);
        if (outcome === 'inserted') report.imported++;
        else if (outcome === 'replaced') report.replaced++;
        else report.skippedDuplicates++;
      }
    }
  });
  report.ignoredColumns = [...ignoredColumns].sort();
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
