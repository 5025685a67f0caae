import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import type { DuplicatePolicy, ImportFormat, ImportProgress, ImportReport } from '../../contract/prompts';
import { AppError } from '../../contract/result';
import type { WritableDB } from '../../db/handles';
import { promptWriter } from '../../db/prompts';
import { LineError, readLineBatches } from './lines';
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

interface ParsedRow {
  line: number;
  value: unknown;
}

type LineBatches = AsyncIterable<{ number: number; text: string }[]>;

/** Parsed rows in batches (one per chunk of the file), so the hot loop does not await per row. */
async function* jsonlRows(batches: LineBatches): AsyncGenerator<ParsedRow[]> {
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

async function* csvRows(batches: LineBatches, ignoredColumns: Set<string>): AsyncGenerator<ParsedRow[]> {
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
        if (!names.includes('prompt') && !names.includes('messages')) {
          throw new LineError(1, "the header needs a 'prompt' or a 'messages' column");
        }
        for (const n of names) if (!KNOWN_FIELDS.has(n)) ignoredColumns.add(n);
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
        yield [{ line: info.lines, value: csvCellsToRow(record) }];
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

/**
 * Imports a JSONL or CSV file of prompts in a single transaction: every row lands, or (on the first
 * bad line, a cancel or a crash) none does. The file is streamed, so memory does not grow with it.
 */
export async function importPromptsFile(db: WritableDB, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const displayName = options.displayName ?? path.basename(options.file);
  const format = options.format ?? inferFormat(displayName);
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
  let bytesRead = 0;
  let lastProgress = 0;
  const progress = (phase: ImportProgress['phase'], force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastProgress < PROGRESS_INTERVAL_MS)) return;
    lastProgress = now;
    options.onProgress({ importId: options.importId, file: displayName, bytesRead, totalBytes, rows: report.rows, phase });
  };

  const lines = readLineBatches(options.file, {
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    signal: options.signal,
    onBytes: (n) => {
      bytesRead = n;
      progress('reading');
    },
  });
  const ignoredColumns = new Set<string>();
  const rows = format === 'jsonl' ? jsonlRows(lines) : csvRows(lines, ignoredColumns);
  const writer = promptWriter(db);
  const now = Date.now();

  progress('reading', true);
  db.exec('BEGIN IMMEDIATE');
  try {
    for await (const batch of rows) {
      for (const { line, value } of batch) {
        options.signal?.throwIfAborted();
        let record;
        try {
          record = toPromptRecord(value);
        } catch (error) {
          throw new LineError(line, (error as Error).message);
        }
        if (format === 'jsonl') {
          for (const key of Object.keys(value as object)) if (!KNOWN_FIELDS.has(key)) ignoredColumns.add(key);
        }
        report.rows++;
        const outcome = writer.upsert(record, options.onDuplicate, now);
        if (outcome === 'inserted') report.imported++;
        else if (outcome === 'replaced') report.replaced++;
        else report.skippedDuplicates++;
      }
    }
    if (report.rows === 0) throw new LineError(null, 'the file holds no rows (an empty file is most likely a mistake)');
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
  report.ignoredColumns = [...ignoredColumns].sort();
  report.durationMs = Math.round(performance.now() - started);
  bytesRead = totalBytes;
  progress('done', true);
  return report;
}
