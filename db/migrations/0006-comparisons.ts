import type { Migration } from '../migration';

/**
 * RLHF comparisons: tasks built from generations that share a prompt, the order they are shown in
 * (randomized per task and stored, so "left/right" can always be undone into generations), and each
 * reviewer's label: a pairwise choice with its strength, or an N-way ranking with ties.
 *
 * Positions are 0-based in the shown order (0 = A / left). A label's every saved content revision is
 * appended to comparison_label_history as a JSON snapshot; deletes are soft (deleted_at) so a
 * restore is an exact undo, and a label made after a delete is a new row.
 *
 * What later exports read from here: the shown order (comparison_task_outputs), the choice and its
 * strength (TRL `margin`), the ranking groups (N-way → K(K−1)/2 pairs), and the correction written
 * on a both-bad label (it wins over both outputs).
 */
export const migration: Migration = {
  version: 6,
  name: 'comparisons',
  up(db) {
    db.exec(`
      CREATE TABLE comparison_tasks (
        id         INTEGER PRIMARY KEY,
        prompt_seq INTEGER NOT NULL REFERENCES prompts(seq),
        kind       TEXT NOT NULL CHECK (kind IN ('pair', 'rank')),
        design     TEXT NOT NULL CHECK (design IN ('all-pairs', 'balanced', 'imported')),
        -- The seed the task was made with (its design and its shown order derive from it).
        seed       INTEGER NOT NULL,
        -- The task's generation ids, ascending, joined by ','. The same set is never made twice.
        set_key    TEXT NOT NULL CHECK (set_key GLOB '[0-9]*,[0-9]*'),
        created_at INTEGER NOT NULL,
        UNIQUE (kind, set_key)
      ) STRICT;
      CREATE INDEX comparison_tasks_by_prompt ON comparison_tasks(prompt_seq, kind);
      -- The queue filtered by kind walks this in task order.
      CREATE INDEX comparison_tasks_by_kind ON comparison_tasks(kind, id);

      -- The shown order: position 0 is A (left), 1 is B (right), and so on for N-way.
      CREATE TABLE comparison_task_outputs (
        task_id       INTEGER NOT NULL REFERENCES comparison_tasks(id),
        position      INTEGER NOT NULL CHECK (position BETWEEN 0 AND 8),
        generation_id INTEGER NOT NULL REFERENCES generations(id),
        PRIMARY KEY (task_id, position),
        UNIQUE (task_id, generation_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX comparison_task_outputs_by_generation ON comparison_task_outputs(generation_id);

      CREATE TABLE comparison_labels (
        id                INTEGER PRIMARY KEY,
        task_id           INTEGER NOT NULL REFERENCES comparison_tasks(id),
        reviewer_id       INTEGER NOT NULL REFERENCES reviewers(id),
        -- Pairwise tasks; NULL on rankings (their order is in comparison_ranks).
        choice            TEXT CHECK (choice IN ('A', 'B', 'tie', 'both_bad')),
        strength          TEXT CHECK (strength IN ('slightly', 'clearly', 'much')),
        rationale         TEXT NOT NULL DEFAULT '',
        -- Written when both outputs are bad; at export it wins over both.
        correction        TEXT,
        time_spent_ms     INTEGER NOT NULL DEFAULT 0 CHECK (time_spent_ms >= 0),
        guideline_version INTEGER NOT NULL DEFAULT 0,
        revision          INTEGER NOT NULL DEFAULT 1,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        deleted_at        INTEGER,
        CHECK (strength IS NULL OR choice IN ('A', 'B')),
        CHECK (correction IS NULL OR choice = 'both_bad')
      ) STRICT;
      -- One live label per (task, reviewer); deleted ones keep their rows (and ranks) untouched.
      CREATE UNIQUE INDEX comparison_labels_live ON comparison_labels(task_id, reviewer_id) WHERE deleted_at IS NULL;
      CREATE INDEX comparison_labels_deleted ON comparison_labels(task_id, reviewer_id) WHERE deleted_at IS NOT NULL;
      -- The queue's "done" walk and per-reviewer figures.
      CREATE INDEX comparison_labels_live_by_reviewer ON comparison_labels(reviewer_id, task_id) WHERE deleted_at IS NULL;

      -- An N-way label: each shown position's rank group (0 = best); positions in one group are tied.
      CREATE TABLE comparison_ranks (
        label_id   INTEGER NOT NULL REFERENCES comparison_labels(id),
        position   INTEGER NOT NULL CHECK (position BETWEEN 0 AND 8),
        rank_group INTEGER NOT NULL CHECK (rank_group BETWEEN 0 AND 8),
        PRIMARY KEY (label_id, position)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE comparison_label_history (
        id         INTEGER PRIMARY KEY,
        label_id   INTEGER NOT NULL REFERENCES comparison_labels(id),
        revision   INTEGER NOT NULL,
        -- The whole label as saved: choice, strength, ranking, rationale, correction, guideline version.
        snapshot   TEXT NOT NULL CHECK (json_valid(snapshot)),
        created_at INTEGER NOT NULL,
        UNIQUE (label_id, revision)
      ) STRICT;
    `);
  },
};
