import fs from 'node:fs';
import path from 'node:path';
import type { ExportOptions, ExportProgress } from '../../../contract/datasets';
import { AppError } from '../../../contract/result';
import type { ReadableDB } from '../../../db/handles';

export interface ExportHooks {
  /** True once the caller asked to stop; checked between rows. */
  cancelled(): boolean;
  progress(p: Omit<ExportProgress, 'exportId'>): void;
}

export const noHooks: ExportHooks = { cancelled: () => false, progress: () => {} };

export type ExportRequest =
  | { mode: 'preview'; exportId: string; options: ExportOptions; limit: number }
  | { mode: 'write'; exportId: string; options: ExportOptions; outDir: string };

/** Where a file is written before it is complete: hidden, and named after the export. */
export function tempName(dir: string, name: string, exportId: string): string {
  return path.join(dir, `.${name}.${exportId}.tmp`);
}

/** Removes the temporary files an export with this id may have left (a crashed worker). */
export function removeTemps(dir: string, exportId: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const suffix = `.${exportId}.tmp`;
  for (const n of names) if (n.startsWith('.') && n.endsWith(suffix)) fs.rmSync(path.join(dir, n), { force: true });
}

export function cancelledError(): AppError {
  return new AppError('cancelled', 'The export was cancelled; no file was written.');
}

/** Reads in one snapshot: BEGIN on a read-only connection holds its WAL read mark until COMMIT. */
export function inReadTransaction<T>(db: ReadableDB, fn: () => T): T {
  db.exec('BEGIN');
  try {
    return fn();
  } finally {
    db.exec('COMMIT');
  }
}
