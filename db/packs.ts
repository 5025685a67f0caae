import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ReadableDB, WritableDB } from './handles';

/**
 * SQL of offline review packs (core/packs/). A pack is an ordinary workspace file holding copies
 * of the source's rows (ids kept) for the items, the rubric, the guidelines, the taxonomy, the
 * settings and the one reviewer it is for; labels the reviewer makes in it get the pack's own ids,
 * which the merge moves into the pack's id block in the source (`packIdBase`), so a merged row's id
 * depends only on the pack and never on the order packs are merged in.
 */

/** The shipped tables, in the order they are copied and checksummed, with their row order. */
export const SHIPPED_TABLES: readonly { name: string; order: string }[] = [
  { name: 'reviewers', order: 'id' },
  { name: 'prompts', order: 'seq' },
  { name: 'prompt_versions', order: 'prompt_seq, version' },
  { name: 'models', order: 'id' },
  { name: 'templates', order: 'id' },
  { name: 'template_versions', order: 'template_id, version' },
  { name: 'generations', order: 'id' },
  { name: 'comparison_tasks', order: 'id' },
  { name: 'comparison_task_outputs', order: 'task_id, position' },
  { name: 'rubric_criteria', order: 'id' },
  { name: 'guideline_versions', order: 'version' },
  { name: 'failure_classes', order: 'id' },
  { name: 'review_sessions', order: 'id' },
  { name: 'review_session_items', order: 'session_id, kind, item_id' },
  { name: 'review_session_reviewers', order: 'session_id, reviewer_id' },
];

/** Label tables merged back, parents first, with the columns holding ids of label rows. */
export const LABEL_TABLES: readonly { name: string; ids: readonly string[] }[] = [
  { name: 'reviews', ids: ['id'] },
  { name: 'review_ratings', ids: ['review_id'] },
  { name: 'review_history', ids: ['review_id'] },
  { name: 'failure_tags', ids: ['id', 'review_id'] },
  { name: 'thinkaloud_steps', ids: ['id', 'review_id', 'tag_id'] },
  { name: 'comparison_labels', ids: ['id'] },
  { name: 'comparison_ranks', ids: ['label_id'] },
  { name: 'comparison_label_history', ids: ['id', 'label_id'] },
  // Versions are renumbered per output after the merge (renumberCorrections).
  { name: 'corrections', ids: ['id'] },
];

/** Ids of merged rows: 2^40 + seq·2^24 + the pack's own id (a pack holds fewer than 2^24 rows per table). */
export const PACK_BLOCK = 2 ** 24;
export function packIdBase(seq: number): number {
  return 2 ** 40 + seq * PACK_BLOCK;
}

export function columnsOf(db: ReadableDB, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
}

/** Copies the shipped rows from `sourceFile` into the (new, empty-of-data) pack opened as `pack`. */
export function copyIntoPack(
  pack: WritableDB,
  sourceFile: string,
  items: { generationIds: number[]; taskIds: number[] },
  reviewerId: number,
  sessionId: number | null = null,
): void {
  pack.prepare('ATTACH DATABASE ? AS src').run(sourceFile);
  try {
    pack.transaction(() => {
      pack.exec('DELETE FROM main.rubric_criteria; DELETE FROM main.failure_classes; DELETE FROM main.settings;');
      pack.exec('CREATE TEMP TABLE pack_gens (id INTEGER PRIMARY KEY); CREATE TEMP TABLE pack_tasks (id INTEGER PRIMARY KEY); CREATE TEMP TABLE pack_review (id INTEGER PRIMARY KEY);');
      const g = pack.prepare('INSERT OR IGNORE INTO temp.pack_gens VALUES (?)');
      const rv = pack.prepare('INSERT OR IGNORE INTO temp.pack_review VALUES (?)');
      for (const id of items.generationIds) {
        g.run(id);
        rv.run(id);
      }
      const t = pack.prepare('INSERT OR IGNORE INTO temp.pack_tasks VALUES (?)');
      for (const id of items.taskIds) t.run(id);
      pack.exec(`INSERT OR IGNORE INTO temp.pack_gens SELECT generation_id FROM src.comparison_task_outputs WHERE task_id IN (SELECT id FROM temp.pack_tasks)`);
      const copy = (table: string, where: string, replace: Record<string, string> = {}) => {
        const cols = columnsOf(pack, table);
        const select = cols.map((c) => replace[c] ?? c).join(', ');
        pack.exec(`INSERT INTO main.${table} (${cols.join(', ')}) SELECT ${select} FROM src.${table} WHERE ${where}`);
      };
      const promptSeqs = `(SELECT prompt_seq FROM src.generations WHERE id IN (SELECT id FROM temp.pack_gens) UNION SELECT prompt_seq FROM src.comparison_tasks WHERE id IN (SELECT id FROM temp.pack_tasks))`;
      copy('reviewers', `id = ${Number(reviewerId)}`);
      copy('prompts', `seq IN ${promptSeqs}`);
      copy('prompt_versions', `prompt_seq IN ${promptSeqs}`);
      copy('models', `id IN (SELECT model_id FROM src.generations WHERE id IN (SELECT id FROM temp.pack_gens))`, { api_key_encrypted: 'NULL' });
      const tpl = `(SELECT template_id FROM src.generations WHERE id IN (SELECT id FROM temp.pack_gens) AND template_id IS NOT NULL)`;
      copy('templates', `id IN ${tpl}`);
      copy('template_versions', `template_id IN ${tpl}`);
      copy('generations', `id IN (SELECT id FROM temp.pack_gens)`, { job_id: 'NULL' });
      copy('comparison_tasks', `id IN (SELECT id FROM temp.pack_tasks)`);
      copy('comparison_task_outputs', `task_id IN (SELECT id FROM temp.pack_tasks)`);
      copy('rubric_criteria', '1');
      copy('guideline_versions', '1', { reviewer_id: `CASE WHEN reviewer_id = ${Number(reviewerId)} THEN reviewer_id END` });
      // Parents first: a class's parent and merge target have smaller ids only by convention, so copy without them and fill them after.
      copy('failure_classes', '1', { parent_id: 'NULL', merged_into_id: 'NULL', retired_at: 'retired_at' });
      pack.exec(`UPDATE main.failure_classes SET parent_id = (SELECT parent_id FROM src.failure_classes s WHERE s.id = main.failure_classes.id),
                   merged_into_id = (SELECT merged_into_id FROM src.failure_classes s WHERE s.id = main.failure_classes.id)`);
      copy('settings', '1');
      if (sessionId !== null) {
        // The session, so the reviewer works it in its seeded order (Work in › the session): only the
        // pack's items and this reviewer; gold answers stay in the source.
        const sid = Number(sessionId);
        copy('review_sessions', `id = ${sid}`, { created_by: String(Number(reviewerId)) });
        copy(
          'review_session_items',
          `session_id = ${sid} AND ((kind = 'review' AND item_id IN (SELECT id FROM temp.pack_review)) OR (kind = 'compare' AND item_id IN (SELECT id FROM temp.pack_tasks)))`,
        );
        copy('review_session_reviewers', `session_id = ${sid} AND reviewer_id = ${Number(reviewerId)}`);
      }
      pack.exec('DROP TABLE temp.pack_gens; DROP TABLE temp.pack_tasks; DROP TABLE temp.pack_review;');
    })();
  } finally {
    pack.exec('DETACH DATABASE src');
  }
}

export interface ShippedLimits {
  /** Largest failure-class id shipped; classes above it were made in the pack. */
  maxClassId: number;
  reviewerId: number;
}

/**
 * sha256 over the shipped rows (classes made in the pack and other reviewers excluded), one digest
 * per table: each row as one JSON array made by SQLite (json_array; a BLOB as 'x' + hex: json_array
 * refuses blobs) followed by a newline, in the table's order. The hash is of those bytes only, so
 * how they are fetched does not change it: a table ordered by its INTEGER PRIMARY KEY (the big
 * ones: prompts, generations, tasks) is read 2,000 rows at a time from after the last key seen (a
 * seek on the rowid, no sort and no window), others row by row in their primary key's order.
 * No row becomes a JS object and memory stays flat.
 */
export function shippedDigests(db: ReadableDB, limits: ShippedLimits): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of SHIPPED_TABLES) {
    const where = t.name === 'failure_classes' ? `id <= ${Number(limits.maxClassId)}` : t.name === 'reviewers' ? `id = ${Number(limits.reviewerId)}` : '1';
    const hash = createHash('sha256');
    const info = db.prepare('SELECT name, type, pk FROM pragma_table_info(?)').all(t.name) as { name: string; type: string; pk: number }[];
    const cols = info.map((c) => (c.type.toUpperCase() === 'BLOB' ? `CASE typeof("${c.name}") WHEN 'blob' THEN 'x' || hex("${c.name}") ELSE "${c.name}" END` : `"${c.name}"`)).join(', ');
    const pk = info.filter((c) => c.pk > 0);
    const rowidOrder = pk.length === 1 && pk[0]!.name === t.order && pk[0]!.type.toUpperCase() === 'INTEGER';
    if (rowidOrder) {
      const page = db.prepare(`SELECT "${t.order}", json_array(${cols}) FROM ${t.name} WHERE ${where} AND "${t.order}" > ? ORDER BY "${t.order}" LIMIT ${DIGEST_PAGE}`).raw(true);
      let after: number | bigint = -(2 ** 63);
      for (;;) {
        const rows = page.all(after) as [number, string][];
        if (rows.length === 0) break;
        let text = '';
        for (const r of rows) text += `${r[1]}\n`;
        hash.update(text);
        if (rows.length < DIGEST_PAGE) break;
        after = rows[rows.length - 1]![0];
      }
    } else {
      let text = '';
      for (const j of db.prepare(`SELECT json_array(${cols}) FROM ${t.name} WHERE ${where} ORDER BY ${t.order}`).pluck().iterate() as IterableIterator<string>) {
        text += `${j}\n`;
        if (text.length >= 1 << 16) {
          hash.update(text);
          text = '';
        }
      }
      hash.update(text);
    }
    out[t.name] = hash.digest('hex');
  }
  return out;
}

const DIGEST_PAGE = 2000;

export function maxClassId(db: ReadableDB): number {
  return (db.prepare('SELECT coalesce(max(id), 0) FROM failure_classes').pluck().get() as number);
}

export interface PackClass {
  id: number;
  parent_id: number | null;
  name: string;
}

/** Classes made in the pack (id above the shipped ones). */
export function classesAbove(db: ReadableDB, id: number): PackClass[] {
  return db.prepare('SELECT id, parent_id, name FROM failure_classes WHERE id > ? ORDER BY id').all(id) as PackClass[];
}

export function liveClassNamed(db: ReadableDB, parentId: number | null, name: string): number | null {
  return (db
    .prepare('SELECT id FROM failure_classes WHERE coalesce(parent_id, 0) = coalesce(?, 0) AND name = ? COLLATE NOCASE AND retired_at IS NULL')
    .pluck()
    .get(parentId, name) as number | undefined) ?? null;
}

/** Reviewer ids other than `reviewerId` found on the pack's label rows (a pack holds one reviewer's labels). */
export function foreignLabelReviewers(db: ReadableDB, reviewerId: number): number[] {
  return db
    .prepare(
      `SELECT reviewer_id FROM reviews WHERE reviewer_id <> @r UNION SELECT reviewer_id FROM comparison_labels WHERE reviewer_id <> @r
       UNION SELECT reviewer_id FROM corrections WHERE reviewer_id <> @r UNION SELECT reviewer_id FROM review_session_swaps WHERE reviewer_id <> @r`,
    )
    .pluck()
    .all({ r: reviewerId }) as number[];
}

export function labelRowCount(db: ReadableDB): number {
  return (db.prepare('SELECT (SELECT count(*) FROM reviews) + (SELECT count(*) FROM comparison_labels)').pluck().get() as number);
}

/** The largest row count of any merged table in the pack (each must fit its id block). */
export function largestLabelTable(db: ReadableDB): number {
  return Math.max(
    ...LABEL_TABLES.map((t) => db.prepare(`SELECT ${t.ids.includes('id') ? 'coalesce(max(id), 0)' : 'count(*)'} FROM ${t.name}`).pluck().get() as number),
  );
}

export interface MergeCandidate {
  kind: 'review' | 'compare';
  id: number;
  item: number;
  reviewer: number;
  updated_at: number;
  /** A submitted review (every comparison label counts as submitted). */
  submitted: boolean;
}

/** Every label row of the pack, table by table, as raw arrays in the column order of `columnsOf`. */
export function packRows(pack: ReadableDB, table: string, cols: string[]): IterableIterator<unknown[]> {
  // The statement's own iterator (no generator around it: a merge reads every row through it).
  return pack.prepare(`SELECT ${cols.join(', ')} FROM ${table}`).raw(true).iterate() as IterableIterator<unknown[]>;
}

/** Writes rows (arrays in `cols` order) into a table, in the order given; `flush` writes the ones held. */
export interface RowWriter {
  add(row: readonly unknown[]): void;
  flush(): void;
  /** Rows added, and rows SQLite wrote (fewer when some were ignored), counted at each write. */
  readonly added: number;
  readonly written: number;
}

/** Rows per INSERT of a `RowWriter`: one statement of 64 rows costs about what 4 single-row ones do. */
export const INSERT_BATCH = 64;

/**
 * `INSERT OR IGNORE` of label rows, `INSERT_BATCH` rows per statement (each row still ignored on
 * its own when its id is there: a pack merged before). Rows are written in the order added; the
 * caller flushes before anything reads or updates the table (and at the end).
 */
export function inserter(db: WritableDB, table: string, cols: string[]): RowWriter {
  const one = `(${cols.map(() => '?').join(', ')})`;
  const single = db.prepare(`INSERT OR IGNORE INTO ${table} (${cols.join(', ')}) VALUES ${one}`);
  const many = db.prepare(`INSERT OR IGNORE INTO ${table} (${cols.join(', ')}) VALUES ${new Array<string>(INSERT_BATCH).fill(one).join(', ')}`);
  const width = cols.length;
  const held = new Array<unknown>(width * INSERT_BATCH);
  let n = 0;
  let added = 0;
  let written = 0;
  return {
    add(row) {
      const at = n * width;
      for (let i = 0; i < width; i++) held[at + i] = row[i];
      added++;
      if (++n === INSERT_BATCH) {
        written += many.run(held).changes;
        n = 0;
      }
    },
    flush() {
      for (let r = 0; r < n; r++) written += single.run(held.slice(r * width, (r + 1) * width)).changes;
      n = 0;
    },
    get added() {
      return added;
    },
    get written() {
      return written;
    },
  };
}

export function mergedPack(db: ReadableDB, packId: string): { checksum: string } | null {
  return (db.prepare('SELECT checksum FROM pack_merges WHERE pack_id = ?').get(packId) as { checksum: string } | undefined) ?? null;
}

export function recordPackMerge(db: WritableDB, p: { packId: string; seq: number; reviewerId: number; checksum: string; labels: number }): void {
  db.prepare('INSERT INTO pack_merges (pack_id, pack_seq, reviewer_id, checksum, labels) VALUES (?, ?, ?, ?, ?)').run(p.packId, p.seq, p.reviewerId, p.checksum, p.labels);
}

const LIVE = {
  review: { table: 'reviews', item: 'generation_id', status: 'status' },
  compare: { table: 'comparison_labels', item: 'task_id', status: "'submitted'" },
} as const;

/** Statements of the merge, prepared once per connection (a merge runs them per label). */
const cache = new WeakMap<object, Map<string, Database.Statement>>();
function stmt(db: ReadableDB, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

/** Every live label of a reviewer of one kind, by item. */
export function liveLabels(db: ReadableDB, kind: 'review' | 'compare', reviewer: number): Map<number, MergeCandidate> {
  const t = LIVE[kind];
  const rows = stmt(db, `SELECT id, ${t.item} AS item, updated_at, ${t.status} = 'submitted' AS submitted FROM ${t.table} WHERE reviewer_id = ? AND deleted_at IS NULL`)
    .raw(true)
    .all(reviewer) as [number, number, number, number][];
  return new Map(rows.map(([id, item, updated_at, submitted]) => [item, { kind, id, item, reviewer, updated_at, submitted: submitted === 1 }]));
}

/** Makes `id` not live (its deleted_at becomes its own updated_at, so it is the same whatever the order) and records it. */
export function supersede(db: WritableDB, kind: 'review' | 'compare', id: number): void {
  stmt(db, `UPDATE ${LIVE[kind].table} SET deleted_at = updated_at WHERE id = ?`).run(id);
  stmt(db, 'INSERT OR IGNORE INTO pack_superseded (kind, label_id) VALUES (?, ?)').run(kind, id);
}

/** Records that a label written not live (by a merge) lost to another. */
export function superseded(db: WritableDB, kind: 'review' | 'compare', id: number): void {
  stmt(db, 'INSERT OR IGNORE INTO pack_superseded (kind, label_id) VALUES (?, ?)').run(kind, id);
}

/**
 * Numbers an output's corrections 1, 2, … by (created_at, id): the newest correction is the
 * output's correction (exports take the highest version), whichever side made it. A function of the
 * set of rows only, so the order packs are merged in does not matter.
 */
export function renumberCorrections(db: WritableDB, generationIds: Iterable<number>): void {
  const OFF = 2 ** 52;
  const lift = db.prepare(
    `UPDATE corrections SET version = ${OFF} + o.rn FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS rn FROM corrections WHERE generation_id = ?) o
     WHERE corrections.id = o.id`,
  );
  const drop = db.prepare(`UPDATE corrections SET version = version - ${OFF} WHERE generation_id = ?`);
  for (const g of generationIds) {
    lift.run(g);
    drop.run(g);
  }
}

/** Corrections of an output other than `exceptIds`, newest last. */
export function correctionsOf(db: ReadableDB, generationId: number): { id: number; reviewer_id: number; text: string; created_at: number; version: number }[] {
  return db.prepare('SELECT id, reviewer_id, text, created_at, version FROM corrections WHERE generation_id = ? ORDER BY version').all(generationId) as never;
}

export interface SwapRow {
  session_id: number;
  task_id: number;
  reviewer_id: number;
  choice: string;
  strength: string | null;
  rationale: string;
  time_spent_ms: number;
  created_at: number;
}

export function packSwaps(pack: ReadableDB): SwapRow[] {
  return pack.prepare('SELECT session_id, task_id, reviewer_id, choice, strength, rationale, time_spent_ms, created_at FROM review_session_swaps ORDER BY session_id, task_id').all() as SwapRow[];
}

export function swapOf(db: ReadableDB, s: Pick<SwapRow, 'session_id' | 'task_id' | 'reviewer_id'>): SwapRow | null {
  return (db
    .prepare('SELECT session_id, task_id, reviewer_id, choice, strength, rationale, time_spent_ms, created_at FROM review_session_swaps WHERE session_id = ? AND task_id = ? AND reviewer_id = ?')
    .get(s.session_id, s.task_id, s.reviewer_id) as SwapRow | undefined) ?? null;
}

export function sessionExists(db: ReadableDB, id: number): boolean {
  return db.prepare('SELECT 1 FROM review_sessions WHERE id = ?').get(id) !== undefined;
}

/** Writes a swap re-show (replacing the one of the same session, task and reviewer). */
export function putSwap(db: WritableDB, s: SwapRow): void {
  db.prepare(
    `INSERT INTO review_session_swaps (session_id, task_id, reviewer_id, choice, strength, rationale, time_spent_ms, created_at)
     VALUES (@session_id, @task_id, @reviewer_id, @choice, @strength, @rationale, @time_spent_ms, @created_at)
     ON CONFLICT (session_id, task_id, reviewer_id) DO UPDATE SET choice = excluded.choice, strength = excluded.strength,
       rationale = excluded.rationale, time_spent_ms = excluded.time_spent_ms, created_at = excluded.created_at`,
  ).run(s);
}

/** One line saying what a label is, for the conflict report ("submitted · bad · 2 tags", "B (clearly)"). */
export function labelSummary(db: ReadableDB, kind: 'review' | 'compare', id: number): { summary: string; status: string | null; updatedAt: number } {
  if (kind === 'review') {
    const r = db
      .prepare(
        `SELECT status, verdict, updated_at, comment,
           (SELECT count(*) FROM failure_tags t WHERE t.review_id = r.id AND t.deleted_at IS NULL) AS tags,
           (SELECT count(*) FROM thinkaloud_steps s WHERE s.review_id = r.id AND s.deleted_at IS NULL) AS steps,
           (SELECT count(*) FROM review_ratings x WHERE x.review_id = r.id) AS ratings
         FROM reviews r WHERE id = ?`,
      )
      .get(id) as { status: string; verdict: string | null; updated_at: number; comment: string; tags: number; steps: number; ratings: number };
    const parts = [r.status, r.verdict ?? 'no verdict'];
    if (r.ratings) parts.push(`${r.ratings} rating${r.ratings === 1 ? '' : 's'}`);
    if (r.tags) parts.push(`${r.tags} tag${r.tags === 1 ? '' : 's'}`);
    if (r.steps) parts.push(`${r.steps} step${r.steps === 1 ? '' : 's'}`);
    if (r.comment) parts.push(`“${r.comment.length > 40 ? `${r.comment.slice(0, 40)}…` : r.comment}”`);
    return { summary: parts.join(' · '), status: r.status, updatedAt: r.updated_at };
  }
  const l = db.prepare('SELECT choice, strength, updated_at, correction FROM comparison_labels WHERE id = ?').get(id) as {
    choice: string | null;
    strength: string | null;
    updated_at: number;
    correction: string | null;
  };
  let summary: string;
  if (l.choice === null) {
    const ranks = db.prepare('SELECT position, rank_group FROM comparison_ranks WHERE label_id = ? ORDER BY rank_group, position').all(id) as { position: number; rank_group: number }[];
    const groups = new Map<number, string[]>();
    for (const r of ranks) groups.set(r.rank_group, [...(groups.get(r.rank_group) ?? []), String.fromCharCode(65 + r.position)]);
    summary = `ranking ${[...groups.values()].map((g) => g.join('=')).join(' > ')}`;
  } else {
    summary = l.choice === 'both_bad' ? `both bad${l.correction ? ' (corrected)' : ''}` : l.strength ? `${l.choice} (${l.strength})` : l.choice;
  }
  return { summary, status: null, updatedAt: l.updated_at };
}

/** Items the reviewer has labelled in a pack (it holds only the pack's items): submitted reviews and live comparison labels. */
export function labelledInPack(db: ReadableDB, reviewerId: number): number {
  const row = db
    .prepare(
      `SELECT (SELECT COUNT(DISTINCT generation_id) FROM reviews WHERE reviewer_id = ? AND status = 'submitted' AND deleted_at IS NULL)
            + (SELECT COUNT(DISTINCT task_id) FROM comparison_labels WHERE reviewer_id = ? AND deleted_at IS NULL) AS n`,
    )
    .get(reviewerId, reviewerId) as { n: number };
  return row.n;
}
