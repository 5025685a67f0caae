import type { CriterionScale, Verdict } from '../contract/review';
import type { ComparisonKind } from '../contract/comparisons';
import type { ReadableDB } from './handles';
import { all } from './statements';

/**
 * What the quality report reads (core/quality/report.ts computes from it). Review labels count
 * when submitted and live, on outputs of prompts that are not deleted (as in exports); a label
 * reopened by an edit is out until submitted again. Comparison labels are read by
 * `labelsForStats` (db/comparisons.ts) with its `taskIds` filter.
 *
 * Scope: `sessionId` limits review labels to the session's outputs (review_session_items, kind
 * 'review'), `generationIds` to those outputs; absent, every output.
 */

export interface ReviewScope {
  sessionId?: number;
  generationIds?: readonly number[];
  /** Leave out labels whose id is in these id blocks (`id >> 24`; a merge's packs, whose rows it holds). */
  exceptIdBlocks?: readonly number[];
}

export interface QualityReviewRow {
  reviewId: number;
  generationId: number;
  reviewerId: number;
  verdict: Verdict | null;
}

export interface QualityRatingRow {
  reviewId: number;
  criterionId: number;
  value: number;
}

export interface QualityTagRow {
  tagId: number;
  reviewId: number;
  /** As stored; a merged class is resolved to its live target by the caller. */
  classId: number;
  spanStart: number | null;
  spanEnd: number | null;
}

function reviewScopeSql(scope: ReviewScope): { sql: string; params: Record<string, unknown> } {
  const conditions = [
    "r.deleted_at IS NULL AND r.status = 'submitted'",
    'EXISTS (SELECT 1 FROM generations g JOIN prompts p ON p.seq = g.prompt_seq WHERE g.id = r.generation_id AND p.deleted_at IS NULL)',
  ];
  const params: Record<string, unknown> = {};
  if (scope.sessionId !== undefined) {
    conditions.push("r.generation_id IN (SELECT item_id FROM review_session_items WHERE session_id = @sessionId AND kind = 'review')");
    params.sessionId = scope.sessionId;
  }
  if (scope.generationIds !== undefined) {
    conditions.push('r.generation_id IN (SELECT value FROM json_each(@generationIds))');
    params.generationIds = JSON.stringify(scope.generationIds);
  }
  if (scope.exceptIdBlocks !== undefined && scope.exceptIdBlocks.length > 0) {
    conditions.push('(r.id >> 24) NOT IN (SELECT value FROM json_each(@exceptIdBlocks))');
    params.exceptIdBlocks = JSON.stringify(scope.exceptIdBlocks);
  }
  return { sql: conditions.join(' AND '), params };
}

/** Submitted review labels in the scope, with their ratings and live failure tags. */
export function reviewLabelsForQuality(
  db: ReadableDB,
  scope: ReviewScope,
): { reviews: QualityReviewRow[]; ratings: QualityRatingRow[]; tags: QualityTagRow[] } {
  const { sql, params } = reviewScopeSql(scope);
  // Columns named as the rows are typed, so 100,000 labels are not made twice (SQL rows, then ours).
  const reviews = all<QualityReviewRow>(
    db,
    `SELECT r.id AS reviewId, r.generation_id AS generationId, r.reviewer_id AS reviewerId, r.verdict FROM reviews r WHERE ${sql} ORDER BY r.id`,
    params,
  );
  // Joined to the labels in scope (one pass over the scope), in the order of the ratings' key.
  const ratings = all<QualityRatingRow>(
    db,
    `SELECT x.review_id AS reviewId, x.criterion_id AS criterionId, x.value FROM reviews r JOIN review_ratings x ON x.review_id = r.id WHERE ${sql}
     ORDER BY x.review_id, x.criterion_id`,
    params,
  );
  const tags = all<QualityTagRow>(
    db,
    `SELECT t.id AS tagId, t.review_id AS reviewId, t.class_id AS classId, t.span_start AS spanStart, t.span_end AS spanEnd
     FROM reviews r JOIN failure_tags t ON t.review_id = r.id WHERE t.deleted_at IS NULL AND ${sql} ORDER BY t.id`,
    params,
  );
  return { reviews, ratings, tags };
}

/** Every rubric criterion (retired ones too: old ratings keep theirs). */
export function criteriaForQuality(db: ReadableDB): { id: number; name: string; scale: CriterionScale }[] {
  return all<{ id: number; name: string; scale: CriterionScale }>(db, 'SELECT id, name, scale FROM rubric_criteria ORDER BY position, id');
}

/** Every failure class with the class it was merged into (tags of a merged class count for the target). */
export function classesForQuality(db: ReadableDB): { id: number; name: string; mergedIntoId: number | null }[] {
  return all<{ id: number; name: string; merged_into_id: number | null }>(db, 'SELECT id, name, merged_into_id FROM failure_classes ORDER BY id').map(
    (c) => ({ id: c.id, name: c.name, mergedIntoId: c.merged_into_id }),
  );
}

/** Output lengths in code points (SQLite's length() of TEXT), per task in shown order. */
export function taskOutputLengths(db: ReadableDB, taskIds: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (taskIds.length === 0) return out;
  for (const r of all<{ task_id: number; position: number; len: number }>(
    db,
    `SELECT o.task_id, o.position, length(g.output) AS len FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id
     WHERE o.task_id IN (SELECT value FROM json_each(?)) ORDER BY o.task_id, o.position`,
    JSON.stringify(taskIds),
  )) {
    let l = out.get(r.task_id);
    if (!l) out.set(r.task_id, (l = []));
    l[r.position] = r.len;
  }
  return out;
}

/** Reviewer names by id. */
export function reviewerNames(db: ReadableDB): Map<number, string> {
  return new Map(all<{ id: number; name: string }>(db, 'SELECT id, name FROM reviewers').map((r) => [r.id, r.name]));
}

/** The session's name, or null when there is no such session. */
export function sessionName(db: ReadableDB, sessionId: number): string | null {
  return all<{ name: string }>(db, 'SELECT name FROM review_sessions WHERE id = ?', sessionId)[0]?.name ?? null;
}

/**
 * Of these outputs and tasks, those on prompts that are not deleted (the ones the report counts
 * labels on), with each task's kind. Driven by the list (CROSS JOIN keeps that order: driven by
 * the prompts, SQLite would probe the whole list once per prompt).
 */
export function liveItemsForQuality(
  db: ReadableDB,
  generationIds: readonly number[],
  taskIds: readonly number[],
): { generations: Set<number>; tasks: Map<number, ComparisonKind> } {
  const generations = new Set(
    all<{ id: number }>(
      db,
      `SELECT g.id FROM json_each(?) j CROSS JOIN generations g ON g.id = j.value CROSS JOIN prompts p ON p.seq = g.prompt_seq WHERE p.deleted_at IS NULL`,
      JSON.stringify(generationIds),
    ).map((r) => r.id),
  );
  const tasks = new Map(
    all<{ id: number; kind: ComparisonKind }>(
      db,
      `SELECT t.id, t.kind FROM json_each(?) j CROSS JOIN comparison_tasks t ON t.id = j.value CROSS JOIN prompts p ON p.seq = t.prompt_seq WHERE p.deleted_at IS NULL`,
      JSON.stringify(taskIds),
    ).map((r) => [r.id, r.kind]),
  );
  return { generations, tasks };
}
