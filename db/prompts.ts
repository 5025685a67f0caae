import type { ChatMessage, Prompt, PromptSummary, PromptVersion } from '../contract/prompts';
import type { ReadableDB, WritableDB } from './handles';

/** The stored shape of a prompt, as the writer functions take it. */
export interface PromptRecord {
  id: string;
  prompt: string | null;
  messages: ChatMessage[] | null;
  reference: string | null;
  tags: string[];
}

interface PromptRow {
  seq: number;
  id: string;
  prompt: string | null;
  messages: string | null;
  reference: string | null;
  created_at: number;
  updated_at: number;
  version: number;
  outputs: number;
  tags: string | null;
}

/** The prompts list shows more of each prompt than the queues do. */
const PREVIEW_CHARS = 240;

/** A prompt's first `maxChars`: its text, or a conversation's last user turn (queues and lists). */
export function promptPreview(prompt: string | null, messages: string | null, maxChars: number): string {
  if (prompt !== null) return prompt.slice(0, maxChars);
  const parsed = JSON.parse(messages ?? '[]') as ChatMessage[];
  const lastUser = [...parsed].reverse().find((m) => m.role === 'user') ?? parsed[0];
  return (lastUser?.content ?? '').slice(0, maxChars);
}

function splitTags(joined: string | null): string[] {
  // Tags are joined with U+001F (unit separator), which Tag validation keeps out of tag text.
  return joined ? joined.split('\u001f').sort() : [];
}

/**
 * Turns what a user types into an FTS5 query: each word becomes a quoted prefix term, so quotes,
 * parentheses and operators in the input are matched as text instead of breaking the query.
 */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}_]+/gu);
  if (!words || words.length === 0) return null;
  return words.map((w) => `"${w}"*`).join(' ');
}

export interface ListFilter {
  query: string;
  tags: string[];
  offset: number;
  limit: number;
}

/** The WHERE clause (over `prompts p`) for live prompts matching a search and all of some tags. */
function filterClause(filter: { query: string; tags: string[] }): { whereSql: string; params: unknown[] } {
  const where: string[] = ['p.deleted_at IS NULL'];
  const params: unknown[] = [];
  const match = ftsQuery(filter.query);
  if (match) {
    where.push('p.seq IN (SELECT rowid FROM prompts_fts WHERE prompts_fts MATCH ?)');
    params.push(match);
  }
  for (const tag of filter.tags) {
    where.push('EXISTS (SELECT 1 FROM prompt_tags t WHERE t.prompt_seq = p.seq AND t.tag = ?)');
    params.push(tag);
  }
  return { whereSql: where.join(' AND '), params };
}

/** The seqs of every live prompt matching a filter, in list order (a batch job's prompts). */
export function promptSeqsMatching(db: ReadableDB, filter: { query: string; tags: string[] }): number[] {
  const { whereSql, params } = filterClause(filter);
  return (db.prepare(`SELECT p.seq FROM prompts p WHERE ${whereSql} ORDER BY p.seq`).pluck().all(...params) as number[]);
}

/** The seqs of live prompts by id, in the order given; ids that do not exist are returned apart. */
export function promptSeqsForIds(db: ReadableDB, ids: string[]): { seqs: number[]; missing: string[] } {
  const find = db.prepare('SELECT seq FROM prompts WHERE id = ? AND deleted_at IS NULL').pluck();
  const seqs: number[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const seq = find.get(id) as number | undefined;
    if (seq === undefined) missing.push(id);
    else seqs.push(seq);
  }
  return { seqs, missing };
}

export function listPrompts(db: ReadableDB, filter: ListFilter): { total: number; items: PromptSummary[] } {
  const { whereSql, params } = filterClause(filter);
  const { total } = db.prepare(`SELECT count(*) AS total FROM prompts p WHERE ${whereSql}`).get(...params) as { total: number };
  const rows = db
    .prepare(
      `SELECT p.seq, p.id, p.prompt, p.messages, p.reference, p.updated_at,
              (SELECT group_concat(tag, char(31)) FROM prompt_tags t WHERE t.prompt_seq = p.seq) AS tags
       FROM prompts p WHERE ${whereSql} ORDER BY p.seq LIMIT ? OFFSET ?`,
    )
    .all(...params, filter.limit, filter.offset) as PromptRow[];
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      preview: promptPreview(r.prompt, r.messages, PREVIEW_CHARS),
      kind: r.prompt !== null ? 'text' : 'messages',
      tags: splitTags(r.tags),
      hasReference: r.reference !== null && r.reference !== '',
      updatedAt: r.updated_at,
    })),
  };
}

function toPrompt(row: PromptRow): Prompt {
  return {
    id: row.id,
    prompt: row.prompt,
    messages: row.messages === null ? null : (JSON.parse(row.messages) as ChatMessage[]),
    reference: row.reference,
    tags: splitTags(row.tags),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    outputs: row.outputs,
  };
}

export function getPrompt(db: ReadableDB, id: string): Prompt | null {
  const row = db
    .prepare(
      `SELECT p.*, (SELECT group_concat(tag, char(31)) FROM prompt_tags t WHERE t.prompt_seq = p.seq) AS tags,
              (SELECT count(*) FROM generations g WHERE g.prompt_seq = p.seq AND g.prompt_version = p.version) AS outputs
       FROM prompts p WHERE p.id = ? AND p.deleted_at IS NULL`,
    )
    .get(id) as PromptRow | undefined;
  return row ? toPrompt(row) : null;
}

/**
 * Every version of a live prompt's text, newest (current) first, with the outputs made from each;
 * null when there is no live prompt with that id.
 */
export function promptVersions(db: ReadableDB, id: string): PromptVersion[] | null {
  const head = db.prepare('SELECT seq, version, prompt, messages, reference FROM prompts WHERE id = ? AND deleted_at IS NULL').get(id) as
    | { seq: number; version: number; prompt: string | null; messages: string | null; reference: string | null }
    | undefined;
  if (!head) return null;
  const outputs = new Map(
    (db.prepare('SELECT prompt_version AS v, count(*) AS n FROM generations WHERE prompt_seq = ? GROUP BY prompt_version').all(head.seq) as { v: number; n: number }[]).map(
      (r) => [r.v, r.n],
    ),
  );
  const older = db
    .prepare('SELECT version, prompt, messages, reference, superseded_at FROM prompt_versions WHERE prompt_seq = ? ORDER BY version DESC')
    .all(head.seq) as { version: number; prompt: string | null; messages: string | null; reference: string | null; superseded_at: number }[];
  const parse = (m: string | null) => (m === null ? null : (JSON.parse(m) as ChatMessage[]));
  return [
    { version: head.version, prompt: head.prompt, messages: parse(head.messages), reference: head.reference, supersededAt: null, outputs: outputs.get(head.version) ?? 0 },
    ...older.map((v) => ({
      version: v.version,
      prompt: v.prompt,
      messages: parse(v.messages),
      reference: v.reference,
      supersededAt: v.superseded_at,
      outputs: outputs.get(v.version) ?? 0,
    })),
  ];
}

/** The current version of a prompt by seq (what a generation rendered now is made from). */
export function promptVersionOf(db: ReadableDB, seq: number): number | null {
  return (db.prepare('SELECT version FROM prompts WHERE seq = ?').pluck().get(seq) as number | undefined) ?? null;
}

/**
 * The text an output saw: a join on `prompt_versions` (as `alias`) by the generation's prompt and
 * version, and the prompt/messages columns that take the superseded text when there is one and
 * the prompt's current text otherwise. `p` is the prompts row, `seq` and `version` SQL expressions.
 */
export function promptAsSeen(p: string, seq: string, version: string, alias = 'pv') {
  return {
    join: `LEFT JOIN prompt_versions ${alias} ON ${alias}.prompt_seq = ${seq} AND ${alias}.version = ${version}`,
    prompt: `(CASE WHEN ${alias}.version IS NULL THEN ${p}.prompt ELSE ${alias}.prompt END)`,
    messages: `(CASE WHEN ${alias}.version IS NULL THEN ${p}.messages ELSE ${alias}.messages END)`,
    /** The reference the version had when it was superseded (a new text usually has a new answer). */
    reference: `(CASE WHEN ${alias}.version IS NULL THEN ${p}.reference ELSE ${alias}.reference END)`,
  };
}

export function countPrompts(db: ReadableDB): number {
  return (db.prepare('SELECT count(*) AS n FROM prompts WHERE deleted_at IS NULL').get() as { n: number }).n;
}

export function listTags(db: ReadableDB): { tag: string; count: number }[] {
  return db
    .prepare(
      `SELECT t.tag, count(*) AS count FROM prompt_tags t JOIN prompts p ON p.seq = t.prompt_seq
       WHERE p.deleted_at IS NULL GROUP BY t.tag ORDER BY count DESC, t.tag`,
    )
    .all() as { tag: string; count: number }[];
}

export type UpsertOutcome = 'inserted' | 'replaced' | 'skipped';

/**
 * Prepared statements for writing prompts, made once per connection and reused for every row:
 * the importer's hot path is these few statements.
 */
export function promptWriter(db: WritableDB) {
  const insert = db.prepare(
    `INSERT INTO prompts (id, prompt, messages, reference, created_at, updated_at)
     VALUES (@id, @prompt, @messages, @reference, @now, @now)
     ON CONFLICT(id) DO NOTHING RETURNING seq`,
  );
  const findAny = db.prepare('SELECT seq, deleted_at FROM prompts WHERE id = ?');
  const replace = db.prepare(
    `UPDATE prompts SET prompt = @prompt, messages = @messages, reference = @reference,
            updated_at = @now, deleted_at = NULL WHERE seq = @seq`,
  );
  const clearTags = db.prepare('DELETE FROM prompt_tags WHERE prompt_seq = ?');
  const addTag = db.prepare('INSERT OR IGNORE INTO prompt_tags (prompt_seq, tag) VALUES (?, ?)');
  const softDelete = db.prepare('UPDATE prompts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL');
  const restore = db.prepare('UPDATE prompts SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL');

  function params(r: PromptRecord, now: number) {
    return {
      id: r.id,
      prompt: r.prompt,
      messages: r.messages === null ? null : JSON.stringify(r.messages),
      reference: r.reference,
      now,
    };
  }
  function writeTags(seq: number, tags: string[]) {
    for (const tag of tags) addTag.run(seq, tag);
  }

  return {
    /**
     * Inserts the prompt, or decides what an existing id means: a soft-deleted row is revived with
     * the new content; a live one is replaced or skipped as the caller's policy says.
     */
    upsert(r: PromptRecord, onDuplicate: 'skip' | 'replace', now: number): UpsertOutcome {
      const inserted = insert.get(params(r, now)) as { seq: number } | undefined;
      if (inserted) {
        writeTags(inserted.seq, r.tags);
        return 'inserted';
      }
      const existing = findAny.get(r.id) as { seq: number; deleted_at: number | null };
      const revive = existing.deleted_at !== null;
      if (!revive && onDuplicate === 'skip') return 'skipped';
      replace.run({ ...params(r, now), seq: existing.seq });
      clearTags.run(existing.seq);
      writeTags(existing.seq, r.tags);
      return revive ? 'inserted' : 'replaced';
    },
    /** Rewrites a live prompt; false when there is none with that id. */
    update(r: PromptRecord, now: number): boolean {
      const existing = findAny.get(r.id) as { seq: number; deleted_at: number | null } | undefined;
      if (!existing || existing.deleted_at !== null) return false;
      replace.run({ ...params(r, now), seq: existing.seq });
      clearTags.run(existing.seq);
      writeTags(existing.seq, r.tags);
      return true;
    },
    softDelete(ids: string[], now: number): string[] {
      return ids.filter((id) => softDelete.run(now, id).changes > 0);
    },
    restore(ids: string[]): string[] {
      return ids.filter((id) => restore.run(id).changes > 0);
    },
  };
}


/**
 * The prompt a playground output of typed text is stored under: the prompt `baseId` (the text's
 * content id) when its current or an earlier version is that text, made (or revived) when there is
 * none; when that id was since edited to other text, `baseId-2`, `baseId-3`, … by the same rule.
 * Returns the prompt and the version that is the typed text.
 */
export function promptForTypedText(db: WritableDB, baseId: string, text: string, tags: string[], now: number): { seq: number; version: number } {
  const find = db.prepare('SELECT seq, version, prompt, deleted_at FROM prompts WHERE id = ?');
  const older = db.prepare('SELECT version FROM prompt_versions WHERE prompt_seq = ? AND prompt = ? ORDER BY version DESC LIMIT 1').pluck();
  const write = promptWriter(db);
  for (let n = 1; ; n++) {
    const id = n === 1 ? baseId : `${baseId}-${n}`;
    const row = find.get(id) as { seq: number; version: number; prompt: string | null; deleted_at: number | null } | undefined;
    if (row && row.deleted_at === null) {
      if (row.prompt === text) return { seq: row.seq, version: row.version };
      const version = older.get(row.seq, text) as number | undefined;
      if (version !== undefined) return { seq: row.seq, version };
      continue;
    }
    write.upsert({ id, prompt: text, messages: null, reference: null, tags }, 'skip', now);
    const made = find.get(id) as { seq: number; version: number };
    return { seq: made.seq, version: made.version };
  }
}
