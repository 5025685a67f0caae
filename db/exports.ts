import type Database from 'better-sqlite3';
import type { PairChoice, Strength } from '../contract/comparisons';
import type { ExportFilters } from '../contract/datasets';
import type { Verdict } from '../contract/review';
import type { ReadableDB, WritableDB } from './handles';
import { promptAsSeen } from './prompts';

/**
 * Queries of dataset exports: streaming cursors over labels in a stable order (every ORDER BY ends
 * on a unique key, so the same workspace always yields the same rows in the same order), the
 * generic table walk of the full export and its import, and workspace statistics.
 *
 * The cursors return plain rows; core/datasets/export/ turns them into dataset rows. Filters that
 * concern the label (reviewer, date, guidelines) come back as a `passes` flag rather than a WHERE
 * condition on comparisons and reviews, because agreement is computed over every live label of an
 * item, whoever made it.
 */

export interface PromptColumns {
  prompt_seq: number;
  prompt: string | null;
  /** JSON text of the messages, when the prompt is a conversation. */
  messages: string | null;
}

export interface ComparisonLabelRow extends PromptColumns {
  id: number;
  task_id: number;
  kind: 'pair' | 'rank';
  reviewer_id: number;
  choice: PairChoice | null;
  strength: Strength | null;
  correction: string | null;
  guideline_version: number;
  created_at: number;
  /** 1 when the label passes the label-level filters (reviewer, date, guidelines). */
  passes: 0 | 1;
  /**
   * 1 when a person chose while seeing these sides (position bias counts only those): not an
   * import whose left/right order is ours (HH-RLHF, OpenAssistant); Arena battles keep the judge's.
   */
  sides_seen: 0 | 1;
  /** Pairwise tasks: the outputs shown at positions 0 (A) and 1 (B); null on N-way tasks. */
  a_generation_id: number | null;
  a_output: string | null;
  a_model_id: number | null;
  b_generation_id: number | null;
  b_output: string | null;
  b_model_id: number | null;
  /** A row the export made from an adjudication (`labels: adjudicated`): `id` is the adjudication's. */
  adjudicated?: boolean;
}

export interface TaskOutputRow {
  task_id: number;
  position: number;
  generation_id: number;
  output: string;
  model_id: number;
}

export interface CorrectionRow extends PromptColumns {
  id: number;
  generation_id: number;
  reviewer_id: number;
  text: string;
  created_at: number;
  output: string;
  model_id: number;
  /** The correcting reviewer's live review of the generation, if any. */
  guideline_version: number | null;
  /** With `steps`: the corrector's think-aloud steps in their submitted review, in order (a JSON array of bodies). */
  steps?: string;
}

export interface ReviewRow extends PromptColumns {
  id: number;
  generation_id: number;
  reviewer_id: number;
  verdict: Verdict | null;
  comment: string;
  guideline_version: number;
  created_at: number;
  output: string;
  model_id: number;
  passes: 0 | 1;
  /** A row the export made from an adjudication (`labels: adjudicated`): `id` is the adjudication's. */
  adjudicated?: boolean;
}

interface Where {
  conditions: string[];
  params: Record<string, unknown>;
}

/** Label-level conditions on `alias` (a table with reviewer_id, created_at, guideline_version). */
function labelConditions(f: ExportFilters, alias: string, w: Where, guideline = true): string[] {
  const c: string[] = [];
  if (f.reviewerIds.length > 0) {
    c.push(`${alias}.reviewer_id IN (SELECT value FROM json_each(@reviewerIds))`);
    w.params.reviewerIds = JSON.stringify(f.reviewerIds);
  }
  if (f.since !== null) {
    c.push(`${alias}.created_at >= @since`);
    w.params.since = f.since;
  }
  if (f.until !== null) {
    c.push(`${alias}.created_at < @until`);
    w.params.until = f.until;
  }
  if (guideline && f.guidelineMin !== null) {
    c.push(`${alias}.guideline_version >= @guidelineMin`);
    w.params.guidelineMin = f.guidelineMin;
  }
  if (guideline && f.guidelineMax !== null) {
    c.push(`${alias}.guideline_version <= @guidelineMax`);
    w.params.guidelineMax = f.guidelineMax;
  }
  return c;
}

/** Prompt-level conditions: live prompts, and the tag filter. */
function promptConditions(f: ExportFilters, promptSeq: string, w: Where): void {
  w.conditions.push('p.deleted_at IS NULL');
  if (f.tags.length > 0) {
    w.conditions.push(`EXISTS (SELECT 1 FROM prompt_tags pt WHERE pt.prompt_seq = ${promptSeq} AND pt.tag IN (SELECT value FROM json_each(@tags)))`);
    w.params.tags = JSON.stringify(f.tags);
  }
}

const flag = (conditions: string[]) => (conditions.length === 0 ? '1' : `(CASE WHEN ${conditions.join(' AND ')} THEN 1 ELSE 0 END)`);

function taskWhere(f: ExportFilters): Where {
  const w: Where = { conditions: [], params: {} };
  promptConditions(f, 't.prompt_seq', w);
  return w;
}

/**
 * Live comparison labels of live prompts in the tag filter, in (task, label) order. A pairwise
 * task's two shown outputs come on the label's row (as one join, like a plain SELECT of the pairs
 * would); an N-way task's outputs are read once per task with taskOutputs.
 */
export function comparisonLabelCursor(db: ReadableDB, f: ExportFilters): IterableIterator<ComparisonLabelRow> {
  const w = taskWhere(f);
  const passes = flag(labelConditions(f, 'l', w));
  // The text the task's outputs were made from: a task only holds outputs of one version (the
  // first output's, read from the pair's join or, on an N-way task, from its position 0).
  const seen = promptAsSeen(
    'p',
    't.prompt_seq',
    `coalesce(ga.prompt_version, (SELECT g0.prompt_version FROM comparison_task_outputs o0 CROSS JOIN generations g0 ON g0.id = o0.generation_id
                                  WHERE o0.task_id = t.id AND o0.position = 0))`,
  );
  const rows = db
    .prepare(
      `SELECT l.id, l.task_id, t.kind, t.prompt_seq, ${seen.prompt}, ${seen.messages}, l.reviewer_id,
              l.choice, l.strength, l.correction, l.guideline_version, l.created_at, ${passes} AS passes,
              oa.generation_id AS a_generation_id, ga.output AS a_output, ga.model_id AS a_model_id,
              ob.generation_id AS b_generation_id, gb.output AS b_output, gb.model_id AS b_model_id,
              (t.design <> 'imported' OR EXISTS (SELECT 1 FROM comparison_label_imports li JOIN imports i ON i.id = li.import_id
                                                 WHERE li.label_id = l.id AND i.format = 'arena')) AS sides_seen
       FROM comparison_tasks t
       CROSS JOIN comparison_labels l ON l.task_id = t.id AND l.deleted_at IS NULL
       CROSS JOIN prompts p ON p.seq = t.prompt_seq
       LEFT JOIN comparison_task_outputs oa ON t.kind = 'pair' AND oa.task_id = t.id AND oa.position = 0
       LEFT JOIN generations ga ON ga.id = oa.generation_id
       LEFT JOIN comparison_task_outputs ob ON t.kind = 'pair' AND ob.task_id = t.id AND ob.position = 1
       LEFT JOIN generations gb ON gb.id = ob.generation_id
       ${seen.join}
       WHERE ${w.conditions.join(' AND ')}
       ORDER BY t.id, l.id`,
    )
    .raw(true)
    .iterate(w.params) as IterableIterator<unknown[]>;
  // Arrays from SQLite, objects built here: better-sqlite3 makes each row object with its keys one
  // by one, which on this, the export's hottest query, costs more than the literal below.
  return mapRows(rows, (r) => ({
    id: r[0] as number,
    task_id: r[1] as number,
    kind: r[2] as 'pair' | 'rank',
    prompt_seq: r[3] as number,
    prompt: r[4] as string | null,
    messages: r[5] as string | null,
    reviewer_id: r[6] as number,
    choice: r[7] as PairChoice | null,
    strength: r[8] as Strength | null,
    correction: r[9] as string | null,
    guideline_version: r[10] as number,
    created_at: r[11] as number,
    passes: r[12] as 0 | 1,
    a_generation_id: r[13] as number | null,
    a_output: r[14] as string | null,
    a_model_id: r[15] as number | null,
    b_generation_id: r[16] as number | null,
    b_output: r[17] as string | null,
    b_model_id: r[18] as number | null,
    sides_seen: r[19] as 0 | 1,
  }));
}

/** An iterator of `fn` of each row, closing the statement's iterator when it is closed. */
function mapRows<T>(rows: IterableIterator<unknown[]>, fn: (r: unknown[]) => T): IterableIterator<T> {
  const it: IterableIterator<T> = {
    next() {
      const n = rows.next();
      return n.done ? { done: true, value: undefined } : { done: false, value: fn(n.value) };
    },
    return(value?: unknown) {
      rows.return?.();
      return { done: true, value: value as T };
    },
    [Symbol.iterator]() {
      return it;
    },
  };
  return it;
}

/** The outputs of a task in shown order (N-way tasks; pairwise ones come with their labels). */
export function taskOutputs(db: ReadableDB): (taskId: number) => TaskOutputRow[] {
  const s = db.prepare(
    `SELECT o.task_id, o.position, o.generation_id, g.output, g.model_id
     FROM comparison_task_outputs o CROSS JOIN generations g ON g.id = o.generation_id
     WHERE o.task_id = ? ORDER BY o.position`,
  );
  return (taskId) => s.all(taskId) as TaskOutputRow[];
}

/** Reviewer and model names by id (small tables, read once per export). */
export function nameMaps(db: ReadableDB): { reviewers: Map<number, string>; models: Map<number, string> } {
  const map = (table: string) => new Map((db.prepare(`SELECT id, name FROM ${table}`).all() as { id: number; name: string }[]).map((r) => [r.id, r.name]));
  return { reviewers: map('reviewers'), models: map('models') };
}

/** Rank group per shown position of an N-way label (index = position). */
export function rankGroups(db: ReadableDB): (labelId: number) => number[] {
  const s = db.prepare('SELECT position, rank_group FROM comparison_ranks WHERE label_id = ? ORDER BY position');
  return (labelId) => {
    const groups: number[] = [];
    for (const r of s.iterate(labelId) as IterableIterator<{ position: number; rank_group: number }>) groups[r.position] = r.rank_group;
    return groups;
  };
}

/**
 * The current (latest) correction of each generation, in generation order. The reviewer, date, tag
 * and model filters apply here; the guidelines filter applies to `guideline_version` in core/.
 */
export function correctionCursor(db: ReadableDB, f: ExportFilters, options: { steps?: boolean } = {}): IterableIterator<CorrectionRow> {
  const w: Where = { conditions: [], params: {} };
  promptConditions(f, 'g.prompt_seq', w);
  w.conditions.push(...labelConditions(f, 'c', w, false));
  if (f.modelIds.length > 0) {
    w.conditions.push('g.model_id IN (SELECT value FROM json_each(@modelIds))');
    w.params.modelIds = JSON.stringify(f.modelIds);
  }
  const seen = promptAsSeen('p', 'g.prompt_seq', 'g.prompt_version');
  return db
    .prepare(
      `SELECT c.id, c.generation_id, c.reviewer_id, c.text, c.created_at, g.output, g.model_id,
              p.seq AS prompt_seq, ${seen.prompt} AS prompt, ${seen.messages} AS messages,
              (SELECT rv.guideline_version FROM reviews rv
                WHERE rv.generation_id = c.generation_id AND rv.reviewer_id = c.reviewer_id AND rv.deleted_at IS NULL) AS guideline_version${
                options.steps
                  ? `,
              (SELECT json_group_array(body) FROM (
                 SELECT s.body FROM reviews rv CROSS JOIN thinkaloud_steps s ON s.review_id = rv.id
                 WHERE rv.generation_id = c.generation_id AND rv.reviewer_id = c.reviewer_id AND rv.deleted_at IS NULL
                   AND rv.status = 'submitted' AND s.deleted_at IS NULL
                 ORDER BY s.position, s.id)) AS steps`
                  : ''
              }
       FROM corrections c
       CROSS JOIN generations g ON g.id = c.generation_id
       CROSS JOIN prompts p ON p.seq = g.prompt_seq
       ${seen.join}
       WHERE c.version = (SELECT max(c2.version) FROM corrections c2 WHERE c2.generation_id = c.generation_id)
         AND ${w.conditions.join(' AND ')}
       ORDER BY c.generation_id`,
    )
    .iterate(w.params) as IterableIterator<CorrectionRow>;
}

/** Submitted live reviews of live prompts in the tag and model filters, in (generation, review) order. */
export function reviewCursor(db: ReadableDB, f: ExportFilters): IterableIterator<ReviewRow> {
  const w: Where = { conditions: [], params: {} };
  promptConditions(f, 'g.prompt_seq', w);
  if (f.modelIds.length > 0) {
    w.conditions.push('g.model_id IN (SELECT value FROM json_each(@modelIds))');
    w.params.modelIds = JSON.stringify(f.modelIds);
  }
  const passes = flag(labelConditions(f, 'rv', w));
  const seen = promptAsSeen('p', 'g.prompt_seq', 'g.prompt_version');
  return db
    .prepare(
      `SELECT rv.id, rv.generation_id, rv.reviewer_id, rv.verdict, rv.comment, rv.guideline_version, rv.created_at,
              g.output, g.model_id, p.seq AS prompt_seq, ${seen.prompt} AS prompt, ${seen.messages} AS messages, ${passes} AS passes
       FROM reviews rv
       CROSS JOIN generations g ON g.id = rv.generation_id
       CROSS JOIN prompts p ON p.seq = g.prompt_seq
       ${seen.join}
       WHERE rv.deleted_at IS NULL AND rv.status = 'submitted' AND ${w.conditions.join(' AND ')}
       ORDER BY rv.generation_id, rv.id`,
    )
    .iterate(w.params) as IterableIterator<ReviewRow>;
}

export interface FailureTagRow {
  id: number;
  class_id: number;
  span_start: number | null;
  span_end: number | null;
  quote: string | null;
  note: string;
}

export interface StepRow {
  body: string;
  tag_id: number | null;
}

export interface ClassRow {
  id: number;
  parent_id: number | null;
  name: string;
  merged_into_id: number | null;
}

/** Lookups the failure-class export makes per review. */
export function reviewDetails(db: ReadableDB): {
  tags(reviewId: number): FailureTagRow[];
  ratings(reviewId: number): { criterion_id: number; value: number }[];
  steps(reviewId: number): StepRow[];
  correction(generationId: number): string | null;
  classes(): ClassRow[];
} {
  const tags = db.prepare(
    'SELECT id, class_id, span_start, span_end, quote, note FROM failure_tags WHERE review_id = ? AND deleted_at IS NULL ORDER BY id',
  );
  const steps = db.prepare('SELECT body, tag_id FROM thinkaloud_steps WHERE review_id = ? AND deleted_at IS NULL ORDER BY position, id');
  const correction = db.prepare('SELECT text FROM corrections WHERE generation_id = ? ORDER BY version DESC LIMIT 1');
  const ratings = db.prepare('SELECT criterion_id, value FROM review_ratings WHERE review_id = ? ORDER BY criterion_id');
  return {
    tags: (id) => tags.all(id) as FailureTagRow[],
    ratings: (id) => ratings.all(id) as { criterion_id: number; value: number }[],
    steps: (id) => steps.all(id) as StepRow[],
    correction: (id) => (correction.get(id) as { text: string } | undefined)?.text ?? null,
    classes: () => db.prepare('SELECT id, parent_id, name, merged_into_id FROM failure_classes ORDER BY id').all() as ClassRow[],
  };
}

export interface ExportAdjudication {
  id: number;
  adjudicator_id: number;
  /** JSON of contract/adjudication.ts's AdjudicatedLabel. */
  label: string;
  rationale: string;
  updated_at: number;
}

/** The adjudication of an item (migration 0013), for `labels: adjudicated`. */
export function adjudicationLookup(db: ReadableDB): (kind: 'review' | 'compare', itemId: number) => ExportAdjudication | undefined {
  const s = db.prepare('SELECT id, adjudicator_id, label, rationale, updated_at FROM adjudications WHERE kind = ? AND item_id = ?');
  return (kind, itemId) => s.get(kind, itemId) as ExportAdjudication | undefined;
}

/** Ids of the rows of `table` with these names (case-insensitive; `#12` is id 12), and the names not found. */
export function idsNamed(db: ReadableDB, table: 'reviewers' | 'models', names: readonly string[]): { ids: number[]; missing: string[] } {
  const byName = db.prepare(`SELECT id FROM ${table} WHERE name = ? COLLATE NOCASE ORDER BY id`);
  const byId = db.prepare(`SELECT id FROM ${table} WHERE id = ?`);
  const ids: number[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const found = /^#\d+$/.test(name)
      ? (byId.all(Number(name.slice(1))) as { id: number }[])
      : (byName.all(name) as { id: number }[]);
    if (found.length === 0) missing.push(name);
    for (const f of found) if (!ids.includes(f.id)) ids.push(f.id);
  }
  return { ids, missing };
}

/** How many source items each kind of export reads (for the progress bar). */
export function sourceCounts(db: ReadableDB): { comparisonLabels: number; corrections: number; reviews: number } {
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    comparisonLabels: n('SELECT count(*) AS n FROM comparison_labels WHERE deleted_at IS NULL'),
    corrections: n('SELECT count(DISTINCT generation_id) AS n FROM corrections'),
    reviews: n("SELECT count(*) AS n FROM reviews WHERE deleted_at IS NULL AND status = 'submitted'"),
  };
}

// ── Full export: every table, every row, ids kept ───────────────────────────────────────────

export interface TableInfo {
  name: string;
  columns: string[];
  /** Declared types, upper case (STRICT tables: INTEGER, REAL, TEXT, BLOB, ANY). */
  types: string[];
  /** Columns to order by: the primary key, else the rowid. */
  orderBy: string[];
}

const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The tables a full export carries, parents before children (ties by name): every table but
 * SQLite's own, virtual tables (the search index) and their shadow tables, which triggers rebuild.
 */
export function exportableTables(db: ReadableDB): TableInfo[] {
  const master = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string | null }[];
  const virtual = master.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? '')).map((t) => t.name);
  const tables = master
    .map((t) => t.name)
    .filter((name) => !name.startsWith('sqlite_') && !virtual.some((v) => name === v || name.startsWith(`${v}_`)));
  const infos = new Map<string, TableInfo>();
  const parents = new Map<string, Set<string>>();
  for (const name of tables) {
    const cols = db.prepare(`SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`).all(name) as { name: string; type: string; pk: number }[];
    const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const withoutRowid = /WITHOUT\s+ROWID/i.test(master.find((t) => t.name === name)?.sql ?? '');
    infos.set(name, {
      name,
      columns: cols.map((c) => c.name),
      types: cols.map((c) => c.type.toUpperCase()),
      orderBy: pk.length > 0 ? pk : withoutRowid ? cols.map((c) => c.name) : ['rowid'],
    });
    const fks = db.prepare('SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list(?)').all(name) as { parent: string }[];
    parents.set(name, new Set(fks.map((f) => f.parent).filter((p) => p !== name && tables.includes(p))));
  }
  // Kahn's algorithm, smallest name first, so the order is stable.
  const order: TableInfo[] = [];
  const done = new Set<string>();
  while (order.length < tables.length) {
    const ready = tables.filter((t) => !done.has(t) && [...parents.get(t)!].every((p) => done.has(p)));
    // A cycle (none today) falls back to name order; deferred foreign keys make the import work anyway.
    const next = ready[0] ?? tables.find((t) => !done.has(t))!;
    done.add(next);
    order.push(infos.get(next)!);
  }
  return order;
}

export function tableRowCount(db: ReadableDB, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${quoteId(table)}`).get() as { n: number }).n;
}

/** Every row of a table as an array in column order, integers as BigInt (exact), in primary-key order. */
export function tableRows(db: ReadableDB, t: TableInfo): IterableIterator<unknown[]> {
  const s = db.prepare(`SELECT ${t.columns.map(quoteId).join(', ')} FROM ${quoteId(t.name)} ORDER BY ${t.orderBy.map(quoteId).join(', ')}`);
  return s.raw(true).safeIntegers(true).iterate() as IterableIterator<unknown[]>;
}

/** The schema version of the file (PRAGMA user_version). */
export function schemaVersion(db: ReadableDB): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Tables that hold rows, of those given. */
export function nonEmptyTables(db: ReadableDB, tables: readonly string[]): string[] {
  return tables.filter((t) => db.prepare(`SELECT 1 FROM ${quoteId(t)} LIMIT 1`).get() !== undefined);
}

export function clearTables(db: WritableDB, tablesChildrenFirst: readonly string[]): void {
  for (const t of tablesChildrenFirst) db.prepare(`DELETE FROM ${quoteId(t)}`).run();
}

export function rowInserter(db: WritableDB, t: { name: string; columns: string[] }): Database.Statement {
  return db.prepare(`INSERT INTO ${quoteId(t.name)} (${t.columns.map(quoteId).join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`);
}

export function foreignKeyViolations(db: ReadableDB): { table: string; rowid: number | null; parent: string }[] {
  return db.pragma('foreign_key_check') as { table: string; rowid: number | null; parent: string }[];
}

// ── Workspace statistics ─────────────────────────────────────────────────────────────────────

export interface RawStats {
  prompts: number;
  tags: number;
  generations: number;
  models: { modelId: number; name: string; generations: number }[];
  reviewers: { reviewerId: number; name: string; reviews: number; comparisonLabels: number }[];
  reviewStatus: { submitted: number; drafts: number };
  verdicts: { good: number; acceptable: number; bad: number; none: number };
  failureTags: number;
  thinkAloudSteps: number;
  corrections: { generations: number; versions: number };
  tasks: number;
  pairLabels: number;
  rankLabels: number;
  choices: { A: number; B: number; tie: number; both_bad: number };
  bothBadCorrections: number;
  guidelineVersions: { version: number; labels: number }[];
  /** A/B choices, ranking pairs with different ranks, 2 per corrected both-bad, corrections that differ from their output. */
  preferencePairs: number;
}

export function workspaceStats(db: ReadableDB): RawStats {
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const liveLabels = 'comparison_labels l JOIN comparison_tasks t ON t.id = l.task_id JOIN prompts p ON p.seq = t.prompt_seq WHERE l.deleted_at IS NULL AND p.deleted_at IS NULL';
  const choices = { A: 0, B: 0, tie: 0, both_bad: 0 };
  for (const r of db.prepare(`SELECT l.choice, count(*) AS n FROM ${liveLabels} AND t.kind = 'pair' AND l.choice IS NOT NULL GROUP BY l.choice`).all() as { choice: PairChoice; n: number }[]) {
    choices[r.choice] = r.n;
  }
  const verdicts = { good: 0, acceptable: 0, bad: 0, none: 0 };
  for (const r of db
    .prepare("SELECT coalesce(verdict, 'none') AS v, count(*) AS n FROM reviews WHERE deleted_at IS NULL AND status = 'submitted' GROUP BY v")
    .all() as { v: keyof typeof verdicts; n: number }[]) {
    verdicts[r.v] = r.n;
  }
  const rankPairs = n(
    `SELECT count(*) AS n FROM comparison_ranks a JOIN comparison_ranks b ON b.label_id = a.label_id AND b.position > a.position AND b.rank_group <> a.rank_group
     WHERE a.label_id IN (SELECT l.id FROM ${liveLabels} AND t.kind = 'rank')`,
  );
  const bothBadCorrections = n(`SELECT count(*) AS n FROM ${liveLabels} AND l.choice = 'both_bad' AND l.correction IS NOT NULL`);
  const correctionPairs = n(
    `SELECT count(*) AS n FROM corrections c JOIN generations g ON g.id = c.generation_id JOIN prompts p ON p.seq = g.prompt_seq
     WHERE p.deleted_at IS NULL AND c.version = (SELECT max(version) FROM corrections c2 WHERE c2.generation_id = c.generation_id) AND c.text <> g.output`,
  );
  return {
    prompts: n('SELECT count(*) AS n FROM prompts WHERE deleted_at IS NULL'),
    tags: n('SELECT count(DISTINCT tag) AS n FROM prompt_tags pt JOIN prompts p ON p.seq = pt.prompt_seq WHERE p.deleted_at IS NULL'),
    generations: n('SELECT count(*) AS n FROM generations'),
    models: db
      .prepare('SELECT m.id AS modelId, m.name, count(g.id) AS generations FROM models m LEFT JOIN generations g ON g.model_id = m.id GROUP BY m.id ORDER BY m.id')
      .all() as RawStats['models'],
    reviewers: db
      .prepare(
        `SELECT r.id AS reviewerId, r.name,
                (SELECT count(*) FROM reviews rv WHERE rv.reviewer_id = r.id AND rv.deleted_at IS NULL AND rv.status = 'submitted') AS reviews,
                (SELECT count(*) FROM comparison_labels l WHERE l.reviewer_id = r.id AND l.deleted_at IS NULL) AS comparisonLabels
         FROM reviewers r ORDER BY r.id`,
      )
      .all() as RawStats['reviewers'],
    reviewStatus: {
      submitted: n("SELECT count(*) AS n FROM reviews WHERE deleted_at IS NULL AND status = 'submitted'"),
      drafts: n("SELECT count(*) AS n FROM reviews WHERE deleted_at IS NULL AND status = 'draft'"),
    },
    verdicts,
    failureTags: n("SELECT count(*) AS n FROM failure_tags ft JOIN reviews rv ON rv.id = ft.review_id WHERE ft.deleted_at IS NULL AND rv.deleted_at IS NULL AND rv.status = 'submitted'"),
    thinkAloudSteps: n('SELECT count(*) AS n FROM thinkaloud_steps s JOIN reviews rv ON rv.id = s.review_id WHERE s.deleted_at IS NULL AND rv.deleted_at IS NULL'),
    corrections: { generations: n('SELECT count(DISTINCT generation_id) AS n FROM corrections'), versions: n('SELECT count(*) AS n FROM corrections') },
    tasks: n('SELECT count(*) AS n FROM comparison_tasks'),
    pairLabels: n(`SELECT count(*) AS n FROM ${liveLabels} AND t.kind = 'pair'`),
    rankLabels: n(`SELECT count(*) AS n FROM ${liveLabels} AND t.kind = 'rank'`),
    choices,
    bothBadCorrections,
    guidelineVersions: db
      .prepare(
        `SELECT version, sum(n) AS labels FROM (
           SELECT guideline_version AS version, count(*) AS n FROM reviews WHERE deleted_at IS NULL AND status = 'submitted' GROUP BY guideline_version
           UNION ALL
           SELECT guideline_version AS version, count(*) AS n FROM comparison_labels WHERE deleted_at IS NULL GROUP BY guideline_version)
         GROUP BY version ORDER BY version`,
      )
      .all() as RawStats['guidelineVersions'],
    preferencePairs: choices.A + choices.B + rankPairs + 2 * bothBadCorrections + correctionPairs,
  };
}

/** A prompt's id by its seq (for the examples of what an export left out); null if none. */
export function promptIdBySeq(db: ReadableDB): (seq: number) => string | null {
  const s = db.prepare('SELECT id FROM prompts WHERE seq = ?').pluck();
  return (seq) => (s.get(seq) as string | undefined) ?? null;
}

/**
 * Whether any prompt text the workspace holds (current or a superseded version, deleted or not) is
 * a conversation other than one user turn: if none is, no export row can need the conversational
 * style, and choosing the style needs no walk over the labels.
 */
export function anyConversationPrompt(db: ReadableDB): boolean {
  const conversation = "messages IS NOT NULL AND (json_array_length(messages) <> 1 OR json_extract(messages, '$[0].role') <> 'user')";
  return (
    db.prepare(`SELECT EXISTS (SELECT 1 FROM prompts WHERE ${conversation}) OR EXISTS (SELECT 1 FROM prompt_versions WHERE ${conversation})`).pluck().get() === 1
  );
}
