import type { Migration } from '../migration';

/**
 * Workspace settings: one row per setting, its value as JSON. What the settings are, their types and
 * defaults live in the contract (`WorkspaceSettings`); a setting never written has no row and reads
 * as its default, so a new setting needs no migration.
 *
 * The first two are the study's blinding: `blindReviewers` (a reviewer sees only their own labels)
 * and `blindComparisons` (Compare names no model).
 */
export const migration: Migration = {
  version: 8,
  name: 'settings',
  up(db) {
    db.exec(`
      CREATE TABLE settings (
        key        TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 100),
        value      TEXT NOT NULL CHECK (json_valid(value)),
        updated_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
