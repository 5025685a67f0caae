import type { ComparisonKind, ComparisonLabel, PairChoice, Strength } from '../contract/comparisons';
import type { ChatMessage } from '../contract/prompts';
import type { ReadableDB, WritableDB } from './handles';
import { all, one, run } from './statements';
import { promptAsSeen, promptPreview } from './prompts';

/**
 * Queries of RLHF comparisons (db/migrations/0006-comparisons.ts). Labeling and the queue run for
 * every keypress of a reviewer, so their statements are prepared once per connection and kept.
 */


export type TaskDesign = 'all-pairs' | 'balanced' | 'imported';

// ── Building tasks ───────────────────────────────────────────────────────────────────────────

export interface CandidateGeneration {
  id: number;
  model_id: number;
}

/**
 * The generations of a prompt that can be compared: those that finished without an error, of the
 * given models (all when `modelIds` is empty), in id order.
 */
export function comparableGenerations(db: ReadableDB, promptSeq: number, modelIds: number[]): CandidateGeneration[] {
  const rows = all<CandidateGeneration>(
    db,
    // Only outputs of the prompt's current text: outputs of different texts answer different questions.
    `SELECT id, model_id FROM generations
     WHERE prompt_seq = ? AND prompt_version = (SELECT version FROM prompts WHERE seq = ?) AND error IS NULL AND finish_reason <> 'error' ORDER BY id`,
    promptSeq,
    promptSeq,
  );
  if (modelIds.length === 0) return rows;
  const wanted = new Set(modelIds);
  return rows.filter((r) => wanted.has(r.model_id));
}

/** The key a set of generations is stored under: ids ascending, joined by ','. */
export function setKeyOf(generationIds: readonly number[]): string {
  return [...generationIds].sort((a, b) => a - b).join(',');
}

/** The set keys of a prompt's tasks of one kind. */
export function existingSetKeys(db: ReadableDB, promptSeq: number, kind: ComparisonKind): Set<string> {
  return new Set(all<{ set_key: string }>(db, 'SELECT set_key FROM comparison_tasks WHERE prompt_seq = ? AND kind = ?', promptSeq, kind).map((r) => r.set_key));
}

/**
 * How often each model appears in tasks of a kind, and how often each pair of models meets in one
 * (key `${low},${high}` of model ids); the balanced design starts from these.
 */
export function designCounts(db: ReadableDB, kind: ComparisonKind): { models: Map<number, number>; pairs: Map<string, number> } {
  const models = new Map<number, number>();
  for (const r of all<{ model_id: number; n: number }>(
    db,
    `SELECT g.model_id, count(*) AS n FROM comparison_tasks t
     JOIN comparison_task_outputs o ON o.task_id = t.id JOIN generations g ON g.id = o.generation_id
     WHERE t.kind = ? GROUP BY g.model_id`,
    kind,
  )) {
    models.set(r.model_id, r.n);
  }
  const pairs = new Map<string, number>();
  for (const r of all<{ a: number; b: number; n: number }>(
    db,
    `SELECT min(ga.model_id, gb.model_id) AS a, max(ga.model_id, gb.model_id) AS b, count(*) AS n
     FROM comparison_tasks t
     JOIN comparison_task_outputs oa ON oa.task_id = t.id
     JOIN comparison_task_outputs ob ON ob.task_id = t.id AND ob.position > oa.position
     JOIN generations ga ON ga.id = oa.generation_id JOIN generations gb ON gb.id = ob.generation_id
     WHERE t.kind = ? GROUP BY 1, 2`,
    kind,
  )) {
    pairs.set(`${r.a},${r.b}`, r.n);
  }
  return { models, pairs };
}

export interface NewTask {
  promptSeq: number;
  kind: ComparisonKind;
  design: TaskDesign;
  seed: number;
  /** In the shown order. */
  generationIds: number[];
}

/** Inserts a task and its shown order; null (and nothing written) when the same set exists. */
export function insertTask(db: WritableDB, t: NewTask, now: number): number | null {
  const row = one<{ id: number }>(
    db,
    `INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (kind, set_key) DO NOTHING RETURNING id`,
    t.promptSeq,
    t.kind,
    t.design,
    t.seed,
    setKeyOf(t.generationIds),
    now,
  );
  if (!row) return null;
  t.generationIds.forEach((generationId, position) =>
    run(db, 'INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, ?, ?)', row.id, position, generationId),
  );
  return row.id;
}

// ── Tasks ────────────────────────────────────────────────────────────────────────────────────

export interface TaskRow {
  id: number;
  prompt_seq: number;
  kind: ComparisonKind;
  design: TaskDesign;
  seed: number;
  set_key: string;
  created_at: number;
}

export function taskRow(db: ReadableDB, id: number): TaskRow | null {
  return one<TaskRow>(db, 'SELECT * FROM comparison_tasks WHERE id = ?', id) ?? null;
}

/** How many outputs a task shows. */
export function taskSize(db: ReadableDB, taskId: number): number {
  return one<{ n: number }>(db, 'SELECT count(*) AS n FROM comparison_task_outputs WHERE task_id = ?', taskId)!.n;
}

export interface TaskOutputRow {
  position: number;
  generation_id: number;
  output: string;
  model_id: number;
  model_name: string;
}

/** A task's outputs in the shown order. */
export function taskOutputs(db: ReadableDB, taskId: number): TaskOutputRow[] {
  return all<TaskOutputRow>(
    db,
    `SELECT o.position, o.generation_id, g.output, g.model_id, m.name AS model_name
     FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id JOIN models m ON m.id = g.model_id
     WHERE o.task_id = ? ORDER BY o.position`,
    taskId,
  );
}

/**
 * A task's prompt as its outputs saw it: the version of the text they were made from (a task holds
 * outputs of one version; see comparableGenerations). Without `taskId`, the prompt's current text.
 */
export function taskPrompt(db: ReadableDB, promptSeq: number, taskId?: number): { id: string; prompt: { text: string } | { messages: ChatMessage[] } } | null {
  const seen = promptAsSeen(
    'p',
    'p.seq',
    `(SELECT g0.prompt_version FROM comparison_task_outputs o0 JOIN generations g0 ON g0.id = o0.generation_id WHERE o0.task_id = @taskId AND o0.position = 0)`,
  );
  const row = db
    .prepare(`SELECT p.id, ${seen.prompt} AS prompt, ${seen.messages} AS messages FROM prompts p ${seen.join} WHERE p.seq = @promptSeq`)
    .get({ promptSeq, taskId: taskId ?? null }) as { id: string; prompt: string | null; messages: string | null } | undefined;
  if (!row) return null;
  return { id: row.id, prompt: row.prompt !== null ? { text: row.prompt } : { messages: JSON.parse(row.messages ?? '[]') as ChatMessage[] } };
}

export function countTasks(db: ReadableDB): number {
  return one<{ n: number }>(db, 'SELECT count(*) AS n FROM comparison_tasks')!.n;
}

export function countLiveLabels(db: ReadableDB): number {
  return one<{ n: number }>(db, 'SELECT count(*) AS n FROM comparison_labels WHERE deleted_at IS NULL')!.n;
}

// ── Labels ───────────────────────────────────────────────────────────────────────────────────

export interface LabelRow {
  id: number;
  task_id: number;
  reviewer_id: number;
  choice: PairChoice | null;
  strength: Strength | null;
  rationale: string;
  correction: string | null;
  time_spent_ms: number;
  guideline_version: number;
  revision: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export function liveLabelRow(db: ReadableDB, taskId: number, reviewerId: number): LabelRow | null {
  return one<LabelRow>(db, 'SELECT * FROM comparison_labels WHERE task_id = ? AND reviewer_id = ? AND deleted_at IS NULL', taskId, reviewerId) ?? null;
}

/** The reviewer's most recently deleted label on a task. */
export function lastDeletedLabelRow(db: ReadableDB, taskId: number, reviewerId: number): LabelRow | null {
  return (
    one<LabelRow>(
      db,
      'SELECT * FROM comparison_labels WHERE task_id = ? AND reviewer_id = ? AND deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC LIMIT 1',
      taskId,
      reviewerId,
    ) ?? null
  );
}

export function labelRowById(db: ReadableDB, id: number): LabelRow | null {
  return one<LabelRow>(db, 'SELECT * FROM comparison_labels WHERE id = ?', id) ?? null;
}

export interface LabelContent {
  choice: PairChoice | null;
  strength: Strength | null;
  /** Groups of positions, best first (N-way); null on pairwise labels. */
  ranking: number[][] | null;
  rationale: string;
  correction: string | null;
}

export function insertLabel(
  db: WritableDB,
  l: LabelContent & { taskId: number; reviewerId: number; timeSpentMs: number; guidelineVersion: number },
  now: number,
): number {
  const id = Number(
    run(
      db,
      `INSERT INTO comparison_labels (task_id, reviewer_id, choice, strength, rationale, correction, time_spent_ms, guideline_version, revision, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
      l.taskId,
      l.reviewerId,
      l.choice,
      l.strength,
      l.rationale,
      l.correction,
      l.timeSpentMs,
      l.guidelineVersion,
      now,
      now,
    ).lastInsertRowid,
  );
  if (l.ranking) setRanking(db, id, l.ranking);
  return id;
}

/**
 * Rewrites a label's content (a new revision when `bump`), adds the time spent, and records the
 * guidelines in force.
 */
export function updateLabel(db: WritableDB, id: number, l: LabelContent & { addTimeSpentMs: number; guidelineVersion: number; bump: boolean }, now: number): void {
  run(
    db,
    `UPDATE comparison_labels SET choice = @choice, strength = @strength, rationale = @rationale, correction = @correction,
            time_spent_ms = time_spent_ms + @addTimeSpentMs, guideline_version = @guidelineVersion,
            revision = revision + @bump, updated_at = @now
     WHERE id = @id`,
    {
      id,
      choice: l.choice,
      strength: l.strength,
      rationale: l.rationale,
      correction: l.correction,
      addTimeSpentMs: l.addTimeSpentMs,
      guidelineVersion: l.guidelineVersion,
      bump: l.bump ? 1 : 0,
      now,
    },
  );
  run(db, 'DELETE FROM comparison_ranks WHERE label_id = ?', id);
  if (l.ranking) setRanking(db, id, l.ranking);
}

function setRanking(db: WritableDB, labelId: number, ranking: number[][]): void {
  ranking.forEach((group, rank) => {
    for (const position of group) run(db, 'INSERT INTO comparison_ranks (label_id, position, rank_group) VALUES (?, ?, ?)', labelId, position, rank);
  });
}

/** Groups of positions, best first (positions ascending within a group); null when the label has none. */
export function rankingOf(db: ReadableDB, labelId: number): number[][] | null {
  const rows = all<{ position: number; rank_group: number }>(db, 'SELECT position, rank_group FROM comparison_ranks WHERE label_id = ? ORDER BY rank_group, position', labelId);
  return rows.length === 0 ? null : groupRanks(rows);
}

function groupRanks(rows: { position: number; rank_group: number }[]): number[][] {
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    let g = groups.get(r.rank_group);
    if (!g) groups.set(r.rank_group, (g = []));
    g.push(r.position);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g.sort((a, b) => a - b));
}

export function softDeleteLabel(db: WritableDB, id: number, now: number): void {
  run(db, 'UPDATE comparison_labels SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL', now, id);
}

export function undeleteLabel(db: WritableDB, id: number): void {
  run(db, 'UPDATE comparison_labels SET deleted_at = NULL WHERE id = ?', id);
}

export function assembleLabel(db: ReadableDB, row: LabelRow): ComparisonLabel {
  return {
    id: row.id,
    taskId: row.task_id,
    reviewerId: row.reviewer_id,
    choice: row.choice,
    strength: row.strength,
    ranking: rankingOf(db, row.id),
    rationale: row.rationale,
    correction: row.correction,
    timeSpentMs: row.time_spent_ms,
    guidelineVersion: row.guideline_version,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface LabelSnapshot extends LabelContent {
  guidelineVersion: number;
  timeSpentMs: number;
}

export function appendLabelHistory(db: WritableDB, labelId: number, revision: number, snapshot: LabelSnapshot, now: number): void {
  run(db, 'INSERT INTO comparison_label_history (label_id, revision, snapshot, created_at) VALUES (?, ?, ?, ?)', labelId, revision, JSON.stringify(snapshot), now);
}

/** Every saved revision of a label, oldest first. */
export function labelHistory(db: ReadableDB, labelId: number): { revision: number; snapshot: LabelSnapshot; createdAt: number }[] {
  return all<{ revision: number; snapshot: string; created_at: number }>(
    db,
    'SELECT revision, snapshot, created_at FROM comparison_label_history WHERE label_id = ? ORDER BY revision',
    labelId,
  ).map((r) => ({ revision: r.revision, snapshot: JSON.parse(r.snapshot) as LabelSnapshot, createdAt: r.created_at }));
}

// ── The queue ────────────────────────────────────────────────────────────────────────────────

export interface TaskQueueQuery {
  reviewerId: number;
  status: 'todo' | 'done' | 'all';
  kind?: ComparisonKind;
}

const NO_LIVE_LABEL = 'NOT EXISTS (SELECT 1 FROM comparison_labels l WHERE l.task_id = t.id AND l.reviewer_id = @reviewerId AND l.deleted_at IS NULL)';

function queueParams(q: TaskQueueQuery): { kindSql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { reviewerId: q.reviewerId };
  if (q.kind === undefined) return { kindSql: '1', params };
  params.kind = q.kind;
  return { kindSql: 't.kind = @kind', params };
}

/**
 * The first task in the queue after `after` (0: from the start). todo/all walk tasks in id order
 * from `after` (an index seek: the primary key, or comparison_tasks_by_kind) and check each
 * against comparison_labels_live in one lookup; done walks the reviewer's live labels in
 * comparison_labels_live_by_reviewer from `after`.
 */
export function nextTask(db: ReadableDB, q: TaskQueueQuery, after: number): number | null {
  const { kindSql, params } = queueParams(q);
  params.after = after;
  let row: { id: number } | undefined;
  if (q.status === 'done') {
    row = one<{ id: number }>(
      db,
      `SELECT l.task_id AS id FROM comparison_labels l JOIN comparison_tasks t ON t.id = l.task_id
       WHERE l.reviewer_id = @reviewerId AND l.deleted_at IS NULL AND l.task_id > @after AND ${kindSql}
       ORDER BY l.task_id LIMIT 1`,
      params,
    );
  } else {
    const conditions = q.status === 'todo' ? `${kindSql} AND ${NO_LIVE_LABEL}` : kindSql;
    row = one<{ id: number }>(db, `SELECT t.id FROM comparison_tasks t WHERE t.id > @after AND ${conditions} ORDER BY t.id LIMIT 1`, params);
  }
  return row?.id ?? null;
}

/** Tasks in the queue, and how many of the filter's tasks the reviewer has labeled. */
export function taskQueueCounts(db: ReadableDB, q: TaskQueueQuery): { total: number; done: number } {
  const { kindSql, params } = queueParams(q);
  const done = one<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM comparison_labels l JOIN comparison_tasks t ON t.id = l.task_id
     WHERE l.reviewer_id = @reviewerId AND l.deleted_at IS NULL AND ${kindSql}`,
    params,
  )!.n;
  const all = one<{ n: number }>(db, `SELECT count(*) AS n FROM comparison_tasks t WHERE ${kindSql}`, params)!.n;
  const total = q.status === 'all' ? all : q.status === 'done' ? done : all - done;
  return { total, done };
}

const PREVIEW_CHARS = 160;


export interface TaskQueueEntry {
  taskId: number;
  kind: ComparisonKind;
  promptId: string;
  preview: string;
  outputs: number;
  labeled: boolean;
}

/** One page of the queue, in task-id order. */
export function taskQueuePage(db: ReadableDB, q: TaskQueueQuery, offset: number, limit: number): TaskQueueEntry[] {
  const { kindSql, params } = queueParams(q);
  Object.assign(params, { offset, limit });
  // The preview is the text the task's outputs were made from, as comparisons.task shows it.
  const seen = promptAsSeen(
    'p',
    't.prompt_seq',
    '(SELECT g0.prompt_version FROM comparison_task_outputs o0 JOIN generations g0 ON g0.id = o0.generation_id WHERE o0.task_id = t.id AND o0.position = 0)',
  );
  const columns = `t.id, t.kind, p.id AS prompt_id, substr(${seen.prompt}, 1, ${PREVIEW_CHARS}) AS prompt, ${seen.messages} AS messages,
                   (SELECT count(*) FROM comparison_task_outputs o WHERE o.task_id = t.id) AS outputs`;
  type Row = { id: number; kind: ComparisonKind; prompt_id: string; prompt: string | null; messages: string | null; outputs: number; labeled: number };
  let rows: Row[];
  if (q.status === 'done') {
    rows = all<Row>(
      db,
      `SELECT ${columns}, 1 AS labeled FROM comparison_labels l
       JOIN comparison_tasks t ON t.id = l.task_id JOIN prompts p ON p.seq = t.prompt_seq
       ${seen.join}
       WHERE l.reviewer_id = @reviewerId AND l.deleted_at IS NULL AND ${kindSql}
       ORDER BY l.task_id LIMIT @limit OFFSET @offset`,
      params,
    );
  } else {
    const conditions = q.status === 'todo' ? `${kindSql} AND ${NO_LIVE_LABEL}` : kindSql;
    rows = all<Row>(
      db,
      `SELECT ${columns},
              EXISTS (SELECT 1 FROM comparison_labels l WHERE l.task_id = t.id AND l.reviewer_id = @reviewerId AND l.deleted_at IS NULL) AS labeled
       FROM comparison_tasks t JOIN prompts p ON p.seq = t.prompt_seq
       ${seen.join}
       WHERE ${conditions} ORDER BY t.id LIMIT @limit OFFSET @offset`,
      params,
    );
  }
  return rows.map((r) => ({
    taskId: r.id,
    kind: r.kind,
    promptId: r.prompt_id,
    preview: promptPreview(r.prompt, r.messages, PREVIEW_CHARS),
    outputs: r.outputs,
    labeled: r.labeled === 1,
  }));
}

// ── What the leaderboard (and exports) read ──────────────────────────────────────────────────

export interface LabelFilter {
  tag?: string;
  reviewerId?: number;
  /** Only tasks whose every output was generated with this template. */
  templateId?: number;
  /** Only these tasks (a quality report's scope). */
  taskIds?: readonly number[];
  /** Only the tasks of this review session. */
  sessionId?: number;
  /** Leave out labels whose id is in these id blocks (`id >> 24`; a merge's packs, whose rows it holds). */
  exceptIdBlocks?: readonly number[];
}

export interface StatsLabel {
  id: number;
  taskId: number;
  kind: ComparisonKind;
  reviewerId: number;
  reviewerName: string;
  choice: PairChoice | null;
  strength: Strength | null;
  /** Rank group per shown position (N-way), 0 = best; null on pairwise labels. */
  ranks: number[] | null;
  correction: string | null;
  timeSpentMs: number;
  /**
   * Whether a person chose while seeing these sides. HH-RLHF and OpenAssistant imports get a
   * seeded left/right order of our own, so their labels say nothing about position bias; Arena
   * battles keep the sides the judge saw.
   */
  sidesSeen: boolean;
}

export interface StatsOutput {
  position: number;
  generationId: number;
  modelId: number;
}

function labelFilterSql(f: LabelFilter): { sql: string; params: Record<string, unknown> } {
  // Labels on prompts deleted since count nowhere (as in exports); restoring the prompt brings them back.
  const conditions = ['l.deleted_at IS NULL', 'EXISTS (SELECT 1 FROM prompts lp WHERE lp.seq = t.prompt_seq AND lp.deleted_at IS NULL)'];
  const params: Record<string, unknown> = {};
  if (f.reviewerId !== undefined) {
    conditions.push('l.reviewer_id = @reviewerId');
    params.reviewerId = f.reviewerId;
  }
  if (f.tag !== undefined) {
    conditions.push('EXISTS (SELECT 1 FROM prompt_tags pt WHERE pt.prompt_seq = t.prompt_seq AND pt.tag = @tag)');
    params.tag = f.tag;
  }
  if (f.templateId !== undefined) {
    conditions.push(
      'NOT EXISTS (SELECT 1 FROM comparison_task_outputs fo JOIN generations fg ON fg.id = fo.generation_id WHERE fo.task_id = t.id AND fg.template_id IS NOT @templateId)',
    );
    params.templateId = f.templateId;
  }
  if (f.sessionId !== undefined) {
    conditions.push("t.id IN (SELECT item_id FROM review_session_items WHERE session_id = @sessionId AND kind = 'compare')");
    params.sessionId = f.sessionId;
  }
  if (f.taskIds !== undefined) {
    conditions.push('t.id IN (SELECT value FROM json_each(@taskIds))');
    params.taskIds = JSON.stringify(f.taskIds);
  }
  if (f.exceptIdBlocks !== undefined && f.exceptIdBlocks.length > 0) {
    conditions.push('(l.id >> 24) NOT IN (SELECT value FROM json_each(@exceptIdBlocks))');
    params.exceptIdBlocks = JSON.stringify(f.exceptIdBlocks);
  }
  return { sql: conditions.join(' AND '), params };
}

/**
 * Every live label in the filter with what is needed to expand it into pairwise outcomes: the
 * label, and each of its task's outputs in the shown order with the generation and its model
 * (`outputs: false`: the labels only, as agreement needs).
 */
export function labelsForStats(db: ReadableDB, f: LabelFilter, options: { outputs?: boolean } = {}): { labels: StatsLabel[]; outputs: Map<number, StatsOutput[]> } {
  const { sql, params } = labelFilterSql(f);
  const from = `FROM comparison_labels l JOIN comparison_tasks t ON t.id = l.task_id WHERE ${sql}`;
  const rows = all<{
    id: number;
    task_id: number;
    kind: ComparisonKind;
    reviewer_id: number;
    reviewer_name: string;
    choice: PairChoice | null;
    strength: Strength | null;
    correction: string | null;
    time_spent_ms: number;
    sides_seen: number;
  }>(
    db,
    `SELECT l.id, l.task_id, t.kind, l.reviewer_id, r.name AS reviewer_name, l.choice, l.strength, l.correction, l.time_spent_ms,
            (t.design <> 'imported' OR EXISTS (SELECT 1 FROM comparison_label_imports li JOIN imports i ON i.id = li.import_id
                                               WHERE li.label_id = l.id AND i.format = 'arena')) AS sides_seen
     FROM comparison_labels l JOIN comparison_tasks t ON t.id = l.task_id JOIN reviewers r ON r.id = l.reviewer_id
     WHERE ${sql} ORDER BY l.id`,
    params,
  );
  const ranks = new Map<number, number[]>();
  for (const r of all<{ label_id: number; position: number; rank_group: number }>(
    db,
    // Only rankings have ranks (and only they read them below).
    `SELECT label_id, position, rank_group FROM comparison_ranks WHERE label_id IN (SELECT l.id ${from} AND t.kind = 'rank')`,
    params,
  )) {
    let list = ranks.get(r.label_id);
    if (!list) ranks.set(r.label_id, (list = []));
    list[r.position] = r.rank_group;
  }
  const outputs = new Map<number, StatsOutput[]>();
  if (options.outputs !== false) for (const r of all<{ task_id: number; position: number; generation_id: number; model_id: number }>(
    db,
    `SELECT o.task_id, o.position, o.generation_id, g.model_id FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id
     WHERE o.task_id IN (SELECT l.task_id ${from}) ORDER BY o.task_id, o.position`,
    params,
  )) {
    let list = outputs.get(r.task_id);
    if (!list) outputs.set(r.task_id, (list = []));
    list.push({ position: r.position, generationId: r.generation_id, modelId: r.model_id });
  }
  const labels = rows.map(
    (r): StatsLabel => ({
      id: r.id,
      taskId: r.task_id,
      kind: r.kind,
      reviewerId: r.reviewer_id,
      reviewerName: r.reviewer_name,
      choice: r.choice,
      strength: r.strength,
      ranks: r.kind === 'rank' ? (ranks.get(r.id) ?? null) : null,
      correction: r.correction,
      sidesSeen: r.sides_seen === 1,
      timeSpentMs: r.time_spent_ms,
    }),
  );
  return { labels, outputs };
}

/** Model names by id. */
export function modelNames(db: ReadableDB, ids: number[]): Map<number, string> {
  const names = new Map<number, string>();
  for (const id of ids) {
    const row = one<{ name: string }>(db, 'SELECT name FROM models WHERE id = ?', id);
    if (row) names.set(id, row.name);
  }
  return names;
}

// ── Reviewers and guidelines (read here so comparisons do not depend on review's queries) ────

export function reviewerExists(db: ReadableDB, id: number): boolean {
  return one(db, 'SELECT 1 AS x FROM reviewers WHERE id = ?', id) !== undefined;
}

/** The guidelines version in force (0 before any was written). */
export function guidelineVersionInForce(db: ReadableDB): number {
  return one<{ v: number }>(db, 'SELECT coalesce(max(version), 0) AS v FROM guideline_versions')!.v;
}
