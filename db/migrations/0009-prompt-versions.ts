import type { Migration } from '../migration';

/**
 * Prompt versions: an output stays bound to the text the model saw.
 *
 * - `prompts.version` numbers the prompt's current text (1 for every existing prompt).
 * - `prompt_versions` keeps each superseded text (prompt or messages, and the reference it had),
 *   by (prompt, version). The current text stays in `prompts` only, so an import of a million
 *   prompts writes each text once.
 * - `generations.prompt_version` is the version an output was made from. Every existing generation
 *   is bound to version 1, the text its prompt has now (the only text the workspace still knows).
 *
 * Two triggers keep this right whichever program writes the file (like the search index's):
 * - a change of a prompt's text (prompt or messages) copies the current version to
 *   `prompt_versions` and makes the new text version k+1, like a template's save. Always, not only
 *   when outputs exist: a generation still running when the text changes was rendered from the old
 *   version and is stored with that number. Tags and the reference alone are not text the model
 *   saw: they do not make a version.
 * - a generation inserted without a version gets its prompt's current one. The runner and the batch
 *   scheduler pass the version they rendered, so an edit made while a generation ran cannot bind it
 *   to text it never saw.
 */
export const migration: Migration = {
  version: 9,
  name: 'prompt-versions',
  up(db) {
    db.exec(`
      ALTER TABLE prompts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

      CREATE TABLE prompt_versions (
        prompt_seq    INTEGER NOT NULL REFERENCES prompts(seq),
        version       INTEGER NOT NULL,
        prompt        TEXT,
        messages      TEXT CHECK (messages IS NULL OR json_valid(messages)),
        reference     TEXT,
        superseded_at INTEGER NOT NULL,
        PRIMARY KEY (prompt_seq, version),
        CHECK ((prompt IS NULL) <> (messages IS NULL))
      ) STRICT, WITHOUT ROWID;

      ALTER TABLE generations ADD COLUMN prompt_version INTEGER;
      UPDATE generations SET prompt_version = 1;

      CREATE TRIGGER prompts_new_version AFTER UPDATE OF prompt, messages ON prompts
      WHEN old.prompt IS NOT new.prompt OR old.messages IS NOT new.messages
      BEGIN
        INSERT INTO prompt_versions (prompt_seq, version, prompt, messages, reference, superseded_at)
          VALUES (old.seq, old.version, old.prompt, old.messages, old.reference, new.updated_at);
        UPDATE prompts SET version = old.version + 1 WHERE seq = old.seq;
      END;

      CREATE TRIGGER generations_prompt_version AFTER INSERT ON generations
      WHEN new.prompt_version IS NULL
      BEGIN
        UPDATE generations SET prompt_version = (SELECT version FROM prompts WHERE seq = new.prompt_seq) WHERE id = new.id;
      END;
    `);
  },
};
