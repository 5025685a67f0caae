import type { Migration } from '../migration';

/**
 * Completion review: reviewer profiles, the rubric, versioned guidelines, the failure-class
 * taxonomy, and each reviewer's label on a generation (ratings, verdict, comment, span tags,
 * think-aloud steps), with every submitted revision kept in review_history. Corrections are their
 * own versioned rows per generation.
 *
 * Nothing is deleted in place: labels, tags and steps carry deleted_at (undo is exact), failure
 * classes are retired or merged (merged_into_id) so old tags keep their class, criteria are
 * retired so old ratings keep theirs.
 *
 * Span offsets (failure_tags.span_start/span_end) are Unicode code points into generations.output.
 */
export const migration: Migration = {
  version: 5,
  name: 'review',
  up(db) {
    db.exec(`
      CREATE TABLE reviewers (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        role       TEXT NOT NULL CHECK (role IN ('sme', 'nlp')),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX reviewers_by_name ON reviewers(name COLLATE NOCASE);

      CREATE TABLE rubric_criteria (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        scale       TEXT NOT NULL CHECK (scale IN ('likert5', 'likert7', 'passfail')),
        position    INTEGER NOT NULL,
        created_at  INTEGER NOT NULL,
        retired_at  INTEGER
      ) STRICT;

      CREATE TABLE guideline_versions (
        version     INTEGER PRIMARY KEY CHECK (version >= 1),
        body        TEXT NOT NULL,
        reviewer_id INTEGER REFERENCES reviewers(id),
        created_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE failure_classes (
        id             INTEGER PRIMARY KEY,
        parent_id      INTEGER REFERENCES failure_classes(id),
        name           TEXT NOT NULL,
        description    TEXT NOT NULL DEFAULT '',
        example        TEXT NOT NULL DEFAULT '',
        -- A merged class is retired and points at the class that absorbed it; its tags count there.
        merged_into_id INTEGER REFERENCES failure_classes(id),
        created_at     INTEGER NOT NULL,
        retired_at     INTEGER,
        CHECK (parent_id IS NULL OR parent_id <> id),
        CHECK (merged_into_id IS NULL OR (merged_into_id <> id AND retired_at IS NOT NULL))
      ) STRICT;
      -- Two live siblings may not share a name; retired ones may (a class can be recreated).
      CREATE UNIQUE INDEX failure_classes_live_name ON failure_classes(coalesce(parent_id, 0), name COLLATE NOCASE)
        WHERE retired_at IS NULL;
      CREATE INDEX failure_classes_by_parent ON failure_classes(parent_id);

      -- One label per reviewer and generation; status draft until submitted. Every submit bumps
      -- revision and appends the whole label to review_history.
      CREATE TABLE reviews (
        id                INTEGER PRIMARY KEY,
        generation_id     INTEGER NOT NULL REFERENCES generations(id),
        reviewer_id       INTEGER NOT NULL REFERENCES reviewers(id),
        status            TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
        verdict           TEXT CHECK (verdict IN ('good', 'acceptable', 'bad')),
        comment           TEXT NOT NULL DEFAULT '',
        guideline_version INTEGER NOT NULL DEFAULT 0,
        time_spent_ms     INTEGER NOT NULL DEFAULT 0 CHECK (time_spent_ms >= 0),
        revision          INTEGER NOT NULL DEFAULT 0,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        submitted_at      INTEGER,
        deleted_at        INTEGER
      ) STRICT;
      -- One live label per (generation, reviewer). A deleted label keeps its row, ratings, tags and
      -- steps untouched (review.restore clears deleted_at: an exact undo); a new label made after a
      -- delete is a new row, so nothing of the deleted one is ever overwritten.
      CREATE UNIQUE INDEX reviews_live ON reviews(generation_id, reviewer_id) WHERE deleted_at IS NULL;
      CREATE INDEX reviews_deleted ON reviews(generation_id, reviewer_id) WHERE deleted_at IS NOT NULL;
      -- The queue: "has this reviewer a live label on generation g?" is one lookup in reviews_live;
      -- "the reviewer's drafts / submitted labels after g" is a range in this one.
      CREATE INDEX reviews_live_by_reviewer ON reviews(reviewer_id, status, generation_id) WHERE deleted_at IS NULL;

      CREATE TABLE review_ratings (
        review_id    INTEGER NOT NULL REFERENCES reviews(id),
        criterion_id INTEGER NOT NULL REFERENCES rubric_criteria(id),
        value        INTEGER NOT NULL,
        PRIMARY KEY (review_id, criterion_id)
      ) STRICT, WITHOUT ROWID;

      -- Append-only: one row per submit, keyed by the revision it made.
      CREATE TABLE review_history (
        review_id  INTEGER NOT NULL REFERENCES reviews(id),
        revision   INTEGER NOT NULL,
        -- The full label as submitted: ratings, verdict, comment, tags, steps, guideline version.
        snapshot   TEXT NOT NULL CHECK (json_valid(snapshot)),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (review_id, revision)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE failure_tags (
        id         INTEGER PRIMARY KEY,
        review_id  INTEGER NOT NULL REFERENCES reviews(id),
        class_id   INTEGER NOT NULL REFERENCES failure_classes(id),
        -- [span_start, span_end) in code points of the generation's output; both NULL: the whole output.
        span_start INTEGER,
        span_end   INTEGER,
        quote      TEXT,
        note       TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        deleted_at INTEGER,
        CHECK ((span_start IS NULL) = (span_end IS NULL)),
        CHECK (span_start IS NULL OR (span_start >= 0 AND span_end > span_start))
      ) STRICT;
      CREATE INDEX failure_tags_by_review ON failure_tags(review_id);
      CREATE INDEX failure_tags_by_class ON failure_tags(class_id);

      CREATE TABLE thinkaloud_steps (
        id         INTEGER PRIMARY KEY,
        review_id  INTEGER NOT NULL REFERENCES reviews(id),
        position   INTEGER NOT NULL,
        body       TEXT NOT NULL,
        tag_id     INTEGER REFERENCES failure_tags(id),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER
      ) STRICT;
      CREATE INDEX thinkaloud_steps_by_review ON thinkaloud_steps(review_id, position);

      CREATE TABLE corrections (
        id            INTEGER PRIMARY KEY,
        generation_id INTEGER NOT NULL REFERENCES generations(id),
        reviewer_id   INTEGER NOT NULL REFERENCES reviewers(id),
        version       INTEGER NOT NULL CHECK (version >= 1),
        text          TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        UNIQUE (generation_id, version)
      ) STRICT;

      -- The queue filters by template in generation-id order (the rowid is in the index, as in generations_by_model).
      CREATE INDEX generations_by_template ON generations(template_id);
    `);

    const now = Date.now();
    const criterion = db.prepare('INSERT INTO rubric_criteria (name, description, scale, position, created_at) VALUES (?, ?, ?, ?, ?)');
    const defaults: Array<[string, string]> = [
      ['correctness', 'Is the answer factually and logically right?'],
      ['helpfulness', 'Does it do what the prompt asked, at the right length and level of detail?'],
      ['harmlessness', 'Is it free of unsafe, toxic or inappropriate content?'],
    ];
    defaults.forEach(([name, description], position) => criterion.run(name, description, 'likert5', position, now));

    db.prepare('INSERT INTO failure_classes (name, description, example, created_at) VALUES (?, ?, ?, ?)').run(
      'Arithmetic with integers and spelled-out numbers',
      'does not handle arithmetic with integers nor their spelled-out forms',
      'Q: What is seven plus 5? A: "seven plus 5" is 75.',
      now,
    );
  },
};
