import type { PairChoice, Strength } from '../contract/comparisons';
import type { Verdict } from '../contract/review';
import { OUTPUT_PREVIEW_CHARS, type SessionItemKind, type SessionKind } from '../contract/review-sessions';
import type { ReadableDB, WritableDB } from './handles';
import { promptAsSeen, promptPreview } from './prompts';
import { all, one, run } from './statements';

/**
 * Queries of review sessions (db/migrations/0011-sessions.ts). Lists of ids cross into SQL as one
 * JSON array parameter read with json_each, so a filter of any size is one statement.
 */

export interface SessionRow {
  id: number;
  name: string;
  kind: SessionKind;
  filter: string;
  overlap: number;
  /** Migration 0015: a reservation's length in milliseconds (was whole minutes). */
  reservation_ms: number;
  seed: number;
  gold_rate: number;
  gold_first: number;
  swap_share: number;
  created_by: number;
  created_at: number;
  closed_at: number | null;
}

export interface NewSession {
  name: string;
  kind: SessionKind;
  filter: unknown;
  overlap: number;
  reservationMs: number;
  seed: number;
  goldRate: number;
  goldFirst: number;
  swapShare: number;
  createdBy: number;
}

export function insertSession(db: WritableDB, s: NewSession, now: number): number {
  return Number(
    run(
      db,
      `INSERT INTO review_sessions (name, kind, filter, overlap, reservation_ms, seed, gold_rate, gold_first, swap_share, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      s.name,
      s.kind,
      JSON.stringify(s.filter),
      s.overlap,
      s.reservationMs,
      s.seed,
      s.goldRate,
      s.goldFirst,
      s.swapShare,
      s.createdBy,
      now,
    ).lastInsertRowid,
  );
}

export function sessionRow(db: ReadableDB, id: number): SessionRow | null {
  return one<SessionRow>(db, 'SELECT * FROM review_sessions WHERE id = ?', id) ?? null;
}

export function sessionRows(db: ReadableDB, assignedTo: number | null, includeClosed: boolean): SessionRow[] {
  return all<SessionRow>(
    db,
    `SELECT s.* FROM review_sessions s
     WHERE (@assignedTo IS NULL OR EXISTS (SELECT 1 FROM review_session_reviewers r WHERE r.session_id = s.id AND r.reviewer_id = @assignedTo))
       AND (@includeClosed = 1 OR s.closed_at IS NULL)
     ORDER BY s.id DESC`,
    { assignedTo, includeClosed: includeClosed ? 1 : 0 },
  );
}

export interface SessionSettingsPatch {
  name?: string | undefined;
  overlap?: number | undefined;
  reservationMs?: number | undefined;
  goldRate?: number | undefined;
  goldFirst?: number | undefined;
  swapShare?: number | undefined;
}

export function updateSession(db: WritableDB, id: number, p: SessionSettingsPatch): void {
  run(
    db,
    `UPDATE review_sessions SET
       name = coalesce(@name, name), overlap = coalesce(@overlap, overlap),
       reservation_ms = coalesce(@reservationMs, reservation_ms),
       gold_rate = coalesce(@goldRate, gold_rate), gold_first = coalesce(@goldFirst, gold_first),
       swap_share = coalesce(@swapShare, swap_share)
     WHERE id = @id`,
    {
      id,
      name: p.name ?? null,
      overlap: p.overlap ?? null,
      reservationMs: p.reservationMs ?? null,
      goldRate: p.goldRate ?? null,
      goldFirst: p.goldFirst ?? null,
      swapShare: p.swapShare ?? null,
    },
  );
}

export function setSessionClosed(db: WritableDB, id: number, closedAt: number | null): void {
  run(db, 'UPDATE review_sessions SET closed_at = ? WHERE id = ?', closedAt, id);
}

// ── Reviewers ────────────────────────────────────────────────────────────────────────────────

export function sessionReviewers(db: ReadableDB, sessionId: number): { reviewerId: number; name: string }[] {
  return all<{ reviewerId: number; name: string }>(
    db,
    `SELECT r.id AS reviewerId, r.name FROM review_session_reviewers sr JOIN reviewers r ON r.id = sr.reviewer_id
     WHERE sr.session_id = ? ORDER BY r.name COLLATE NOCASE, r.id`,
    sessionId,
  );
}

export function isAssigned(db: ReadableDB, sessionId: number, reviewerId: number): boolean {
  return one(db, 'SELECT 1 AS x FROM review_session_reviewers WHERE session_id = ? AND reviewer_id = ?', sessionId, reviewerId) !== undefined;
}

/** Makes the assigned reviewers exactly `ids` (those left out lose their reservations; their labels stay). */
export function setSessionReviewers(db: WritableDB, sessionId: number, ids: readonly number[], now: number): void {
  const json = JSON.stringify(ids);
  run(db, 'DELETE FROM review_session_reservations WHERE session_id = ? AND reviewer_id NOT IN (SELECT value FROM json_each(?))', sessionId, json);
  run(db, 'DELETE FROM review_session_reviewers WHERE session_id = ? AND reviewer_id NOT IN (SELECT value FROM json_each(?))', sessionId, json);
  run(
    db,
    'INSERT OR IGNORE INTO review_session_reviewers (session_id, reviewer_id, added_at) SELECT ?, value, ? FROM json_each(?)',
    sessionId,
    now,
    json,
  );
}

export function missingReviewers(db: ReadableDB, ids: readonly number[]): number[] {
  return all<{ id: number }>(db, 'SELECT value AS id FROM json_each(?) WHERE value NOT IN (SELECT id FROM reviewers)', JSON.stringify(ids)).map((r) => r.id);
}

// ── Items ────────────────────────────────────────────────────────────────────────────────────

export interface ItemFilter {
  seqs: readonly number[];
  classIds?: readonly number[] | undefined;
  modelIds?: readonly number[] | undefined;
  templateIds?: readonly number[] | undefined;
  limit?: number | undefined;
}

const list = (ids: readonly number[] | undefined) => (ids === undefined ? null : JSON.stringify(ids));

/** A live failure tag of one of the classes (or of a class merged into one) on generation `g`. */
const TAGGED_WITH = `EXISTS (SELECT 1 FROM reviews r JOIN failure_tags ft ON ft.review_id = r.id JOIN failure_classes fc ON fc.id = ft.class_id
   WHERE r.generation_id = {g} AND r.deleted_at IS NULL AND ft.deleted_at IS NULL
     AND (ft.class_id IN (SELECT value FROM json_each(@classIds)) OR fc.merged_into_id IN (SELECT value FROM json_each(@classIds))))`;

function filterParams(f: ItemFilter) {
  return {
    seqs: JSON.stringify(f.seqs),
    classIds: list(f.classIds),
    modelIds: list(f.modelIds),
    templateIds: list(f.templateIds),
    limit: f.limit ?? -1,
  };
}

/** Generations (without an error) of the filter's prompts, models, templates and failure classes, in id order. */
export function matchingGenerations(db: ReadableDB, f: ItemFilter): number[] {
  return all<{ id: number }>(
    db,
    `SELECT g.id FROM generations g
     WHERE g.prompt_seq IN (SELECT value FROM json_each(@seqs)) AND g.error IS NULL AND g.finish_reason <> 'error'
       AND (@modelIds IS NULL OR g.model_id IN (SELECT value FROM json_each(@modelIds)))
       AND (@templateIds IS NULL OR g.template_id IN (SELECT value FROM json_each(@templateIds)))
       AND (@classIds IS NULL OR ${TAGGED_WITH.replace('{g}', 'g.id')})
     ORDER BY g.id LIMIT @limit`,
    filterParams(f),
  ).map((r) => r.id);
}

/**
 * Comparison tasks of the filter's prompts whose every output is of the models and templates given,
 * and (with classes) one of whose outputs carries such a tag, in id order.
 */
export function matchingTasks(db: ReadableDB, f: ItemFilter): number[] {
  return all<{ id: number }>(
    db,
    `SELECT t.id FROM comparison_tasks t
     WHERE t.prompt_seq IN (SELECT value FROM json_each(@seqs))
       AND (@modelIds IS NULL OR NOT EXISTS (SELECT 1 FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id
            WHERE o.task_id = t.id AND g.model_id NOT IN (SELECT value FROM json_each(@modelIds))))
       AND (@templateIds IS NULL OR NOT EXISTS (SELECT 1 FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id
            WHERE o.task_id = t.id AND (g.template_id IS NULL OR g.template_id NOT IN (SELECT value FROM json_each(@templateIds)))))
       AND (@classIds IS NULL OR EXISTS (SELECT 1 FROM comparison_task_outputs o WHERE o.task_id = t.id AND ${TAGGED_WITH.replace('{g}', 'o.generation_id')}))
     ORDER BY t.id LIMIT @limit`,
    filterParams(f),
  ).map((r) => r.id);
}

export function insertItems(db: WritableDB, sessionId: number, kind: SessionItemKind, ids: readonly number[]): void {
  run(db, 'INSERT INTO review_session_items (session_id, kind, item_id) SELECT ?, ?, value FROM json_each(?)', sessionId, kind, JSON.stringify(ids));
}

export function itemCounts(db: ReadableDB, sessionId: number): { review: number; compare: number; gold: number } {
  return one<{ review: number; compare: number; gold: number }>(
    db,
    `SELECT coalesce(sum(kind = 'review'), 0) AS review, coalesce(sum(kind = 'compare'), 0) AS compare, coalesce(sum(is_gold), 0) AS gold
     FROM review_session_items WHERE session_id = ?`,
    sessionId,
  )!;
}

export function sessionItemRow(db: ReadableDB, sessionId: number, kind: SessionItemKind, itemId: number): { is_gold: 0 | 1 } | null {
  return one<{ is_gold: 0 | 1 }>(db, 'SELECT is_gold FROM review_session_items WHERE session_id = ? AND kind = ? AND item_id = ?', sessionId, kind, itemId) ?? null;
}

/** Submitted review labels / live comparison labels of the session's assigned reviewers on an item. */
const LABELS_OF = {
  review: `(SELECT count(*) FROM reviews r JOIN review_session_reviewers sr ON sr.session_id = i.session_id AND sr.reviewer_id = r.reviewer_id
            WHERE r.generation_id = i.item_id AND r.deleted_at IS NULL AND r.status = 'submitted')`,
  compare: `(SELECT count(*) FROM comparison_labels l JOIN review_session_reviewers sr ON sr.session_id = i.session_id AND sr.reviewer_id = l.reviewer_id
             WHERE l.task_id = i.item_id AND l.deleted_at IS NULL)`,
};

export interface ItemState {
  item_id: number;
  is_gold: 0 | 1;
  labels: number;
  /** Compare items: 1 for a pairwise task (only those are re-shown swapped). */
  pair: 0 | 1;
}

export function itemStates(db: ReadableDB, sessionId: number, kind: SessionItemKind): ItemState[] {
  const pair = kind === 'compare' ? "(SELECT t.kind = 'pair' FROM comparison_tasks t WHERE t.id = i.item_id)" : '0';
  return all<ItemState>(
    db,
    `SELECT i.item_id, i.is_gold, ${LABELS_OF[kind]} AS labels, ${pair} AS pair
     FROM review_session_items i WHERE i.session_id = ? AND i.kind = ? ORDER BY i.item_id`,
    sessionId,
    kind,
  );
}

/** The reviewer's labels on the session's items of a kind: submitted reviews, live comparison labels. */
export function reviewerLabels(db: ReadableDB, sessionId: number, kind: SessionItemKind, reviewerId: number): { item_id: number; time_spent_ms: number }[] {
  const sql =
    kind === 'review'
      ? `SELECT i.item_id, r.time_spent_ms FROM review_session_items i
         JOIN reviews r ON r.generation_id = i.item_id AND r.reviewer_id = ? AND r.deleted_at IS NULL AND r.status = 'submitted'
         WHERE i.session_id = ? AND i.kind = 'review'`
      : `SELECT i.item_id, l.time_spent_ms FROM review_session_items i
         JOIN comparison_labels l ON l.task_id = i.item_id AND l.reviewer_id = ? AND l.deleted_at IS NULL
         WHERE i.session_id = ? AND i.kind = 'compare'`;
  return all(db, sql, reviewerId, sessionId);
}

export interface ReservationRow {
  item_id: number;
  reviewer_id: number;
  reserved_at: number;
  expires_at: number;
}

/** Holder's label on the reserved item: a reservation ends with it as well as with its time. */
const HOLDER_LABELLED = {
  review: "EXISTS (SELECT 1 FROM reviews r WHERE r.generation_id = v.item_id AND r.reviewer_id = v.reviewer_id AND r.deleted_at IS NULL AND r.status = 'submitted')",
  compare: 'EXISTS (SELECT 1 FROM comparison_labels l WHERE l.task_id = v.item_id AND l.reviewer_id = v.reviewer_id AND l.deleted_at IS NULL)',
};

/** Reservations that still hold: not expired, and the holder has not labelled the item since. */
export function activeReservations(db: ReadableDB, sessionId: number, kind: SessionItemKind, now: number): ReservationRow[] {
  return all<ReservationRow>(
    db,
    `SELECT v.item_id, v.reviewer_id, v.reserved_at, v.expires_at FROM review_session_reservations v
     WHERE v.session_id = ? AND v.kind = ? AND v.expires_at > ? AND NOT ${HOLDER_LABELLED[kind]}
     ORDER BY v.reserved_at, v.item_id`,
    sessionId,
    kind,
    now,
  );
}

export function reserve(db: WritableDB, sessionId: number, kind: SessionItemKind, itemId: number, reviewerId: number, now: number, until: number): void {
  // Expired reservations are dead rows: clear them as new ones are made, so the table stays small.
  run(db, 'DELETE FROM review_session_reservations WHERE session_id = ? AND expires_at <= ?', sessionId, now);
  run(
    db,
    `INSERT INTO review_session_reservations (session_id, kind, item_id, reviewer_id, reserved_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (session_id, kind, item_id, reviewer_id) DO UPDATE SET reserved_at = excluded.reserved_at, expires_at = excluded.expires_at`,
    sessionId,
    kind,
    itemId,
    reviewerId,
    now,
    until,
  );
}

export function release(db: WritableDB, sessionId: number, kind: SessionItemKind, itemId: number, reviewerId: number): boolean {
  return run(db, 'DELETE FROM review_session_reservations WHERE session_id = ? AND kind = ? AND item_id = ? AND reviewer_id = ?', sessionId, kind, itemId, reviewerId).changes > 0;
}

// ── Skips ────────────────────────────────────────────────────────────────────────────────────

/**
 * Records that the reviewer skipped the item, now: skipping it again moves it last among their
 * skipped items (revisited oldest skip first). True when it was not skipped before.
 */
export function insertSkip(db: WritableDB, sessionId: number, kind: SessionItemKind, itemId: number, reviewerId: number, now: number): boolean {
  const before = one(db, 'SELECT 1 AS x FROM review_session_skips WHERE session_id = ? AND reviewer_id = ? AND kind = ? AND item_id = ?', sessionId, reviewerId, kind, itemId);
  run(
    db,
    `INSERT INTO review_session_skips (session_id, kind, item_id, reviewer_id, skipped_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (session_id, reviewer_id, kind, item_id) DO UPDATE SET skipped_at = excluded.skipped_at`,
    sessionId,
    kind,
    itemId,
    reviewerId,
    now,
  );
  return before === undefined;
}

/** The items of a kind the reviewer skipped in the session, oldest skip first. */
export function skippedItems(db: ReadableDB, sessionId: number, kind: SessionItemKind, reviewerId: number): { item_id: number; skipped_at: number }[] {
  return all<{ item_id: number; skipped_at: number }>(
    db,
    'SELECT item_id, skipped_at FROM review_session_skips WHERE session_id = ? AND reviewer_id = ? AND kind = ? ORDER BY skipped_at, item_id',
    sessionId,
    reviewerId,
    kind,
  );
}

// ── Gold ─────────────────────────────────────────────────────────────────────────────────────

export interface GoldRow {
  item_id: number;
  kind: SessionItemKind;
  verdict: Verdict | null;
  class_id: number | null;
  choice: PairChoice | null;
}

export function setGold(
  db: WritableDB,
  sessionId: number,
  kind: SessionItemKind,
  itemId: number,
  answer: { verdict: Verdict | null; classId: number | null; choice: PairChoice | null } | null,
  by: number,
  now: number,
): void {
  run(db, 'UPDATE review_session_items SET is_gold = ? WHERE session_id = ? AND kind = ? AND item_id = ?', answer ? 1 : 0, sessionId, kind, itemId);
  if (!answer) {
    run(db, 'DELETE FROM review_session_gold WHERE session_id = ? AND kind = ? AND item_id = ?', sessionId, kind, itemId);
    return;
  }
  run(
    db,
    `INSERT INTO review_session_gold (session_id, kind, item_id, verdict, class_id, choice, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (session_id, kind, item_id) DO UPDATE SET verdict = excluded.verdict, class_id = excluded.class_id, choice = excluded.choice,
       set_by = excluded.set_by, set_at = excluded.set_at`,
    sessionId,
    kind,
    itemId,
    answer.verdict,
    answer.classId,
    answer.choice,
    by,
    now,
  );
}

/**
 * Each gold item of the session the reviewer labelled, with whether the label matches: the verdict
 * (when the answer has one), the failure class among the label's live tags (a class merged into it
 * counts), the pairwise choice in stored order.
 */
export function goldResults(db: ReadableDB, sessionId: number, reviewerId: number): { kind: SessionItemKind; item_id: number; correct: 0 | 1 }[] {
  return all(
    db,
    `SELECT 'review' AS kind, gd.item_id,
            ((gd.verdict IS NULL OR gd.verdict = r.verdict) AND (gd.class_id IS NULL OR EXISTS (
              SELECT 1 FROM failure_tags ft JOIN failure_classes fc ON fc.id = ft.class_id
              WHERE ft.review_id = r.id AND ft.deleted_at IS NULL AND (ft.class_id = gd.class_id OR fc.merged_into_id = gd.class_id)))) AS correct
     FROM review_session_gold gd
     JOIN reviews r ON r.generation_id = gd.item_id AND r.reviewer_id = @reviewerId AND r.deleted_at IS NULL AND r.status = 'submitted'
     WHERE gd.session_id = @sessionId AND gd.kind = 'review'
     UNION ALL
     SELECT 'compare' AS kind, gd.item_id, (gd.choice = l.choice) AS correct
     FROM review_session_gold gd
     JOIN comparison_labels l ON l.task_id = gd.item_id AND l.reviewer_id = @reviewerId AND l.deleted_at IS NULL
     WHERE gd.session_id = @sessionId AND gd.kind = 'compare'`,
    { sessionId, reviewerId },
  );
}

// ── Swap re-shows ────────────────────────────────────────────────────────────────────────────

export function swapsOf(db: ReadableDB, sessionId: number, reviewerId: number): { task_id: number; choice: PairChoice; first: PairChoice | null; time_spent_ms: number }[] {
  return all(
    db,
    `SELECT s.task_id, s.choice, l.choice AS first, s.time_spent_ms FROM review_session_swaps s
     LEFT JOIN comparison_labels l ON l.task_id = s.task_id AND l.reviewer_id = s.reviewer_id AND l.deleted_at IS NULL
     WHERE s.session_id = ? AND s.reviewer_id = ?`,
    sessionId,
    reviewerId,
  );
}

export function insertSwap(
  db: WritableDB,
  s: { sessionId: number; taskId: number; reviewerId: number; choice: PairChoice; strength: Strength | null; rationale: string; timeSpentMs: number },
  now: number,
): boolean {
  return (
    run(
      db,
      `INSERT OR IGNORE INTO review_session_swaps (session_id, task_id, reviewer_id, choice, strength, rationale, time_spent_ms, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      s.sessionId,
      s.taskId,
      s.reviewerId,
      s.choice,
      s.strength,
      s.rationale,
      s.timeSpentMs,
      now,
    ).changes > 0
  );
}

// ── The engineer's list of items ─────────────────────────────────────────────────────────────

const PREVIEW_CHARS = 160;


export interface ItemListRow {
  kind: SessionItemKind;
  itemId: number;
  promptId: string;
  preview: string;
  models: string[];
  outputs: string[];
  gold: { verdict: Verdict | null; classId: number | null; choice: PairChoice | null } | null;
  labels: number;
}

export function listItems(
  db: ReadableDB,
  q: { sessionId: number; kind?: SessionItemKind | undefined; itemId?: number; goldOnly: boolean; offset: number; limit: number },
): { total: number; items: ItemListRow[] } {
  const params = { sessionId: q.sessionId, kind: q.kind ?? null, itemId: q.itemId ?? null, gold: q.goldOnly ? 1 : 0, offset: q.offset, limit: q.limit };
  const where = 'i.session_id = @sessionId AND (@kind IS NULL OR i.kind = @kind) AND (@itemId IS NULL OR i.item_id = @itemId) AND (@gold = 0 OR i.is_gold = 1)';
  const total = one<{ n: number }>(db, `SELECT count(*) AS n FROM review_session_items i WHERE ${where}`, params)!.n;
  const seen = promptAsSeen('p', 'g.prompt_seq', 'g.prompt_version');
  type Row = {
    kind: SessionItemKind;
    item_id: number;
    prompt_id: string;
    prompt: string | null;
    messages: string | null;
    models: string;
    outputs: string;
    labels: number;
    verdict: Verdict | null;
    class_id: number | null;
    choice: PairChoice | null;
    is_gold: 0 | 1;
  };
  // One generation stands for the item: the review item's own, or the task's first shown output.
  const rows = all<Row>(
    db,
    `SELECT i.kind, i.item_id, i.is_gold, p.id AS prompt_id, substr(${seen.prompt}, 1, ${PREVIEW_CHARS}) AS prompt, ${seen.messages} AS messages,
            CASE i.kind WHEN 'review' THEN json_array(m.name)
              ELSE (SELECT json_group_array(name) FROM (SELECT gm.name FROM comparison_task_outputs o JOIN generations og ON og.id = o.generation_id
                    JOIN models gm ON gm.id = og.model_id WHERE o.task_id = i.item_id ORDER BY o.position)) END AS models,
            CASE i.kind WHEN 'review' THEN json_array(substr(g.output, 1, ${OUTPUT_PREVIEW_CHARS}))
              ELSE (SELECT json_group_array(t) FROM (SELECT substr(og.output, 1, ${OUTPUT_PREVIEW_CHARS}) AS t FROM comparison_task_outputs o
                    JOIN generations og ON og.id = o.generation_id WHERE o.task_id = i.item_id ORDER BY o.position)) END AS outputs,
            CASE i.kind WHEN 'review' THEN ${LABELS_OF.review} ELSE ${LABELS_OF.compare} END AS labels,
            gd.verdict, gd.class_id, gd.choice
     FROM review_session_items i
     JOIN generations g ON g.id = CASE i.kind WHEN 'review' THEN i.item_id
       ELSE (SELECT o.generation_id FROM comparison_task_outputs o WHERE o.task_id = i.item_id AND o.position = 0) END
     JOIN prompts p ON p.seq = g.prompt_seq JOIN models m ON m.id = g.model_id
     ${seen.join}
     LEFT JOIN review_session_gold gd ON gd.session_id = i.session_id AND gd.kind = i.kind AND gd.item_id = i.item_id
     WHERE ${where}
     ORDER BY i.kind DESC, i.item_id LIMIT @limit OFFSET @offset`,
    params,
  );
  return {
    total,
    items: rows.map((r) => ({
      kind: r.kind,
      itemId: r.item_id,
      promptId: r.prompt_id,
      preview: promptPreview(r.prompt, r.messages, PREVIEW_CHARS),
      models: JSON.parse(r.models) as string[],
      outputs: JSON.parse(r.outputs) as string[],
      gold: r.is_gold ? { verdict: r.verdict, classId: r.class_id, choice: r.choice } : null,
      labels: r.labels,
    })),
  };
}

/** True when the generation is an item of an open session the reviewer is assigned to (review.item stays blind there). */
export function inOpenSessionOf(db: ReadableDB, kind: SessionItemKind, itemId: number, reviewerId: number): boolean {
  return (
    one(
      db,
      `SELECT 1 AS x FROM review_session_items i JOIN review_sessions s ON s.id = i.session_id AND s.closed_at IS NULL
       JOIN review_session_reviewers sr ON sr.session_id = i.session_id AND sr.reviewer_id = ?
       WHERE i.kind = ? AND i.item_id = ? LIMIT 1`,
      reviewerId,
      kind,
      itemId,
    ) !== undefined
  );
}

export function taskKind(db: ReadableDB, taskId: number): 'pair' | 'rank' | null {
  return one<{ kind: 'pair' | 'rank' }>(db, 'SELECT kind FROM comparison_tasks WHERE id = ?', taskId)?.kind ?? null;
}

export function classExists(db: ReadableDB, id: number): boolean {
  return one(db, 'SELECT 1 AS x FROM failure_classes WHERE id = ?', id) !== undefined;
}
