import type { Migration } from '../migration';

/**
 * Review sessions, continued:
 *
 * - `review_sessions.reservation_ms` replaces `reservation_minutes` (a whole number of minutes in a
 *   STRICT INTEGER column): a reservation may be a fraction of a minute (0.05 min = 3 s), stored as
 *   whole milliseconds. The old column is dropped (its CHECK is its own, so DROP COLUMN may).
 * - `review_session_skips`: the items a reviewer skipped in a session. `sessions.next` does not hand
 *   them back to that reviewer unless asked to revisit them; other reviewers are not affected.
 */
export const migration: Migration = {
  version: 15,
  name: 'session-skips',
  up(db) {
    db.exec(`
      ALTER TABLE review_sessions ADD COLUMN reservation_ms INTEGER NOT NULL DEFAULT 1800000 CHECK (reservation_ms >= 1000);
      UPDATE review_sessions SET reservation_ms = reservation_minutes * 60000;
      ALTER TABLE review_sessions DROP COLUMN reservation_minutes;

      CREATE TABLE review_session_skips (
        session_id  INTEGER NOT NULL REFERENCES review_sessions(id),
        kind        TEXT NOT NULL CHECK (kind IN ('review', 'compare')),
        item_id     INTEGER NOT NULL,
        reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
        skipped_at  INTEGER NOT NULL,
        PRIMARY KEY (session_id, reviewer_id, kind, item_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
