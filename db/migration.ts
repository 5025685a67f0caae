import type { WritableDB } from './handles';

export interface Migration {
  /** Becomes PRAGMA user_version once applied; one file per version, never edited after release. */
  readonly version: number;
  readonly name: string;
  /**
   * Set on a migration that rebuilds a table other tables point at (SQLite cannot alter a CHECK):
   * foreign keys are switched off around its transaction, as SQLite's documented table-rebuild
   * procedure requires, and `PRAGMA foreign_key_check` must come back empty before it commits.
   */
  readonly rebuildsTables?: boolean;
  up(db: WritableDB): void;
}
