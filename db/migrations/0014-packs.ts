import { randomUUID } from 'node:crypto';
import type { Migration } from '../migration';

/**
 * Offline review packs. Every workspace gets a stable id (`workspace_meta.workspace_id`), which a
 * pack carries so it merges only into the workspace it came from. `pack_merges` records each pack
 * merged (only facts of the pack itself, no merge time, so the same packs merged in any order give
 * the same rows); `pack_superseded` lists the labels a merge made not live (the older side of a
 * conflict), kept whole as soft-deleted rows.
 */
export const migration: Migration = {
  version: 14,
  name: 'packs',
  up(db) {
    db.exec(`
      CREATE TABLE pack_merges (
        pack_id     TEXT PRIMARY KEY,
        pack_seq    INTEGER NOT NULL UNIQUE,
        reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
        checksum    TEXT NOT NULL,
        labels      INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE pack_superseded (
        kind     TEXT NOT NULL CHECK (kind IN ('review', 'compare')),
        label_id INTEGER NOT NULL,
        PRIMARY KEY (kind, label_id)
      ) STRICT, WITHOUT ROWID;
    `);
    db.prepare("INSERT OR IGNORE INTO workspace_meta (key, value) VALUES ('workspace_id', ?)").run(randomUUID());
  },
};
