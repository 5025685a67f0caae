import type { Migration } from '../migration';

/**
 * Batch jobs gain a template dimension (issue 11's sweeps: one job runs prompts × models × templates
 * × samples, each template version an "arm", e.g. the 0-, 1- and k-shot versions of a template).
 * `job_items.arm` is the index into the job spec's `templates` list (0 for a job with one template
 * or none). The item's uniqueness must include it, and SQLite cannot alter a UNIQUE constraint, so
 * job_items is rebuilt (create new, copy, drop, rename; foreign keys off around the transaction and
 * checked before commit), keeping every row, id, index and the one-generation-per-item rule. A new
 * index serves the claim of a model's next pending item (a sweep queues thousands per model).
 */
export const migration: Migration = {
  version: 16,
  name: 'job-arms',
  rebuildsTables: true,
  up(db) {
    db.exec(`
      CREATE TABLE job_items_new (
        id            INTEGER PRIMARY KEY,
        job_id        INTEGER NOT NULL REFERENCES jobs(id),
        prompt_seq    INTEGER NOT NULL REFERENCES prompts(seq),
        model_id      INTEGER NOT NULL REFERENCES models(id),
        arm           INTEGER NOT NULL DEFAULT 0 CHECK (arm >= 0),
        sample_index  INTEGER NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        error         TEXT,
        generation_id INTEGER UNIQUE REFERENCES generations(id),
        started_at    INTEGER,
        finished_at   INTEGER,
        UNIQUE (job_id, prompt_seq, model_id, arm, sample_index)
      ) STRICT;
      INSERT INTO job_items_new (id, job_id, prompt_seq, model_id, arm, sample_index, status, attempts, error, generation_id, started_at, finished_at)
        SELECT id, job_id, prompt_seq, model_id, 0, sample_index, status, attempts, error, generation_id, started_at, finished_at FROM job_items;
      DROP TABLE job_items;
      ALTER TABLE job_items_new RENAME TO job_items;
      CREATE INDEX job_items_pending ON job_items(job_id, status, id);
      -- A worker claims the next pending item of its model: a sweep queues thousands per model.
      CREATE INDEX job_items_by_model ON job_items(model_id, status, job_id, id);
    `);
  },
};
