import type { Migration } from '../migration';

/**
 * Team mode (`assay serve --team`): invites and the audit log.
 *
 * `team_invites`: one row per invite, for one reviewer with a role; `secret_hash` is the sha256 (hex)
 * of the link's secret, which is never stored. An invite works until `expires_at` unless revoked.
 *
 * `team_audit`: who (reviewer, role) called which write method, on which ids, when. Append-only; one
 * INSERT after each committed write in team mode.
 */
export const migration: Migration = {
  version: 12,
  name: 'team',
  up(db) {
    db.exec(`
      CREATE TABLE team_invites (
        id           INTEGER PRIMARY KEY,
        reviewer_id  INTEGER NOT NULL REFERENCES reviewers(id),
        role         TEXT NOT NULL CHECK (role IN ('sme', 'engineer', 'owner')),
        secret_hash  TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        revoked_at   INTEGER
      ) STRICT;
      CREATE INDEX team_invites_by_reviewer ON team_invites(reviewer_id);

      CREATE TABLE team_audit (
        id           INTEGER PRIMARY KEY,
        at           INTEGER NOT NULL,
        reviewer_id  INTEGER REFERENCES reviewers(id),
        role         TEXT NOT NULL CHECK (role IN ('sme', 'engineer', 'owner')),
        method       TEXT NOT NULL,
        ids          TEXT NOT NULL CHECK (json_valid(ids))
      ) STRICT;
    `);
  },
};
