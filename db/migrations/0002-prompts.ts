import type { Migration } from '../migration';

export const migration: Migration = {
  version: 2,
  name: 'prompts',
  up(db) {
    db.exec(`
      -- seq is the stable integer key other tables point at; id is the user's (or content-derived) id.
      CREATE TABLE prompts (
        seq        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        prompt     TEXT,
        messages   TEXT CHECK (messages IS NULL OR json_valid(messages)),
        reference  TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER,
        CHECK ((prompt IS NULL) <> (messages IS NULL))
      ) STRICT;
      CREATE INDEX prompts_live ON prompts(deleted_at, seq);

      CREATE TABLE prompt_tags (
        prompt_seq INTEGER NOT NULL REFERENCES prompts(seq) ON DELETE CASCADE,
        tag        TEXT NOT NULL,
        PRIMARY KEY (tag, prompt_seq)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX prompt_tags_by_prompt ON prompt_tags(prompt_seq);
    `);
  },
};
