import type { Migration } from '../migration';

/**
 * Full-text search over the prompt text (or the contents of its messages) and the reference.
 * Contentless so the text is not stored twice; the triggers compute the indexed text in SQL, so the
 * index stays right whichever program writes the file.
 */
export const migration: Migration = {
  version: 3,
  name: 'prompts-search',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE prompts_fts USING fts5(
        body, reference, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER prompts_fts_insert AFTER INSERT ON prompts BEGIN
        INSERT INTO prompts_fts(rowid, body, reference) VALUES (
          new.seq,
          coalesce(new.prompt, (SELECT group_concat(json_extract(value, '$.content'), char(10)) FROM json_each(new.messages))),
          new.reference);
      END;
      CREATE TRIGGER prompts_fts_delete AFTER DELETE ON prompts BEGIN
        DELETE FROM prompts_fts WHERE rowid = old.seq;
      END;
      CREATE TRIGGER prompts_fts_update AFTER UPDATE OF prompt, messages, reference ON prompts BEGIN
        DELETE FROM prompts_fts WHERE rowid = old.seq;
        INSERT INTO prompts_fts(rowid, body, reference) VALUES (
          new.seq,
          coalesce(new.prompt, (SELECT group_concat(json_extract(value, '$.content'), char(10)) FROM json_each(new.messages))),
          new.reference);
      END;
      INSERT INTO prompts_fts(rowid, body, reference)
        SELECT seq, coalesce(prompt, (SELECT group_concat(json_extract(value, '$.content'), char(10)) FROM json_each(messages))), reference
        FROM prompts;
    `);
  },
};
