import type Database from 'better-sqlite3';
import type { ChatMessage } from '../contract/prompts';
import type {
  Correction,
  Criterion,
  CriterionScale,
  FailureClass,
  FailureRate,
  FailureTag,
  Guidelines,
  QueueEntry,
  QueueStatus,
  Review,
  ReviewItem,
  Reviewer,
  ReviewerRole,
  ThinkAloudStep,
  Verdict,
} from '../contract/review';
import type { GenerationMode } from '../contract/runner';
import type { ReadableDB, WritableDB } from './handles';
import { all, one, run, stmt } from './statements';
import { promptAsSeen, promptPreview } from './prompts';

/**
 * Queries of completion review (db/migrations/0005-review.ts). The queue and the label writes run
 * for every keypress of a reviewer, so their statements are prepared once per connection and kept.
 */


// ── Reviewers ────────────────────────────────────────────────────────────────────────────────

interface ReviewerRow {
  id: number;
  name: string;
  role: ReviewerRole;
  created_at: number;
  imported: 0 | 1;
}

/**
 * A reviewer is an import source when it has live imported labels and no live label of its own
 * (an import that reused a person's name leaves that person a person). Read from the labels, so
 * workspaces imported before this need no migration.
 */
const REVIEWER_COLUMNS = `reviewers.*, (
    NOT EXISTS (SELECT 1 FROM reviews r WHERE r.reviewer_id = reviewers.id AND r.deleted_at IS NULL)
    AND NOT EXISTS (SELECT 1 FROM comparison_labels l WHERE l.reviewer_id = reviewers.id AND l.deleted_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM comparison_label_imports i WHERE i.label_id = l.id))
    AND EXISTS (SELECT 1 FROM comparison_labels l JOIN comparison_label_imports i ON i.label_id = l.id WHERE l.reviewer_id = reviewers.id AND l.deleted_at IS NULL)
  ) AS imported`;
// (In this order a person's row is told apart at its first live label: SQLite stops an AND at its
// first false term, where the EXISTS of imported labels first would read every label of theirs.)

const toReviewer = (r: ReviewerRow): Reviewer => ({ id: r.id, name: r.name, role: r.role, kind: r.imported ? 'import' : 'person', createdAt: r.created_at });

export function listReviewers(db: ReadableDB): Reviewer[] {
  return all<ReviewerRow>(db, `SELECT ${REVIEWER_COLUMNS} FROM reviewers ORDER BY name COLLATE NOCASE, id`).map(toReviewer);
}

export function getReviewer(db: ReadableDB, id: number): Reviewer | null {
  const row = one<ReviewerRow>(db, `SELECT ${REVIEWER_COLUMNS} FROM reviewers WHERE id = ?`, id);
  return row ? toReviewer(row) : null;
}

export function reviewerNamed(db: ReadableDB, name: string): Reviewer | null {
  const row = one<ReviewerRow>(db, `SELECT ${REVIEWER_COLUMNS} FROM reviewers WHERE name = ? COLLATE NOCASE`, name);
  return row ? toReviewer(row) : null;
}

export function insertReviewer(db: WritableDB, name: string, role: ReviewerRole, now: number): number {
  return Number(run(db, 'INSERT INTO reviewers (name, role, created_at) VALUES (?, ?, ?)', name, role, now).lastInsertRowid);
}

// ── Rubric ───────────────────────────────────────────────────────────────────────────────────

interface CriterionRow {
  id: number;
  name: string;
  description: string;
  scale: CriterionScale;
  position: number;
  retired_at: number | null;
}

const toCriterion = (r: CriterionRow): Criterion => ({
  id: r.id,
  name: r.name,
  description: r.description,
  scale: r.scale,
  position: r.position,
  retiredAt: r.retired_at,
});

/** Active criteria in rubric order (every criterion, retired ones last, with `includeRetired`). */
export function listCriteria(db: ReadableDB, includeRetired = false): Criterion[] {
  const sql = includeRetired
    ? 'SELECT * FROM rubric_criteria ORDER BY retired_at IS NOT NULL, position, id'
    : 'SELECT * FROM rubric_criteria WHERE retired_at IS NULL ORDER BY position, id';
  return all<CriterionRow>(db, sql).map(toCriterion);
}

export function getCriterion(db: ReadableDB, id: number): Criterion | null {
  const row = one<CriterionRow>(db, 'SELECT * FROM rubric_criteria WHERE id = ?', id);
  return row ? toCriterion(row) : null;
}

export function insertCriterion(db: WritableDB, c: { name: string; description: string; scale: CriterionScale }, position: number, now: number): number {
  return Number(
    run(db, 'INSERT INTO rubric_criteria (name, description, scale, position, created_at) VALUES (?, ?, ?, ?, ?)', c.name, c.description, c.scale, position, now)
      .lastInsertRowid,
  );
}

/** Rewrites a criterion and makes it active again (a retired one listed in the rubric comes back). */
export function updateCriterion(db: WritableDB, id: number, c: { name: string; description: string; scale: CriterionScale }, position: number): void {
  run(db, 'UPDATE rubric_criteria SET name = ?, description = ?, scale = ?, position = ?, retired_at = NULL WHERE id = ?', c.name, c.description, c.scale, position, id);
}

export function retireCriterion(db: WritableDB, id: number, now: number): void {
  run(db, 'UPDATE rubric_criteria SET retired_at = ? WHERE id = ? AND retired_at IS NULL', now, id);
}

export function criterionHasRatings(db: ReadableDB, id: number): boolean {
  return one(db, 'SELECT 1 AS x FROM review_ratings WHERE criterion_id = ? LIMIT 1', id) !== undefined;
}

// ── Guidelines ───────────────────────────────────────────────────────────────────────────────

interface GuidelinesRow {
  version: number;
  body: string;
  reviewer_id: number | null;
  created_at: number;
}

const toGuidelines = (r: GuidelinesRow): Guidelines => ({ version: r.version, body: r.body, createdAt: r.created_at, reviewerId: r.reviewer_id });

export const NO_GUIDELINES: Guidelines = { version: 0, body: '', createdAt: null, reviewerId: null };

export function currentGuidelineVersion(db: ReadableDB): number {
  return one<{ v: number }>(db, 'SELECT coalesce(max(version), 0) AS v FROM guideline_versions')!.v;
}

/** One version (the latest when `version` is undefined); null when there is no such version. */
export function getGuidelines(db: ReadableDB, version?: number): Guidelines | null {
  const row =
    version === undefined
      ? one<GuidelinesRow>(db, 'SELECT * FROM guideline_versions ORDER BY version DESC LIMIT 1')
      : one<GuidelinesRow>(db, 'SELECT * FROM guideline_versions WHERE version = ?', version);
  return row ? toGuidelines(row) : null;
}

export function insertGuidelines(db: WritableDB, body: string, reviewerId: number, now: number): number {
  const version = currentGuidelineVersion(db) + 1;
  run(db, 'INSERT INTO guideline_versions (version, body, reviewer_id, created_at) VALUES (?, ?, ?, ?)', version, body, reviewerId, now);
  return version;
}

/** Every version, newest first, without bodies. */
export function listGuidelineVersions(db: ReadableDB): Omit<Guidelines, 'body'>[] {
  return all<Omit<GuidelinesRow, 'body'>>(db, 'SELECT version, reviewer_id, created_at FROM guideline_versions ORDER BY version DESC').map((r) => ({
    version: r.version,
    createdAt: r.created_at,
    reviewerId: r.reviewer_id,
  }));
}

// ── Failure classes ──────────────────────────────────────────────────────────────────────────

interface ClassRow {
  id: number;
  parent_id: number | null;
  name: string;
  description: string;
  example: string;
  merged_into_id: number | null;
  created_at: number;
  retired_at: number | null;
}

const toClass = (r: ClassRow): FailureClass => ({
  id: r.id,
  parentId: r.parent_id,
  name: r.name,
  description: r.description,
  example: r.example,
  mergedIntoId: r.merged_into_id,
  retiredAt: r.retired_at,
  createdAt: r.created_at,
});

export function listClasses(db: ReadableDB, includeRetired: boolean): FailureClass[] {
  const sql = includeRetired
    ? 'SELECT * FROM failure_classes ORDER BY name COLLATE NOCASE, id'
    : 'SELECT * FROM failure_classes WHERE retired_at IS NULL ORDER BY name COLLATE NOCASE, id';
  return all<ClassRow>(db, sql).map(toClass);
}

export function getClass(db: ReadableDB, id: number): FailureClass | null {
  const row = one<ClassRow>(db, 'SELECT * FROM failure_classes WHERE id = ?', id);
  return row ? toClass(row) : null;
}

/** A live class under the same parent with this name (case-insensitive), other than `exceptId`. */
export function liveSiblingNamed(db: ReadableDB, parentId: number | null, name: string, exceptId = 0): FailureClass | null {
  const row = one<ClassRow>(
    db,
    'SELECT * FROM failure_classes WHERE coalesce(parent_id, 0) = ? AND name = ? COLLATE NOCASE AND retired_at IS NULL AND id <> ?',
    parentId ?? 0,
    name,
    exceptId,
  );
  return row ? toClass(row) : null;
}

export function liveChildCount(db: ReadableDB, id: number): number {
  return one<{ n: number }>(db, 'SELECT count(*) AS n FROM failure_classes WHERE parent_id = ? AND retired_at IS NULL', id)!.n;
}

/** The ids of `id` and every class above it, nearest first. */
export function ancestorIds(db: ReadableDB, id: number): number[] {
  return all<{ id: number }>(
    db,
    `WITH RECURSIVE up(id, depth) AS (
       SELECT ?, 0
       UNION ALL
       SELECT c.parent_id, up.depth + 1 FROM failure_classes c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL AND up.depth < 1000
     ) SELECT id FROM up ORDER BY depth`,
    id,
  ).map((r) => r.id);
}

/** The live class a merged one's tags now count for (following merges of merges). */
export function mergeTarget(db: ReadableDB, id: number): FailureClass | null {
  let current = getClass(db, id);
  for (let hops = 0; current && current.mergedIntoId !== null && hops < 1000; hops++) current = getClass(db, current.mergedIntoId);
  return current;
}

export interface ClassFields {
  name: string;
  description: string;
  example: string;
  parentId: number | null;
}

export function insertClass(db: WritableDB, c: ClassFields, now: number): number {
  return Number(
    run(db, 'INSERT INTO failure_classes (parent_id, name, description, example, created_at) VALUES (?, ?, ?, ?, ?)', c.parentId, c.name, c.description, c.example, now)
      .lastInsertRowid,
  );
}

export function updateClass(db: WritableDB, id: number, c: ClassFields): void {
  run(db, 'UPDATE failure_classes SET parent_id = ?, name = ?, description = ?, example = ? WHERE id = ?', c.parentId, c.name, c.description, c.example, id);
}

/** The source is retired and points at the target; its tags are left exactly as they were. */
export function mergeClass(db: WritableDB, sourceId: number, targetId: number, now: number): void {
  run(db, 'UPDATE failure_classes SET merged_into_id = ?, retired_at = ? WHERE id = ?', targetId, now, sourceId);
}

export function retireClass(db: WritableDB, id: number, now: number): void {
  run(db, 'UPDATE failure_classes SET retired_at = ? WHERE id = ? AND retired_at IS NULL', now, id);
}

/** Undoes a retire or a merge. */
export function restoreClass(db: WritableDB, id: number): void {
  run(db, 'UPDATE failure_classes SET retired_at = NULL, merged_into_id = NULL WHERE id = ?', id);
}

/**
 * Failure rate per model and class: generations with a live tag of the class (or of a class merged
 * into it) on a submitted label, over generations with a submitted label. Live classes are listed
 * for every model with reviews (rate 0 when untagged); retired ones only where they were used.
 */
export function failureRates(db: ReadableDB, modelId: number | undefined): FailureRate[] {
  const byModel = modelId === undefined ? '' : 'AND g.model_id = @modelId';
  const rows = all<{ model_id: number; model_name: string; class_id: number; class_name: string; tagged: number; reviewed: number }>(
    db,
    `WITH RECURSIVE target(id, final) AS (
       SELECT id, id FROM failure_classes WHERE merged_into_id IS NULL
       UNION ALL
       SELECT c.id, t.final FROM failure_classes c JOIN target t ON c.merged_into_id = t.id
     ),
     reviewed AS (
       SELECT g.model_id, count(DISTINCT r.generation_id) AS n
       FROM reviews r JOIN generations g ON g.id = r.generation_id
       WHERE r.status = 'submitted' AND r.deleted_at IS NULL ${byModel}
       GROUP BY g.model_id
     ),
     tagged AS (
       SELECT g.model_id, t.final AS class_id, count(DISTINCT r.generation_id) AS n
       FROM failure_tags ft
       JOIN reviews r ON r.id = ft.review_id
       JOIN generations g ON g.id = r.generation_id
       JOIN target t ON t.id = ft.class_id
       WHERE ft.deleted_at IS NULL AND r.status = 'submitted' AND r.deleted_at IS NULL ${byModel}
       GROUP BY g.model_id, t.final
     )
     SELECT rv.model_id, m.name AS model_name, c.id AS class_id, c.name AS class_name,
            coalesce(tg.n, 0) AS tagged, rv.n AS reviewed
     FROM reviewed rv
     JOIN models m ON m.id = rv.model_id
     JOIN failure_classes c ON c.merged_into_id IS NULL
     LEFT JOIN tagged tg ON tg.model_id = rv.model_id AND tg.class_id = c.id
     WHERE c.retired_at IS NULL OR tg.n > 0
     ORDER BY m.name COLLATE NOCASE, rv.model_id, c.name COLLATE NOCASE, c.id`,
    modelId === undefined ? {} : { modelId },
  );
  return rows.map((r) => ({
    modelId: r.model_id,
    modelName: r.model_name,
    classId: r.class_id,
    className: r.class_name,
    tagged: r.tagged,
    reviewed: r.reviewed,
    rate: r.reviewed > 0 ? r.tagged / r.reviewed : 0,
  }));
}

// ── Generations as review sees them ──────────────────────────────────────────────────────────

export interface ReviewGeneration {
  id: number;
  output: string;
}

/** The generation's id and output (what span offsets index), or null. */
export function generationOutput(db: ReadableDB, id: number): ReviewGeneration | null {
  return one<ReviewGeneration>(db, 'SELECT id, output FROM generations WHERE id = ?', id) ?? null;
}

interface ItemRow {
  id: number;
  prompt_id: string;
  prompt: string | null;
  messages: string | null;
  reference: string | null;
  prompt_version: number;
  prompt_current_version: number;
  prompt_tags: string | null;
  output: string;
  mode: GenerationMode;
  model_id: number;
  model_name: string;
  template_id: number | null;
  template_version: number | null;
  rendered_prompt: string;
  finish_reason: string;
}

/** Everything of review.item but the labels and the corrections. */
export function reviewItemBase(db: ReadableDB, generationId: number): Omit<ReviewItem, 'review' | 'corrections' | 'others'> | null {
  // The prompt as this output saw it: the version it was made from, not the prompt's text now.
  const seen = promptAsSeen('p', 'g.prompt_seq', 'g.prompt_version');
  const row = one<ItemRow>(
    db,
    `SELECT g.id, p.id AS prompt_id, ${seen.prompt} AS prompt, ${seen.messages} AS messages, ${seen.reference} AS reference,
            g.prompt_version, p.version AS prompt_current_version,
            (SELECT group_concat(tag, char(31)) FROM prompt_tags t WHERE t.prompt_seq = g.prompt_seq) AS prompt_tags,
            g.output, g.mode, g.model_id, m.name AS model_name, g.template_id, g.template_version, g.rendered_prompt, g.finish_reason
     FROM generations g JOIN prompts p ON p.seq = g.prompt_seq JOIN models m ON m.id = g.model_id
     ${seen.join}
     WHERE g.id = ?`,
    generationId,
  );
  if (!row) return null;
  return {
    generationId: row.id,
    promptId: row.prompt_id,
    prompt: row.prompt !== null ? { text: row.prompt } : { messages: JSON.parse(row.messages ?? '[]') as ChatMessage[] },
    reference: row.reference,
    promptVersion: row.prompt_version,
    promptCurrentVersion: row.prompt_current_version,
    promptTags: row.prompt_tags ? row.prompt_tags.split('\u001f').sort() : [],
    output: row.output,
    mode: row.mode,
    modelId: row.model_id,
    modelName: row.model_name,
    templateId: row.template_id,
    templateVersion: row.template_version,
    renderedPrompt: row.rendered_prompt,
    finishReason: row.finish_reason,
  };
}

// ── Labels ───────────────────────────────────────────────────────────────────────────────────

export interface ReviewRow {
  id: number;
  generation_id: number;
  reviewer_id: number;
  status: 'draft' | 'submitted';
  verdict: Verdict | null;
  comment: string;
  guideline_version: number;
  time_spent_ms: number;
  revision: number;
  created_at: number;
  updated_at: number;
  submitted_at: number | null;
  deleted_at: number | null;
}

/** The reviewer's live label on a generation. */
export function liveReviewRow(db: ReadableDB, generationId: number, reviewerId: number): ReviewRow | null {
  return one<ReviewRow>(db, 'SELECT * FROM reviews WHERE generation_id = ? AND reviewer_id = ? AND deleted_at IS NULL', generationId, reviewerId) ?? null;
}

/** The reviewer's most recently deleted label on a generation. */
export function lastDeletedReviewRow(db: ReadableDB, generationId: number, reviewerId: number): ReviewRow | null {
  return (
    one<ReviewRow>(
      db,
      'SELECT * FROM reviews WHERE generation_id = ? AND reviewer_id = ? AND deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC LIMIT 1',
      generationId,
      reviewerId,
    ) ?? null
  );
}

export function reviewRowById(db: ReadableDB, id: number): ReviewRow | null {
  return one<ReviewRow>(db, 'SELECT * FROM reviews WHERE id = ?', id) ?? null;
}

export function insertReview(db: WritableDB, generationId: number, reviewerId: number, guidelineVersion: number, now: number): ReviewRow {
  return stmt(
    db,
    `INSERT INTO reviews (generation_id, reviewer_id, status, guideline_version, created_at, updated_at)
     VALUES (?, ?, 'draft', ?, ?, ?) RETURNING *`,
  ).get(generationId, reviewerId, guidelineVersion, now, now) as ReviewRow;
}

export interface ReviewUpdate {
  status: 'draft' | 'submitted';
  verdict: Verdict | null;
  comment: string;
  guidelineVersion: number;
  addTimeSpentMs: number;
  /** Bump the revision and stamp submitted_at. */
  submit: boolean;
}

/** Writes a label's fields and returns its row as written (RETURNING: no second read). */
export function updateReview(db: WritableDB, id: number, u: ReviewUpdate, now: number): ReviewRow {
  return stmt(
    db,
    `UPDATE reviews SET status = @status, verdict = @verdict, comment = @comment, guideline_version = @guidelineVersion,
            time_spent_ms = time_spent_ms + @addTimeSpentMs, revision = revision + @bump,
            submitted_at = CASE WHEN @bump = 1 THEN @now ELSE submitted_at END, updated_at = @now
     WHERE id = @id RETURNING *`,
  ).get({ id, status: u.status, verdict: u.verdict, comment: u.comment, guidelineVersion: u.guidelineVersion, addTimeSpentMs: u.addTimeSpentMs, bump: u.submit ? 1 : 0, now }) as ReviewRow;
}

/** Marks a label as changed (a tag or a step), and records the guidelines in force. */
export function touchReview(db: WritableDB, id: number, guidelineVersion: number, now: number): void {
  run(db, 'UPDATE reviews SET updated_at = ?, guideline_version = ? WHERE id = ?', now, guidelineVersion, id);
}

export function softDeleteReview(db: WritableDB, id: number, now: number): void {
  run(db, 'UPDATE reviews SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL', now, id);
}

export function undeleteReview(db: WritableDB, id: number): void {
  run(db, 'UPDATE reviews SET deleted_at = NULL WHERE id = ?', id);
}

export function ratingsOf(db: ReadableDB, reviewId: number): Map<number, number> {
  const rows = all<{ criterion_id: number; value: number }>(db, 'SELECT criterion_id, value FROM review_ratings WHERE review_id = ?', reviewId);
  return new Map(rows.map((r) => [r.criterion_id, r.value]));
}

export function setRating(db: WritableDB, reviewId: number, criterionId: number, value: number): void {
  run(
    db,
    'INSERT INTO review_ratings (review_id, criterion_id, value) VALUES (?, ?, ?) ON CONFLICT (review_id, criterion_id) DO UPDATE SET value = excluded.value',
    reviewId,
    criterionId,
    value,
  );
}

export function deleteRating(db: WritableDB, reviewId: number, criterionId: number): void {
  run(db, 'DELETE FROM review_ratings WHERE review_id = ? AND criterion_id = ?', reviewId, criterionId);
}

export function appendHistory(db: WritableDB, reviewId: number, revision: number, snapshot: Review, now: number): void {
  run(db, 'INSERT INTO review_history (review_id, revision, snapshot, created_at) VALUES (?, ?, ?, ?)', reviewId, revision, JSON.stringify(snapshot), now);
}

export function reviewHistory(db: ReadableDB, reviewId: number): { revision: number; snapshot: Review; createdAt: number }[] {
  return all<{ revision: number; snapshot: string; created_at: number }>(db, 'SELECT revision, snapshot, created_at FROM review_history WHERE review_id = ? ORDER BY revision', reviewId).map(
    (r) => ({ revision: r.revision, snapshot: JSON.parse(r.snapshot) as Review, createdAt: r.created_at }),
  );
}

// Tags

interface TagRow {
  id: number;
  review_id: number;
  class_id: number;
  span_start: number | null;
  span_end: number | null;
  quote: string | null;
  note: string;
  made_in: 'review' | 'compare';
  created_at: number;
  deleted_at: number | null;
}

const toTag = (r: TagRow): FailureTag => ({
  id: r.id,
  classId: r.class_id,
  span: r.span_start === null || r.span_end === null ? null : { start: r.span_start, end: r.span_end },
  quote: r.quote,
  note: r.note,
  madeIn: r.made_in,
  createdAt: r.created_at,
});

export function tagRow(db: ReadableDB, id: number): TagRow | null {
  return one<TagRow>(db, 'SELECT * FROM failure_tags WHERE id = ?', id) ?? null;
}

export function insertTag(
  db: WritableDB,
  t: { reviewId: number; classId: number; span: { start: number; end: number } | null; quote: string | null; note: string; madeIn: 'review' | 'compare' },
  now: number,
): number {
  return Number(
    run(
      db,
      'INSERT INTO failure_tags (review_id, class_id, span_start, span_end, quote, note, made_in, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      t.reviewId,
      t.classId,
      t.span?.start ?? null,
      t.span?.end ?? null,
      t.quote,
      t.note,
      t.madeIn,
      now,
    ).lastInsertRowid,
  );
}

export function setTagDeleted(db: WritableDB, id: number, deletedAt: number | null): void {
  run(db, 'UPDATE failure_tags SET deleted_at = ? WHERE id = ?', deletedAt, id);
}

// Steps

interface StepRow {
  id: number;
  review_id: number;
  position: number;
  body: string;
  tag_id: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export function stepRow(db: ReadableDB, id: number): StepRow | null {
  return one<StepRow>(db, 'SELECT * FROM thinkaloud_steps WHERE id = ?', id) ?? null;
}

/** A step as the UI sees it; the link to a tag shows only while that tag is live. */
export function stepOf(db: ReadableDB, id: number): ThinkAloudStep | null {
  const row = one<StepRow & { tag_live: number | null }>(
    db,
    `SELECT s.*, (SELECT 1 FROM failure_tags t WHERE t.id = s.tag_id AND t.deleted_at IS NULL) AS tag_live
     FROM thinkaloud_steps s WHERE s.id = ?`,
    id,
  );
  return row ? { id: row.id, position: row.position, body: row.body, tagId: row.tag_live ? row.tag_id : null, updatedAt: row.updated_at } : null;
}

export function liveStepIds(db: ReadableDB, reviewId: number): number[] {
  return all<{ id: number }>(db, 'SELECT id FROM thinkaloud_steps WHERE review_id = ? AND deleted_at IS NULL ORDER BY position, id', reviewId).map((r) => r.id);
}

export function insertStep(db: WritableDB, reviewId: number, position: number, body: string, tagId: number | null, now: number): number {
  return Number(
    run(db, 'INSERT INTO thinkaloud_steps (review_id, position, body, tag_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', reviewId, position, body, tagId, now, now)
      .lastInsertRowid,
  );
}

export function updateStep(db: WritableDB, id: number, body: string, tagId: number | null, now: number): void {
  run(db, 'UPDATE thinkaloud_steps SET body = ?, tag_id = ?, updated_at = ? WHERE id = ?', body, tagId, now, id);
}

export function setStepDeleted(db: WritableDB, id: number, deletedAt: number | null): void {
  run(db, 'UPDATE thinkaloud_steps SET deleted_at = ? WHERE id = ?', deletedAt, id);
}

export function setStepPosition(db: WritableDB, id: number, position: number): void {
  run(db, 'UPDATE thinkaloud_steps SET position = ? WHERE id = ? AND position <> ?', position, id, position);
}

/** A label with its ratings, live tags and live steps. */
export function assembleReview(db: ReadableDB, row: ReviewRow): Review {
  const ratings: Record<string, number> = {};
  for (const [criterionId, value] of ratingsOf(db, row.id)) ratings[String(criterionId)] = value;
  const tags = all<TagRow>(db, 'SELECT * FROM failure_tags WHERE review_id = ? AND deleted_at IS NULL ORDER BY coalesce(span_start, -1), id', row.id).map(toTag);
  const live = new Set(tags.map((t) => t.id));
  const steps = all<StepRow>(db, 'SELECT * FROM thinkaloud_steps WHERE review_id = ? AND deleted_at IS NULL ORDER BY position, id', row.id).map(
    (s): ThinkAloudStep => ({ id: s.id, position: s.position, body: s.body, tagId: s.tag_id !== null && live.has(s.tag_id) ? s.tag_id : null, updatedAt: s.updated_at }),
  );
  return {
    id: row.id,
    generationId: row.generation_id,
    reviewerId: row.reviewer_id,
    status: row.status,
    ratings,
    verdict: row.verdict,
    comment: row.comment,
    guidelineVersion: row.guideline_version,
    timeSpentMs: row.time_spent_ms,
    revision: row.revision,
    tags,
    steps,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    submittedAt: row.submitted_at,
  };
}

// ── Corrections ──────────────────────────────────────────────────────────────────────────────

interface CorrectionRow {
  id: number;
  generation_id: number;
  reviewer_id: number;
  version: number;
  text: string;
  created_at: number;
}

const toCorrection = (r: CorrectionRow): Correction => ({
  id: r.id,
  generationId: r.generation_id,
  reviewerId: r.reviewer_id,
  version: r.version,
  text: r.text,
  createdAt: r.created_at,
});

/**
 * A correction row with its version counted per reviewer: the stored `version` numbers every save on
 * the output (exports take the newest), while a reviewer sees their own 1, 2, … and nothing that
 * tells them another reviewer corrected it too.
 */
const CORRECTION_COLUMNS = `c.id, c.generation_id, c.reviewer_id, c.text, c.created_at,
  (SELECT count(*) FROM corrections o WHERE o.generation_id = c.generation_id AND o.reviewer_id = c.reviewer_id AND o.version <= c.version) AS version`;

/** One reviewer's corrections of an output, oldest first. */
export function listCorrections(db: ReadableDB, generationId: number, reviewerId: number): Correction[] {
  return all<CorrectionRow>(
    db,
    `SELECT ${CORRECTION_COLUMNS} FROM corrections c WHERE c.generation_id = ? AND c.reviewer_id = ? ORDER BY c.version`,
    generationId,
    reviewerId,
  ).map(toCorrection);
}

/** One reviewer's newest correction of an output. */
export function latestCorrection(db: ReadableDB, generationId: number, reviewerId: number): Correction | null {
  const row = one<CorrectionRow>(
    db,
    `SELECT ${CORRECTION_COLUMNS} FROM corrections c WHERE c.generation_id = ? AND c.reviewer_id = ? ORDER BY c.version DESC LIMIT 1`,
    generationId,
    reviewerId,
  );
  return row ? toCorrection(row) : null;
}

export function insertCorrection(db: WritableDB, generationId: number, reviewerId: number, text: string, now: number): Correction {
  const { id } = stmt(
    db,
    `INSERT INTO corrections (generation_id, reviewer_id, version, text, created_at)
     VALUES (@generationId, @reviewerId, (SELECT coalesce(max(version), 0) + 1 FROM corrections WHERE generation_id = @generationId), @text, @now)
     RETURNING id`,
  ).get({ generationId, reviewerId, text, now }) as { id: number };
  return toCorrection(one<CorrectionRow>(db, `SELECT ${CORRECTION_COLUMNS} FROM corrections c WHERE c.id = ?`, id)!);
}

/**
 * Everyone but `reviewerId` who labelled or corrected an output: their live label row (null when
 * they only corrected) and their corrections, by reviewer name.
 */
export function otherReviewersOf(
  db: ReadableDB,
  generationId: number,
  reviewerId: number,
): { reviewerId: number; reviewerName: string; row: ReviewRow | null; corrections: Correction[] }[] {
  const ids = all<{ reviewer_id: number; name: string }>(
    db,
    `SELECT w.id AS reviewer_id, w.name FROM reviewers w
     WHERE w.id <> @reviewerId
       AND (EXISTS (SELECT 1 FROM reviews r WHERE r.generation_id = @generationId AND r.reviewer_id = w.id AND r.deleted_at IS NULL)
            OR EXISTS (SELECT 1 FROM corrections c WHERE c.generation_id = @generationId AND c.reviewer_id = w.id))
     ORDER BY w.name COLLATE NOCASE, w.id`,
    { generationId, reviewerId },
  );
  return ids.map((r) => ({
    reviewerId: r.reviewer_id,
    reviewerName: r.name,
    row: liveReviewRow(db, generationId, r.reviewer_id),
    corrections: listCorrections(db, generationId, r.reviewer_id),
  }));
}

// ── The queue ────────────────────────────────────────────────────────────────────────────────

export interface QueueQuery {
  modelId?: number;
  templateId?: number;
  tag?: string;
  status: QueueStatus;
  reviewerId: number;
}

/** Conditions on `generations g` from the filter, and the named parameters they use. */
function generationConditions(q: QueueQuery): { sql: string[]; params: Record<string, unknown> } {
  const sql: string[] = [];
  const params: Record<string, unknown> = { reviewerId: q.reviewerId };
  if (q.modelId !== undefined) {
    sql.push('g.model_id = @modelId');
    params.modelId = q.modelId;
  }
  if (q.templateId !== undefined) {
    sql.push('g.template_id = @templateId');
    params.templateId = q.templateId;
  }
  if (q.tag !== undefined) {
    sql.push('EXISTS (SELECT 1 FROM prompt_tags pt WHERE pt.tag = @tag AND pt.prompt_seq = g.prompt_seq)');
    params.tag = q.tag;
  }
  return { sql, params };
}

const NO_LIVE_LABEL = 'NOT EXISTS (SELECT 1 FROM reviews r WHERE r.generation_id = g.id AND r.reviewer_id = @reviewerId AND r.deleted_at IS NULL)';

const where = (conditions: string[]) => (conditions.length > 0 ? conditions.join(' AND ') : '1');

/**
 * The first generation in the queue after `after` (0: from the start), and the query that finds it
 * (tests check its plan). todo/all walk generations
 * in id order from `after` (an index seek: the primary key, or generations_by_model /
 * generations_by_template when filtered) and check each against reviews_live in one lookup;
 * draft/submitted walk the reviewer's labels in reviews_live_by_reviewer from `after`.
 */
export function nextInQueueQuery(q: QueueQuery, after: number): { sql: string; params: Record<string, unknown> } {
  const { sql: conditions, params } = generationConditions(q);
  params.after = after;
  if (q.status === 'draft' || q.status === 'submitted') {
    params.status = q.status;
    return {
      sql: `SELECT r.generation_id AS id FROM reviews r JOIN generations g ON g.id = r.generation_id
            WHERE r.reviewer_id = @reviewerId AND r.status = @status AND r.deleted_at IS NULL AND r.generation_id > @after AND ${where(conditions)}
            ORDER BY r.generation_id LIMIT 1`,
      params,
    };
  }
  const all = q.status === 'todo' ? [...conditions, NO_LIVE_LABEL] : conditions;
  return { sql: `SELECT g.id FROM generations g WHERE g.id > @after AND ${where(all)} ORDER BY g.id LIMIT 1`, params };
}

export function nextInQueue(db: ReadableDB, q: QueueQuery, after: number): number | null {
  const { sql, params } = nextInQueueQuery(q, after);
  return one<{ id: number }>(db, sql, params)?.id ?? null;
}

const generationCounts = new WeakMap<Database.Database, Map<string, { maxId: number; count: number }>>();

/**
 * Generations in the filter. Counting a million rows takes tens of milliseconds and the queue is
 * counted after every submit, so a count by model and template is kept per connection and only
 * the rows added since are counted: generations are append-only (ids only grow, no row is
 * deleted) and their model and template never change. A prompt's tags can change, so a tag filter
 * is counted afresh.
 */
function countGenerations(db: ReadableDB, q: QueueQuery): number {
  const { sql, params } = generationConditions(q);
  if (q.tag !== undefined) return one<{ n: number }>(db, `SELECT count(*) AS n FROM generations g WHERE ${where(sql)}`, params)!.n;
  let cache = generationCounts.get(db);
  if (!cache) generationCounts.set(db, (cache = new Map()));
  const key = `${q.modelId ?? '*'}/${q.templateId ?? '*'}`;
  const maxId = one<{ m: number | null }>(db, 'SELECT max(id) AS m FROM generations')!.m ?? 0;
  const cached = cache.get(key);
  const from = cached && cached.maxId <= maxId ? cached : { maxId: 0, count: 0 };
  if (from.maxId === maxId) return from.count;
  Object.assign(params, { from: from.maxId, to: maxId });
  const added = one<{ n: number }>(db, `SELECT count(*) AS n FROM generations g WHERE g.id > @from AND g.id <= @to AND ${where(sql)}`, params)!.n;
  cache.set(key, { maxId, count: from.count + added });
  return from.count + added;
}

/** Generations in the filter with a live label of the reviewer (of one status, or any). */
function countLabelled(db: ReadableDB, q: QueueQuery, status: 'draft' | 'submitted' | null): number {
  const { sql, params } = generationConditions(q);
  const byStatus = status === null ? "r.status IN ('draft', 'submitted')" : 'r.status = @status';
  if (status !== null) params.status = status;
  return one<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM reviews r JOIN generations g ON g.id = r.generation_id
     WHERE r.reviewer_id = @reviewerId AND ${byStatus} AND r.deleted_at IS NULL AND ${where(sql)}`,
    params,
  )!.n;
}

/** Generations in the queue, and how many of the filter's generations the reviewer submitted. */
export function queueCounts(db: ReadableDB, q: QueueQuery): { total: number; done: number } {
  const done = countLabelled(db, q, 'submitted');
  let total: number;
  if (q.status === 'all') total = countGenerations(db, q);
  else if (q.status === 'todo') total = countGenerations(db, q) - countLabelled(db, q, null);
  else if (q.status === 'submitted') total = done;
  else total = countLabelled(db, q, 'draft');
  return { total, done };
}

const PREVIEW_CHARS = 160;


/** One page of the queue, in generation-id order. */
export function queuePage(db: ReadableDB, q: QueueQuery, offset: number, limit: number): QueueEntry[] {
  const { sql, params } = generationConditions(q);
  Object.assign(params, { offset, limit });
  // The preview is the text the output was made from, as the item shows it.
  const seen = promptAsSeen('p', 'g.prompt_seq', 'g.prompt_version');
  const columns = `g.id, p.id AS prompt_id, m.name AS model_name, substr(${seen.prompt}, 1, ${PREVIEW_CHARS}) AS prompt, ${seen.messages} AS messages`;
  let rows: Array<{ id: number; prompt_id: string; model_name: string; prompt: string | null; messages: string | null; status: 'draft' | 'submitted' | null }>;
  if (q.status === 'draft' || q.status === 'submitted') {
    params.status = q.status;
    rows = all(
      db,
      `SELECT ${columns}, r.status FROM reviews r
       JOIN generations g ON g.id = r.generation_id JOIN prompts p ON p.seq = g.prompt_seq JOIN models m ON m.id = g.model_id
       ${seen.join}
       WHERE r.reviewer_id = @reviewerId AND r.status = @status AND r.deleted_at IS NULL AND ${where(sql)}
       ORDER BY r.generation_id LIMIT @limit OFFSET @offset`,
      params,
    );
  } else {
    const conditions = q.status === 'todo' ? [...sql, NO_LIVE_LABEL] : sql;
    rows = all(
      db,
      `SELECT ${columns},
              (SELECT r.status FROM reviews r WHERE r.generation_id = g.id AND r.reviewer_id = @reviewerId AND r.deleted_at IS NULL) AS status
       FROM generations g JOIN prompts p ON p.seq = g.prompt_seq JOIN models m ON m.id = g.model_id
       ${seen.join}
       WHERE ${where(conditions)} ORDER BY g.id LIMIT @limit OFFSET @offset`,
      params,
    );
  }
  return rows.map((r) => ({ generationId: r.id, promptId: r.prompt_id, modelName: r.model_name, preview: promptPreview(r.prompt, r.messages, PREVIEW_CHARS), status: r.status ?? 'todo' }));
}
