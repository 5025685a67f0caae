import type { WritableDB } from '../handles';
import type { Migration } from '../migration';

/**
 * Datasets imported from other tools (HH-RLHF, Chatbot Arena, OpenAssistant, prompt/completion
 * files): their completions become generations, their preferences comparison labels.
 *
 * - `models.kind` gains 'import': a model known only by its name (an Arena model, "OpenAssistant",
 *   an HH-RLHF file), which cannot generate. Its row carries no path or endpoint.
 * - `generations.source` gains 'import'. SQLite cannot alter a CHECK, so both tables are rebuilt
 *   (create new, copy, drop, rename; foreign keys off around the transaction, checked before commit),
 *   keeping every column, id, index and the references other tables hold.
 * - `imports` records each dataset import; `generation_imports` and `comparison_label_imports`
 *   say which import, line and source record (an Arena question_id, an OASST message_id, with the
 *   source's other fields as JSON) every imported generation and label came from.
 */

/** The CREATE INDEX / CREATE TRIGGER statements on a table, to run again after it is rebuilt. */
function dependentsOf(db: WritableDB, table: string): string[] {
  return (
    db
      .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name")
      .pluck()
      .all(table) as string[]
  );
}

/** Swaps `${table}_new` in for `table`, moving the table's own indexes and triggers over. */
function replaceTable(db: WritableDB, table: string, columns: string): void {
  const dependents = dependentsOf(db, table);
  db.exec(`INSERT INTO ${table}_new (${columns}) SELECT ${columns} FROM ${table};`);
  db.exec(`DROP TABLE ${table};`);
  db.exec(`ALTER TABLE ${table}_new RENAME TO ${table};`);
  for (const sql of dependents) db.exec(sql);
}

const MODEL_COLUMNS =
  'id, name, kind, model_path, base_url, remote_model, api_key_env, api_key_encrypted, settings, created_at, retired_at';

const GENERATION_COLUMNS = [
  'id, prompt_seq, model_id, template_id, template_version, mode, input, rendered_prompt, output, finish_reason, error',
  'runner_kind, runner_version, model_sha256, model_path, endpoint_url, model_name, sampling, seed, prompt_tokens',
  'completion_tokens, ttft_ms, tokens_per_s, started_at, finished_at, job_id, sample_index, source, created_at',
].join(', ');

export const migration: Migration = {
  version: 7,
  name: 'imports',
  rebuildsTables: true,
  up(db) {
    db.exec(`
      CREATE TABLE models_new (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        -- import: a model known only by name, whose outputs came in a dataset file; it cannot generate.
        kind        TEXT NOT NULL CHECK (kind IN ('llama', 'openai', 'import')),
        model_path  TEXT,
        base_url    TEXT,
        remote_model TEXT,
        api_key_env TEXT,
        api_key_encrypted BLOB,
        settings    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
        created_at  INTEGER NOT NULL,
        retired_at  INTEGER,
        CHECK ((kind = 'llama' AND model_path IS NOT NULL)
            OR (kind = 'openai' AND base_url IS NOT NULL AND remote_model IS NOT NULL)
            OR (kind = 'import' AND model_path IS NULL AND base_url IS NULL AND api_key_env IS NULL AND api_key_encrypted IS NULL))
      ) STRICT;
    `);
    replaceTable(db, 'models', MODEL_COLUMNS);

    db.exec(`
      CREATE TABLE generations_new (
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
        source           TEXT NOT NULL CHECK (source IN ('playground', 'batch', 'regenerate', 'import')),
        created_at       INTEGER NOT NULL,
        FOREIGN KEY (template_id, template_version) REFERENCES template_versions(template_id, version)
      ) STRICT;
    `);
    replaceTable(db, 'generations', GENERATION_COLUMNS);

    db.exec(`
      -- One imported model per name.
      CREATE UNIQUE INDEX models_imported_by_name ON models(name) WHERE kind = 'import';

      CREATE TABLE imports (
        id         INTEGER PRIMARY KEY,
        -- The name the user knows the file by, and the format it was read as.
        file       TEXT NOT NULL,
        format     TEXT NOT NULL,
        -- The report the import returned (JSON), written when it commits.
        report     TEXT CHECK (report IS NULL OR json_valid(report)),
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE generation_imports (
        generation_id INTEGER PRIMARY KEY REFERENCES generations(id),
        import_id     INTEGER NOT NULL REFERENCES imports(id),
        -- The 1-based line of the file the record started on.
        line          INTEGER NOT NULL CHECK (line >= 1),
        -- The source's id for the record (Arena question_id, OASST message_id, the row's id), if any.
        external_id   TEXT,
        -- Fields of the source record Assay has no column for (Arena judge and tstamp, OASST labels).
        meta          TEXT CHECK (meta IS NULL OR json_valid(meta))
      ) STRICT;
      CREATE INDEX generation_imports_by_import ON generation_imports(import_id);

      CREATE TABLE comparison_label_imports (
        label_id    INTEGER PRIMARY KEY REFERENCES comparison_labels(id),
        import_id   INTEGER NOT NULL REFERENCES imports(id),
        line        INTEGER NOT NULL CHECK (line >= 1),
        external_id TEXT,
        meta        TEXT CHECK (meta IS NULL OR json_valid(meta))
      ) STRICT;
      CREATE INDEX comparison_label_imports_by_import ON comparison_label_imports(import_id);
    `);
  },
};
