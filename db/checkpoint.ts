import { openWriter, type WritableDB } from './handles';

/**
 * WAL checkpoints, kept off the save path (core/workspace/checkpoints.ts decides when they run).
 *
 * By default SQLite checkpoints inside the commit that takes the WAL past 1000 pages: that save also
 * copies the WAL into the database file (34–61 ms at 50 reviewers, about every 0.4 s). Here the
 * writer never checkpoints by itself; a second connection on a worker thread does it.
 * Durability is unchanged: a commit is in the WAL file when it returns (what survives the process
 * being killed), and a checkpoint only copies committed frames into the database file, syncing the
 * WAL before and the database after, as SQLite's own checkpoint does.
 */

export type CheckpointMode = 'PASSIVE' | 'RESTART' | 'TRUNCATE';

/** What `PRAGMA wal_checkpoint` reports: frames in the WAL, and how many of them are in the database file. */
export interface WalState {
  /** Another connection held a lock the mode needed (PASSIVE: another checkpoint; RESTART/TRUNCATE: a writer or a reader). */
  busy: boolean;
  walFrames: number;
  checkpointedFrames: number;
}

/**
 * The writer of the UI's thread no longer checkpoints inside its commits, except as a backstop
 * (SQLite's automatic checkpoint at `backstopPages`, far past the bound the checkpoint thread keeps,
 * for writes nobody reported, e.g. while that thread cannot keep up). After SQLite restarts the WAL
 * (writing it again from the start once every frame is in the database), a file grown past
 * `limitBytes` is cut back to that size, so a long burst does not leave a large file behind.
 */
export function moveCheckpointsOffCommit(writer: WritableDB, options: { backstopPages: number; limitBytes: number }): void {
  writer.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(options.backstopPages))}`);
  writer.pragma(`journal_size_limit = ${Math.max(0, Math.floor(options.limitBytes))}`);
}

/**
 * The connection a checkpoint thread uses: it never waits for a lock (busy_timeout 0), so a
 * RESTART or TRUNCATE that finds a writer or a reader gives up at once instead of holding the
 * write lock while it waits (which would stall the saves behind it).
 */
export function openCheckpointConnection(file: string): WritableDB {
  const db = openWriter(file, { busyTimeoutMs: 0 });
  db.pragma('wal_autocheckpoint = 0');
  return db;
}

/**
 * A checkpoint that never waits for a lock, on a connection that otherwise does (the writer: a
 * TRUNCATE there must not sit in the busy handler while an import holds the write lock).
 */
export function checkpointWithoutWaiting(db: WritableDB, mode: CheckpointMode): WalState {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return checkpoint(db, mode);
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

export function checkpoint(db: WritableDB, mode: CheckpointMode): WalState {
  try {
    const row = db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[];
    const r = row[0] ?? { busy: 0, log: 0, checkpointed: 0 };
    return { busy: r.busy !== 0, walFrames: Math.max(0, r.log), checkpointedFrames: Math.max(0, r.checkpointed) };
  } catch (error) {
    // SQLITE_BUSY as an error (another connection running a checkpoint): try again later.
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return { busy: true, walFrames: -1, checkpointedFrames: -1 };
    throw error;
  }
}
