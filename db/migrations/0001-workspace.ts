import type { Migration } from '../migration';

export const migration: Migration = {
  version: 1,
  name: 'workspace',
  up(db) {
    db.exec(`
      CREATE TABLE workspace_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};
