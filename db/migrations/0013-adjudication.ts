import type { Migration } from '../migration';

/**
 * Adjudicated labels, kept apart from reviewers' labels (which are never changed): one live
 * adjudication per item (`kind` 'review' → item_id is a generations.id; 'compare' → a
 * comparison_tasks.id), its label as JSON (validated by contract/adjudication.ts before it is
 * written), the rationale, who adjudicated and when; every saved revision is kept in
 * adjudication_history.
 */
export const migration: Migration = {
  version: 13,
  name: 'adjudication',
  up(db) {
    db.exec(`
      CREATE TABLE adjudications (
        id             INTEGER PRIMARY KEY,
        kind           TEXT NOT NULL CHECK (kind IN ('review', 'compare')),
        item_id        INTEGER NOT NULL,
        adjudicator_id INTEGER NOT NULL REFERENCES reviewers(id),
        label          TEXT NOT NULL CHECK (json_valid(label)),
        rationale      TEXT NOT NULL DEFAULT '',
        revision       INTEGER NOT NULL CHECK (revision >= 1),
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        UNIQUE (kind, item_id)
      ) STRICT;
      CREATE TABLE adjudication_history (
        adjudication_id INTEGER NOT NULL REFERENCES adjudications(id),
        revision        INTEGER NOT NULL,
        adjudicator_id  INTEGER NOT NULL REFERENCES reviewers(id),
        label           TEXT NOT NULL,
        rationale       TEXT NOT NULL,
        saved_at        INTEGER NOT NULL,
        PRIMARY KEY (adjudication_id, revision)
      ) STRICT;
    `);
  },
};
