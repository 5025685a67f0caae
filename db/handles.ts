import Database from 'better-sqlite3';

/**
 * Reader and writer connections are different types, so a query that writes cannot be handed a
 * reader (the pattern of Signal-Desktop's ReadableDB / WritableDB). A writer can always read.
 */
export type ReadableDB = Database.Database & { readonly __readable: unique symbol };
export type WritableDB = ReadableDB & { readonly __writable: unique symbol };

/** Set when better-sqlite3 was compiled for Electron's ABI and kept apart from node_modules. */
function nativeBinding(): string | undefined {
  return process.env.ASSAY_SQLITE_BINDING || undefined;
}

/** How long a connection waits for another one's write lock before failing with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

function applyPragmas(db: Database.Database, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): void {
  // Several connections share one file (the UI's, an import worker's); wait rather than fail.
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('foreign_keys = ON');
}

export function openWriter(file: string, options: { busyTimeoutMs?: number } = {}): WritableDB {
  const binding = nativeBinding();
  const db = new Database(file, binding ? { nativeBinding: binding } : {});
  try {
    applyPragmas(db, options.busyTimeoutMs);
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL keeps every committed transaction across an application crash; only a power loss
    // can drop the last commits. FULL would add an fsync per label for that case.
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    // Not a database (or not one we can use): do not leak the open file handle.
    db.close();
    throw error;
  }
  return db as WritableDB;
}

export function openReader(file: string): ReadableDB {
  const binding = nativeBinding();
  const db = new Database(file, { readonly: true, fileMustExist: true, ...(binding ? { nativeBinding: binding } : {}) });
  try {
    applyPragmas(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db as ReadableDB;
}
