import fs from 'node:fs';
import path from 'node:path';
import type { ExportFile, ExportPreview, ExportReport, FullImportReport } from '../../../contract/datasets';
import type { ImportProgress } from '../../../contract/prompts';
import { AppError } from '../../../contract/result';
import {
  clearTables,
  exportableTables,
  foreignKeyViolations,
  nonEmptyTables,
  rowInserter,
  schemaVersion,
  tableRowCount,
  tableRows,
  type TableInfo,
} from '../../../db/exports';
import type { ReadableDB, WritableDB } from '../../../db/handles';
import { LineError, readLineBatches } from '../../prompts/lines';
import { cell } from './card';
import { cancelledError, inReadTransaction, tempName, type ExportHooks, type ExportRequest } from './common';
import { JsonlSink } from './sinks';
import { ensureFolder } from '../../files';

/**
 * The full export: every table of the workspace, every row, ids kept, in one JSONL file that
 * `importFullExport` loads into a new workspace. Exporting that workspace again gives the same
 * bytes: tables come parents first (then by name), rows in primary-key order, values encoded
 * exactly, and nothing about the time or the machine is written.
 *
 *   line 1: {"format":"assay-full","version":1,"schema_version":6,
 *            "tables":[{"name":"prompts","columns":["seq",…],"rows":1234},…]}
 *   then:   {"t":"prompts","r":[1,"p-1","Why …",null,…]}   one line per row, tables in header order
 *
 * Values: SQL NULL → null; INTEGER → a JSON number, or {"$int":"…"} beyond ±2^53; REAL → a JSON
 * number (shortest round-trip form), ±Infinity as {"$real":"Infinity"}; TEXT → a string; BLOB →
 * {"$blob":"<base64>"}. The search index (a virtual table and its shadow tables) is not exported:
 * the triggers rebuild it on import. Encrypted API keys (models.api_key_encrypted) are never
 * exported: they decrypt only on the machine that stored them.
 */

export const FULL_FORMAT = 'assay-full';
export const FULL_VERSION = 1;
export const FULL_FILE = 'assay-full.jsonl';

/** Columns whose values never leave the machine. */
const NOT_EXPORTED: Record<string, readonly string[]> = { models: ['api_key_encrypted'] };

/** Tables a new workspace already fills (migration seeds); the import replaces their rows. */
const SEEDED = new Set(['rubric_criteria', 'failure_classes', 'workspace_meta']);

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function encode(v: unknown): unknown {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v > MAX_SAFE || v < -MAX_SAFE ? { $int: v.toString() } : Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $real: v > 0 ? 'Infinity' : '-Infinity' };
  if (Buffer.isBuffer(v)) return { $blob: v.toString('base64') };
  throw new Error(`unexpected value of type ${typeof v}`);
}

interface Header {
  format: string;
  version: number;
  schema_version: number;
  tables: { name: string; columns: string[]; rows: number }[];
}

function fullCard(header: Header, license: string): string {
  const total = header.tables.reduce((n, t) => n + t.rows, 0);
  return [
    '---',
    `license: ${JSON.stringify(license)}`,
    'tags:',
    '- assay',
    '- assay-full-export',
    'viewer: false',
    '---',
    '',
    '# Full Assay workspace export',
    '',
    `Every table of an Assay workspace (schema v${header.schema_version}), ids kept, in \`${FULL_FILE}\`: ${total} rows.`,
    'Import it into a new workspace with `assay import FILE --workspace NEW.assay --format assay-full`;',
    'exporting that workspace again gives a byte-identical file. Not a training set: use the other',
    'export formats for trainers. Encrypted API keys are not included; enter them again after import.',
    '',
    '| table | rows |',
    '| --- | ---: |',
    ...header.tables.map((t) => `| ${cell(t.name)} | ${t.rows} |`),
    '',
  ].join('\n');
}

export function runFullExport(db: ReadableDB, req: ExportRequest, hooks: ExportHooks): ExportReport | ExportPreview {
  if (req.options.fileType !== 'jsonl') throw new AppError('invalid_input', 'The full export is JSONL only.');
  return inReadTransaction(db, () => {
    const started = performance.now();
    const tables = exportableTables(db);
    const header: Header = {
      format: FULL_FORMAT,
      version: FULL_VERSION,
      schema_version: schemaVersion(db),
      tables: tables.map((t) => ({ name: t.name, columns: t.columns, rows: tableRowCount(db, t.name) })),
    };
    const total = header.tables.reduce((n, t) => n + t.rows, 0);
    let done = 0;
    let lastReport = performance.now();
    const tick = (rows: number, bytes: number) => {
      done++;
      if ((done & 1023) === 0) {
        if (hooks.cancelled()) throw cancelledError();
        const now = performance.now();
        if (now - lastReport >= 200) {
          lastReport = now;
          hooks.progress({ phase: 'writing', done, total, rows, bytes });
        }
      }
    };

    if (req.mode === 'preview') {
      const rows: Record<string, unknown>[] = [];
      for (const t of tables) {
        if (rows.length >= req.limit) break;
        const it = tableRows(db, t);
        try {
          for (const r of it) {
            if (rows.length >= req.limit) break;
            rows.push({ t: t.name, r: rowValues(t, r) });
          }
        } finally {
          it.return?.();
        }
      }
      return { counts: { train: total, test: 0, skipped: {}, examples: {} }, style: null, rows: { train: rows, test: [] }, columns: ['t', 'r'] };
    }

    ensureFolder(req.outDir);
    const dataTmp = tempName(req.outDir, FULL_FILE, req.exportId);
    const cardTmp = tempName(req.outDir, 'README.md', req.exportId);
    const sink = new JsonlSink(dataTmp);
    try {
      hooks.progress({ phase: 'counting', done: 0, total, rows: 0, bytes: 0 });
      sink.writeLine(JSON.stringify(header));
      for (const t of tables) {
        const prefix = `{"t":${JSON.stringify(t.name)},"r":`;
        const it = tableRows(db, t);
        try {
          for (const r of it) {
            sink.writeLine(`${prefix}${JSON.stringify(rowValues(t, r))}}`);
            tick(sink.rows, sink.bytes);
          }
        } finally {
          it.return?.();
        }
      }
      if (hooks.cancelled()) throw cancelledError();
      hooks.progress({ phase: 'finishing', done, total, rows: sink.rows, bytes: sink.bytes });
      const bytes = sink.finish();
      const card = fullCard(header, req.options.license ?? 'other');
      fs.writeFileSync(cardTmp, card);
      fs.renameSync(dataTmp, path.join(req.outDir, FULL_FILE));
      fs.renameSync(cardTmp, path.join(req.outDir, 'README.md'));
      const files: ExportFile[] = [
        { path: path.join(req.outDir, FULL_FILE), split: null, rows: total, bytes },
        { path: path.join(req.outDir, 'README.md'), split: null, rows: 0, bytes: Buffer.byteLength(card) },
      ];
      hooks.progress({ phase: 'done', done, total, rows: total, bytes });
      return {
        exportId: req.exportId,
        dir: req.outDir,
        files,
        counts: { train: total, test: 0, skipped: {}, examples: {} },
        style: null,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      sink.abort();
      fs.rmSync(dataTmp, { force: true });
      fs.rmSync(cardTmp, { force: true });
      throw error;
    }
  });
}

function rowValues(t: TableInfo, raw: unknown[]): unknown[] {
  const hidden = NOT_EXPORTED[t.name];
  return raw.map((v, i) => (hidden?.includes(t.columns[i]!) ? null : encode(v)));
}

// ── Import ───────────────────────────────────────────────────────────────────────────────────

export interface FullImportOptions {
  importId: string;
  file: string;
  displayName?: string;
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
  maxLineBytes?: number;
}

function decode(v: unknown, type: string, column: string): unknown {
  if (v === null) return null;
  const bad = () => new Error(`column ${column} (${type}) cannot hold ${JSON.stringify(v)?.slice(0, 60)}`);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length !== 1) throw bad();
    if (typeof o.$int === 'string' && /^-?\d+$/.test(o.$int) && type === 'INTEGER') return BigInt(o.$int);
    if ((o.$real === 'Infinity' || o.$real === '-Infinity') && type === 'REAL') return o.$real === 'Infinity' ? Infinity : -Infinity;
    if (typeof o.$blob === 'string' && type === 'BLOB') return Buffer.from(o.$blob, 'base64');
    throw bad();
  }
  switch (type) {
    case 'INTEGER':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad();
      return BigInt(v);
    case 'REAL':
      if (typeof v !== 'number') throw bad();
      return v;
    case 'TEXT':
      if (typeof v !== 'string') throw bad();
      return v;
    case 'BLOB':
      throw bad();
    default:
      if (typeof v !== 'string' && typeof v !== 'number') throw bad();
      return v;
  }
}

/**
 * Loads a full export into `db`, which must hold no data of its own yet (a new workspace: only
 * the rows its migrations seed, which are replaced). One transaction: a bad line, a cancel or a
 * crash leaves the workspace as it was. Errors name the line.
 */
export async function importFullExport(db: WritableDB, o: FullImportOptions): Promise<FullImportReport> {
  const started = performance.now();
  const name = o.displayName ?? path.basename(o.file);
  let totalBytes = 0;
  try {
    totalBytes = fs.statSync(o.file).size;
  } catch {
    throw new AppError('not_found', `Cannot read ${name}.`);
  }
  let bytesRead = 0;
  let rows = 0;
  let lastReport = 0;
  const progress = (phase: ImportProgress['phase']) =>
    o.onProgress?.({ importId: o.importId, file: name, bytesRead, totalBytes, rows, phase });
  const fail = (line: number | null, reason: string) =>
    new AppError('import_failed', `${name}${line === null ? '' : ` line ${line}`}: ${reason}`, { file: name, line, reason });

  const target = exportableTables(db);
  const byName = new Map(target.map((t) => [t.name, t]));
  const version = schemaVersion(db);

  let header: Header | null = null;
  let tableIndex = 0;
  let rowsInTable = 0;
  let insert: ReturnType<typeof rowInserter> | null = null;
  let info: TableInfo | null = null;
  const counts: { table: string; rows: number }[] = [];
  let open = false;

  const startTable = () => {
    const h = header!.tables[tableIndex]!;
    info = byName.get(h.name)!;
    insert = rowInserter(db, info);
    rowsInTable = 0;
  };
  /** Moves past tables that are complete (or empty) up to the one a row belongs to. */
  const advanceTo = (table: string, line: number) => {
    while (tableIndex < header!.tables.length) {
      const h = header!.tables[tableIndex]!;
      if (h.name === table && rowsInTable < h.rows) return;
      if (rowsInTable < h.rows) throw fail(line, `table ${h.name} has ${rowsInTable} of its ${h.rows} rows; the file is cut short or out of order`);
      counts.push({ table: h.name, rows: rowsInTable });
      tableIndex++;
      if (tableIndex < header!.tables.length) startTable();
    }
    throw fail(line, `a row of ${table} after the end of the data announced in the header`);
  };

  try {
    for await (const batch of readLineBatches(o.file, {
      maxLineBytes: o.maxLineBytes ?? 256 * 1024 * 1024,
      signal: o.signal,
      onBytes: (b) => {
        bytesRead = b;
      },
    })) {
      for (const { number, text } of batch) {
        if (text.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          throw fail(number, `invalid JSON (${(error as Error).message})`);
        }
        if (header === null) {
          header = checkHeader(value, version, target, (reason) => fail(number, reason));
          const busy = nonEmptyTables(db, target.map((t) => t.name).filter((t) => !SEEDED.has(t)));
          if (busy.length > 0) {
            throw new AppError(
              'conflict',
              `This workspace already holds data (${busy.slice(0, 4).join(', ')}${busy.length > 4 ? ', …' : ''}); import a full export into a new workspace.`,
            );
          }
          db.exec('BEGIN IMMEDIATE');
          open = true;
          // Rows come parents first, but a table may point at itself (a class merged into a later one).
          db.pragma('defer_foreign_keys = ON');
          clearTables(db, [...target].reverse().map((t) => t.name));
          if (header.tables.length > 0) startTable();
          continue;
        }
        const row = value as { t?: unknown; r?: unknown };
        if (typeof row !== 'object' || row === null || Array.isArray(row) || typeof row.t !== 'string' || !Array.isArray(row.r) || Object.keys(row).length !== 2) {
          throw fail(number, 'expected {"t": table, "r": [values]}');
        }
        if (!byName.has(row.t)) throw fail(number, `unknown table ${row.t}`);
        advanceTo(row.t, number);
        const t = info!;
        if (row.r.length !== t.columns.length) throw fail(number, `${t.name} has ${t.columns.length} columns, the row has ${row.r.length}`);
        let values: unknown[];
        try {
          values = row.r.map((v, i) => decode(v, t.types[i]!, t.columns[i]!));
        } catch (error) {
          throw fail(number, (error as Error).message);
        }
        try {
          insert!.run(values);
        } catch (error) {
          throw fail(number, `${t.name}: ${(error as Error).message}`);
        }
        rowsInTable++;
        rows++;
      }
      const now = performance.now();
      if (now - lastReport >= 200) {
        lastReport = now;
        progress('reading');
      }
    }
    if (header === null) throw fail(null, 'the file is empty');
    // Close the remaining tables (empty ones, or a file cut short).
    while (tableIndex < header.tables.length) {
      const h = header.tables[tableIndex]!;
      if (rowsInTable < h.rows) throw fail(null, `table ${h.name} has ${rowsInTable} of its ${h.rows} rows; the file is cut short`);
      counts.push({ table: h.name, rows: rowsInTable });
      tableIndex++;
      if (tableIndex < header.tables.length) startTable();
    }
    o.signal?.throwIfAborted();
    progress('committing');
    const violations = foreignKeyViolations(db);
    if (violations.length > 0) {
      const v = violations[0]!;
      throw fail(null, `${violations.length} rows point at rows that are not in the file (first: ${v.table} row ${v.rowid} → ${v.parent})`);
    }
    db.exec('COMMIT');
    open = false;
    progress('done');
    return { importId: o.importId, file: name, tables: counts, rows, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    if (open) db.exec('ROLLBACK');
    progress('failed');
    if (error instanceof AppError) throw error;
    if (error instanceof LineError) throw fail(error.line, error.reason);
    if ((error as Error).name === 'AbortError' || o.signal?.aborted) throw new AppError('cancelled', `The import of ${name} was cancelled; nothing was imported.`);
    throw fail(null, (error as Error).message);
  }
}

function checkHeader(value: unknown, version: number, target: readonly TableInfo[], fail: (reason: string) => AppError): Header {
  const h = value as Partial<Header> | null;
  if (typeof h !== 'object' || h === null || h.format !== FULL_FORMAT) throw fail(`not an Assay full export (the first line has no "format": "${FULL_FORMAT}")`);
  if (h.version !== FULL_VERSION) throw fail(`full export version ${String(h.version)}; this Assay reads version ${FULL_VERSION}`);
  if (h.schema_version !== version) {
    throw fail(
      `the export is of workspace schema v${String(h.schema_version)}, this workspace is v${version}; ` +
        (typeof h.schema_version === 'number' && h.schema_version > version ? 'update Assay to import it' : 'export it again with this version of Assay'),
    );
  }
  if (!Array.isArray(h.tables)) throw fail('the header lists no tables');
  const names = new Set<string>();
  for (const t of h.tables) {
    if (typeof t?.name !== 'string' || !Array.isArray(t.columns) || !Number.isSafeInteger(t.rows) || t.rows < 0) throw fail('a table entry of the header is malformed');
    const mine = target.find((x) => x.name === t.name);
    if (!mine) throw fail(`table ${t.name} does not exist in this workspace`);
    if (mine.columns.join(',') !== t.columns.join(',')) throw fail(`table ${t.name} has columns ${t.columns.join(', ')}; this workspace has ${mine.columns.join(', ')}`);
    if (names.has(t.name)) throw fail(`table ${t.name} is listed twice`);
    names.add(t.name);
  }
  const missing = target.filter((t) => !names.has(t.name)).map((t) => t.name);
  if (missing.length > 0) throw fail(`the header does not list ${missing.join(', ')}`);
  return h as Header;
}
