import type { Migration } from '../migration';

/**
 * Review sessions: a set of items made from a filter, handed to assigned reviewers with overlap k,
 * reservations that expire, gold answers, and swap re-shows of pairwise items.
 *
 * `review_session_items` is the one list of a session's items that other features join on:
 * kind 'review' → item_id is a generations.id; kind 'compare' → a comparison_tasks.id.
 * Reservations, gold answers and swap re-shows never touch the labels themselves: a reviewer's label
 * is the ordinary `reviews` / `comparison_labels` row, and a re-show's choice is kept apart.
 */
export const migration: Migration = {
  version: 11,
  name: 'sessions',
  up(db) {
    db.exec(`
      CREATE TABLE review_sessions (
        id                  INTEGER PRIMARY KEY,
        name                TEXT NOT NULL,
        kind                TEXT NOT NULL CHECK (kind IN ('review', 'compare', 'both')),
        -- The filter it was made from, as given (JSON), for the record.
        filter              TEXT NOT NULL CHECK (json_valid(filter)),
        overlap             INTEGER NOT NULL CHECK (overlap >= 1),
        reservation_minutes INTEGER NOT NULL CHECK (reservation_minutes >= 1),
        seed                INTEGER NOT NULL,
        gold_rate           REAL NOT NULL DEFAULT 0 CHECK (gold_rate >= 0 AND gold_rate < 1),
        gold_first          INTEGER NOT NULL DEFAULT 0 CHECK (gold_first >= 0),
        swap_share          REAL NOT NULL DEFAULT 0 CHECK (swap_share >= 0 AND swap_share <= 1),
        created_by          INTEGER NOT NULL REFERENCES reviewers(id),
        created_at          INTEGER NOT NULL,
        closed_at           INTEGER
      ) STRICT;

      CREATE TABLE review_session_items (
        session_id INTEGER NOT NULL REFERENCES review_sessions(id),
        kind       TEXT NOT NULL CHECK (kind IN ('review', 'compare')),
        item_id    INTEGER NOT NULL,
        is_gold    INTEGER NOT NULL DEFAULT 0 CHECK (is_gold IN (0, 1)),
        PRIMARY KEY (session_id, kind, item_id)
      ) STRICT, WITHOUT ROWID;
      -- "Is this generation / task in an open session of mine?" (blind review.item) starts from the item.
      CREATE INDEX review_session_items_by_item ON review_session_items(kind, item_id);

      CREATE TABLE review_session_reviewers (
        session_id  INTEGER NOT NULL REFERENCES review_sessions(id),
        reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
        added_at    INTEGER NOT NULL,
        PRIMARY KEY (session_id, reviewer_id)
      ) STRICT, WITHOUT ROWID;

      -- An item handed to a reviewer is theirs until expires_at (or until they submit a label on it).
      CREATE TABLE review_session_reservations (
        session_id  INTEGER NOT NULL REFERENCES review_sessions(id),
        kind        TEXT NOT NULL CHECK (kind IN ('review', 'compare')),
        item_id     INTEGER NOT NULL,
        reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
        reserved_at INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        PRIMARY KEY (session_id, kind, item_id, reviewer_id)
      ) STRICT, WITHOUT ROWID;

      -- The known answer of a gold item. Review: a verdict and/or a failure class the label must carry.
      -- Compare (pairwise): the choice in the task's stored order (A = position 0).
      CREATE TABLE review_session_gold (
        session_id INTEGER NOT NULL REFERENCES review_sessions(id),
        kind       TEXT NOT NULL CHECK (kind IN ('review', 'compare')),
        item_id    INTEGER NOT NULL,
        verdict    TEXT CHECK (verdict IN ('good', 'acceptable', 'bad')),
        class_id   INTEGER REFERENCES failure_classes(id),
        choice     TEXT CHECK (choice IN ('A', 'B', 'tie', 'both_bad')),
        set_by     INTEGER NOT NULL REFERENCES reviewers(id),
        set_at     INTEGER NOT NULL,
        CHECK (verdict IS NOT NULL OR class_id IS NOT NULL OR choice IS NOT NULL),
        PRIMARY KEY (session_id, kind, item_id)
      ) STRICT, WITHOUT ROWID;

      -- A pairwise item re-shown to the same reviewer with its sides swapped. choice is mapped back to
      -- the task's stored order (so it compares directly with the first label, which stays untouched).
      CREATE TABLE review_session_swaps (
        session_id    INTEGER NOT NULL REFERENCES review_sessions(id),
        task_id       INTEGER NOT NULL REFERENCES comparison_tasks(id),
        reviewer_id   INTEGER NOT NULL REFERENCES reviewers(id),
        choice        TEXT NOT NULL CHECK (choice IN ('A', 'B', 'tie', 'both_bad')),
        strength      TEXT CHECK (strength IN ('slightly', 'clearly', 'much')),
        rationale     TEXT NOT NULL DEFAULT '',
        time_spent_ms INTEGER NOT NULL DEFAULT 0 CHECK (time_spent_ms >= 0),
        created_at    INTEGER NOT NULL,
        PRIMARY KEY (session_id, task_id, reviewer_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
