import type { WritableDB } from '../../db/handles';

export interface IdleCheckpointOptions {
  /** How long the writer must have been quiet before a checkpoint runs. */
  idleMs?: number;
  /** SQLite's own automatic checkpoint, kept as a backstop for long bursts of writes. */
  backstopPages?: number;
}

/**
 * WAL checkpoints kept off the keypress path. By default SQLite checkpoints inside the commit that
 * takes the WAL past 1000 pages: that commit also copies the WAL into the database file and fsyncs
 * both (5–60 ms on a VM disk), so about one label save in 140 stalled. Here a PASSIVE checkpoint
 * runs once the writer has been quiet for `idleMs` (a reviewer reads for seconds between saves),
 * and SQLite's automatic checkpoint stays as a backstop at `backstopPages` (16 MB of WAL) for a long
 * burst that never pauses. Durability is unchanged: a commit is in the WAL file when it returns,
 * whether or not it has been checkpointed yet.
 */
export class IdleCheckpointer {
  private readonly idleMs: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: WritableDB,
    options: IdleCheckpointOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 250;
    db.pragma(`wal_autocheckpoint = ${options.backstopPages ?? 4000}`);
  }

  /** Call after a commit: (re)starts the quiet period. */
  committed(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.checkpoint();
    }, this.idleMs);
    // A pending checkpoint never keeps the process alive; closing the file checkpoints anyway.
    this.timer.unref();
  }

  /** Copies committed WAL frames into the database without waiting on readers or writers. */
  checkpoint(): void {
    if (!this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      // A busy file (another connection checkpointing) is fine: the next quiet period retries.
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') console.error('[workspace] checkpoint failed:', error);
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
