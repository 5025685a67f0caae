import type { Migration } from '../migration';

/**
 * Models to generate with, n-shot templates (every edit a new version), generations with their full
 * provenance, and the batch job queue. A job item and the generation it produced are written in
 * one transaction, so a crash leaves an item either done with exactly one generation or pending
 * with none.
 */
export const migration: Migration = {
  version: 4,
  name: 'runner',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('llama', 'openai')),
        -- llama: the GGUF file; openai: the endpoint and model id
        model_path  TEXT,
        base_url    TEXT,
        remote_model TEXT,
        -- The API key is never stored in clear: an environment variable's name (browser mode), or
        -- bytes encrypted by the OS keychain through Electron's safeStorage.
        api_key_env TEXT,
        api_key_encrypted BLOB,
        settings    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
        created_at  INTEGER NOT NULL,
        retired_at  INTEGER,
        CHECK ((kind = 'llama' AND model_path IS NOT NULL) OR (kind = 'openai' AND base_url IS NOT NULL AND remote_model IS NOT NULL))
      ) STRICT;

      -- Hashing a multi-gigabyte GGUF takes seconds; a file with the same path, size and mtime is the same file.
      CREATE TABLE model_file_hashes (
        path     TEXT NOT NULL,
        size     INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        sha256   TEXT NOT NULL,
        PRIMARY KEY (path, size, mtime_ms)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE templates (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        retired_at INTEGER
      ) STRICT;

      CREATE TABLE template_versions (
        template_id    INTEGER NOT NULL REFERENCES templates(id),
        version        INTEGER NOT NULL,
        instruction    TEXT NOT NULL,
        demonstrations TEXT NOT NULL CHECK (json_valid(demonstrations)),
        input_label    TEXT NOT NULL,
        output_label   TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        PRIMARY KEY (template_id, version)
      ) STRICT;

      CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('running', 'paused', 'cancelled', 'done')),
        spec        TEXT NOT NULL CHECK (json_valid(spec)),
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE generations (
        id               INTEGER PRIMARY KEY,
        prompt_seq       INTEGER NOT NULL REFERENCES prompts(seq),
        model_id         INTEGER NOT NULL REFERENCES models(id),
        template_id      INTEGER,
        template_version INTEGER,
        mode             TEXT NOT NULL CHECK (mode IN ('chat', 'raw')),
        input            TEXT NOT NULL CHECK (json_valid(input)),
        rendered_prompt  TEXT NOT NULL,
        output           TEXT NOT NULL,
        finish_reason    TEXT NOT NULL,
        error            TEXT,
        runner_kind      TEXT NOT NULL,
        runner_version   TEXT NOT NULL,
        model_sha256     TEXT,
        model_path       TEXT,
        endpoint_url     TEXT,
        model_name       TEXT NOT NULL,
        sampling         TEXT NOT NULL CHECK (json_valid(sampling)),
        seed             INTEGER,
        prompt_tokens    INTEGER,
        completion_tokens INTEGER,
        ttft_ms          REAL,
        tokens_per_s     REAL,
        started_at       INTEGER NOT NULL,
        finished_at      INTEGER NOT NULL,
        job_id           INTEGER REFERENCES jobs(id),
        sample_index     INTEGER NOT NULL DEFAULT 0,
        source           TEXT NOT NULL CHECK (source IN ('playground', 'batch', 'regenerate')),
        created_at       INTEGER NOT NULL,
        FOREIGN KEY (template_id, template_version) REFERENCES template_versions(template_id, version)
      ) STRICT;
      CREATE INDEX generations_by_prompt ON generations(prompt_seq);
      CREATE INDEX generations_by_model ON generations(model_id);
      CREATE INDEX generations_by_job ON generations(job_id);

      CREATE TABLE job_items (
        id            INTEGER PRIMARY KEY,
        job_id        INTEGER NOT NULL REFERENCES jobs(id),
        prompt_seq    INTEGER NOT NULL REFERENCES prompts(seq),
        model_id      INTEGER NOT NULL REFERENCES models(id),
        sample_index  INTEGER NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        error         TEXT,
        generation_id INTEGER UNIQUE REFERENCES generations(id),
        started_at    INTEGER,
        finished_at   INTEGER,
        UNIQUE (job_id, prompt_seq, model_id, sample_index)
      ) STRICT;
      CREATE INDEX job_items_pending ON job_items(job_id, status, id);
    `);
  },
};
