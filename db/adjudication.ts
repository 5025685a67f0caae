import type { AdjudicationKind } from '../contract/adjudication';
import type { ChatMessage } from '../contract/prompts';
import { promptAsSeen } from './prompts';
import type { ReadableDB, WritableDB } from './handles';
import { all, one, run } from './statements';

/**
 * Adjudications (migration 0013): one live row per item, a history row per saved revision. The
 * disagreement queue reads reviewers' labels with db/quality.ts and labelsForStats; this file
 * reads what the Adjudication view shows and writes adjudications. Reviewers' tables are only read.
 */

export interface AdjudicationRow {
  id: number;
  kind: AdjudicationKind;
  item_id: number;
  adjudicator_id: number;
  adjudicator_name: string;
  label: string;
  rationale: string;
  revision: number;
  created_at: number;
  updated_at: number;
}

const SELECT_ADJUDICATION = `SELECT a.id, a.kind, a.item_id, a.adjudicator_id, r.name AS adjudicator_name, a.label, a.rationale, a.revision,
  a.created_at, a.updated_at FROM adjudications a JOIN reviewers r ON r.id = a.adjudicator_id`;

export function adjudicationOf(db: ReadableDB, kind: AdjudicationKind, itemId: number): AdjudicationRow | undefined {
  return one<AdjudicationRow>(db, `${SELECT_ADJUDICATION} WHERE a.kind = ? AND a.item_id = ?`, kind, itemId);
}

/** Every adjudication of one kind of item, by item id (the exports and the queue read these). */
export function adjudicationsByItem(db: ReadableDB, kind: AdjudicationKind): Map<number, AdjudicationRow> {
  return new Map(all<AdjudicationRow>(db, `${SELECT_ADJUDICATION} WHERE a.kind = ?`, kind).map((a) => [a.item_id, a]));
}

export function adjudicationHistory(
  db: ReadableDB,
  adjudicationId: number,
): { revision: number; adjudicator_id: number; adjudicator_name: string; label: string; rationale: string; saved_at: number }[] {
  return all(
    db,
    `SELECT h.revision, h.adjudicator_id, r.name AS adjudicator_name, h.label, h.rationale, h.saved_at
     FROM adjudication_history h JOIN reviewers r ON r.id = h.adjudicator_id WHERE h.adjudication_id = ? ORDER BY h.revision DESC`,
    adjudicationId,
  );
}

/** Inserts or revises the item's adjudication and its history row; the caller holds the transaction. */
export function writeAdjudication(
  db: WritableDB,
  a: { kind: AdjudicationKind; itemId: number; adjudicatorId: number; label: string; rationale: string; now: number },
): number {
  const existing = one<{ id: number; revision: number }>(db, 'SELECT id, revision FROM adjudications WHERE kind = ? AND item_id = ?', a.kind, a.itemId);
  let id: number;
  let revision: number;
  if (existing) {
    id = existing.id;
    revision = existing.revision + 1;
    run(db, 'UPDATE adjudications SET adjudicator_id = ?, label = ?, rationale = ?, revision = ?, updated_at = ? WHERE id = ?', a.adjudicatorId, a.label, a.rationale, revision, a.now, id);
  } else {
    revision = 1;
    id = Number(
      run(
        db,
        'INSERT INTO adjudications (kind, item_id, adjudicator_id, label, rationale, revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)',
        a.kind,
        a.itemId,
        a.adjudicatorId,
        a.label,
        a.rationale,
        a.now,
        a.now,
      ).lastInsertRowid,
    );
  }
  run(
    db,
    'INSERT INTO adjudication_history (adjudication_id, revision, adjudicator_id, label, rationale, saved_at) VALUES (?, ?, ?, ?, ?, ?)',
    id,
    revision,
    a.adjudicatorId,
    a.label,
    a.rationale,
    a.now,
  );
  return id;
}

export function adjudicationRevision(db: ReadableDB, kind: AdjudicationKind, itemId: number): number {
  return one<{ revision: number }>(db, 'SELECT revision FROM adjudications WHERE kind = ? AND item_id = ?', kind, itemId)?.revision ?? 0;
}

/** The prompt as an output saw it (its version's text or messages, as review.item shows it) and as the model saw it (rendered, special tokens and all). */
export interface PromptSeen {
  prompt: { text: string } | { messages: ChatMessage[] };
  renderedPrompt: string;
}

const seen = promptAsSeen('p', 'g.prompt_seq', 'g.prompt_version');
const SEEN_COLUMNS = `${seen.prompt} AS seen_prompt, ${seen.messages} AS seen_messages, g.rendered_prompt AS rendered_prompt`;
interface SeenRow {
  seen_prompt: string | null;
  seen_messages: string | null;
  rendered_prompt: string | null;
}
const promptSeen = (row: SeenRow): PromptSeen => ({
  prompt: row.seen_prompt !== null ? { text: row.seen_prompt } : { messages: JSON.parse(row.seen_messages ?? '[]') as ChatMessage[] },
  renderedPrompt: row.rendered_prompt ?? '',
});

/** An output with its prompt id and its prompt (as seen and as rendered); undefined when none (or its prompt is deleted). */
export function outputForAdjudication(db: ReadableDB, generationId: number): ({ promptId: string; output: string; modelName: string } & PromptSeen) | undefined {
  const row = one<{ promptId: string; output: string; modelName: string } & SeenRow>(
    db,
    `SELECT p.id AS promptId, ${SEEN_COLUMNS}, g.output AS output, m.name AS modelName FROM generations g JOIN prompts p ON p.seq = g.prompt_seq
     JOIN models m ON m.id = g.model_id ${seen.join}
     WHERE g.id = ? AND p.deleted_at IS NULL`,
    generationId,
  );
  return row ? { promptId: row.promptId, output: row.output, modelName: row.modelName, ...promptSeen(row) } : undefined;
}

/** A task's kind, prompt id, prompt (as its first output saw it) and outputs in the shown order; undefined when none (or its prompt is deleted). */
export function taskForAdjudication(
  db: ReadableDB,
  taskId: number,
): ({ kind: 'pair' | 'rank'; promptId: string; outputs: { generationId: number; text: string; modelName: string }[] } & PromptSeen) | undefined {
  const t = one<{ kind: 'pair' | 'rank'; promptId: string }>(
    db,
    'SELECT t.kind, p.id AS promptId FROM comparison_tasks t JOIN prompts p ON p.seq = t.prompt_seq WHERE t.id = ? AND p.deleted_at IS NULL',
    taskId,
  );
  if (!t) return undefined;
  const outputs = all<{ generationId: number; text: string; modelName: string } & SeenRow>(
    db,
    `SELECT g.id AS generationId, g.output AS text, m.name AS modelName, ${SEEN_COLUMNS} FROM comparison_task_outputs o
     JOIN generations g ON g.id = o.generation_id JOIN models m ON m.id = g.model_id JOIN prompts p ON p.seq = g.prompt_seq ${seen.join}
     WHERE o.task_id = ? ORDER BY o.position`,
    taskId,
  );
  const first = outputs[0] ?? { seen_prompt: '', seen_messages: null, rendered_prompt: '' };
  return { kind: t.kind, promptId: t.promptId, ...promptSeen(first), outputs: outputs.map((o) => ({ generationId: o.generationId, text: o.text, modelName: o.modelName })) };
}

/** Rubric criteria by id (retired ones too: a label made before retirement still names them). */
export function criteriaByIds(db: ReadableDB, ids: readonly number[]): { id: number; name: string; scale: 'likert5' | 'likert7' | 'passfail' }[] {
  return all(db, 'SELECT id, name, scale FROM rubric_criteria WHERE id IN (SELECT value FROM json_each(?)) ORDER BY position, id', JSON.stringify(ids));
}

/** Prompt ids of outputs and of tasks (for queue rows). */
export function promptIdsOf(db: ReadableDB, generationIds: readonly number[], taskIds: readonly number[]): { outputs: Map<number, string>; tasks: Map<number, string> } {
  const outputs = new Map(
    all<{ id: number; pid: string }>(db, 'SELECT g.id, p.id AS pid FROM generations g JOIN prompts p ON p.seq = g.prompt_seq WHERE g.id IN (SELECT value FROM json_each(?))', JSON.stringify(generationIds)).map((r) => [r.id, r.pid]),
  );
  const tasks = new Map(
    all<{ id: number; pid: string }>(db, 'SELECT t.id, p.id AS pid FROM comparison_tasks t JOIN prompts p ON p.seq = t.prompt_seq WHERE t.id IN (SELECT value FROM json_each(?))', JSON.stringify(taskIds)).map((r) => [r.id, r.pid]),
  );
  return { outputs, tasks };
}

/** Every live comparison label on the task with its reviewer, rationale and ranks. */
export function comparisonLabelsOn(
  db: ReadableDB,
  taskId: number,
): { reviewer_id: number; reviewer_name: string; choice: string | null; strength: string | null; rationale: string; correction: string | null; updated_at: number; ranks: number[] | null }[] {
  const rows = all<{ id: number; reviewer_id: number; reviewer_name: string; choice: string | null; strength: string | null; rationale: string; correction: string | null; updated_at: number }>(
    db,
    `SELECT l.id, l.reviewer_id, r.name AS reviewer_name, l.choice, l.strength, l.rationale, l.correction, l.updated_at
     FROM comparison_labels l JOIN reviewers r ON r.id = l.reviewer_id WHERE l.task_id = ? AND l.deleted_at IS NULL ORDER BY r.name, l.reviewer_id`,
    taskId,
  );
  return rows.map(({ id, ...r }) => {
    const ranks = all<{ position: number; rank_group: number }>(db, 'SELECT position, rank_group FROM comparison_ranks WHERE label_id = ? ORDER BY position', id);
    return { ...r, ranks: ranks.length ? ranks.map((k) => k.rank_group) : null };
  });
}

/** Every submitted live review label on the output, with ratings, think-aloud steps and live tags. */
export function reviewLabelsOn(
  db: ReadableDB,
  generationId: number,
): {
  reviewer_id: number;
  reviewer_name: string;
  verdict: string | null;
  comment: string;
  updated_at: number;
  ratings: { criterionId: number; criterion: string; value: number }[];
  steps: string[];
  tags: { class_id: number; class_name: string; span_start: number | null; span_end: number | null; quote: string | null; note: string }[];
}[] {
  const rows = all<{ id: number; reviewer_id: number; reviewer_name: string; verdict: string | null; comment: string; updated_at: number }>(
    db,
    `SELECT v.id, v.reviewer_id, r.name AS reviewer_name, v.verdict, v.comment, v.updated_at FROM reviews v JOIN reviewers r ON r.id = v.reviewer_id
     WHERE v.generation_id = ? AND v.deleted_at IS NULL AND v.status = 'submitted' ORDER BY r.name, v.reviewer_id`,
    generationId,
  );
  return rows.map(({ id, ...r }) => ({
    ...r,
    ratings: all<{ criterionId: number; criterion: string; value: number }>(
      db,
      'SELECT c.id AS criterionId, c.name AS criterion, rr.value FROM review_ratings rr JOIN rubric_criteria c ON c.id = rr.criterion_id WHERE rr.review_id = ? ORDER BY c.position, c.id',
      id,
    ),
    steps: all<{ body: string }>(db, 'SELECT body FROM thinkaloud_steps WHERE review_id = ? AND deleted_at IS NULL ORDER BY position, id', id).map((s) => s.body),
    tags: all(
      db,
      `SELECT t.class_id, c.name AS class_name, t.span_start, t.span_end, t.quote, t.note FROM failure_tags t JOIN failure_classes c ON c.id = t.class_id
       WHERE t.review_id = ? AND t.deleted_at IS NULL ORDER BY t.span_start, t.id`,
      id,
    ),
  }));
}

export function reviewerRow(db: ReadableDB, id: number): { id: number; name: string } | undefined {
  return one(db, 'SELECT id, name FROM reviewers WHERE id = ?', id);
}

export function liveClassIds(db: ReadableDB): Set<number> {
  return new Set(all<{ id: number }>(db, 'SELECT id FROM failure_classes WHERE retired_at IS NULL').map((r) => r.id));
}

/**
 * Removes the latest revision of an adjudication (the caller holds the transaction and has checked
 * it): revision 1 deletes the adjudication with its history; a later one restores the row from the
 * previous history revision.
 */
export function undoAdjudicationRevision(db: WritableDB, id: number, revision: number): void {
  run(db, 'DELETE FROM adjudication_history WHERE adjudication_id = ? AND revision = ?', id, revision);
  if (revision === 1) {
    run(db, 'DELETE FROM adjudications WHERE id = ?', id);
    return;
  }
  const prev = one<{ adjudicator_id: number; label: string; rationale: string; saved_at: number }>(
    db,
    'SELECT adjudicator_id, label, rationale, saved_at FROM adjudication_history WHERE adjudication_id = ? AND revision = ?',
    id,
    revision - 1,
  )!;
  run(db, 'UPDATE adjudications SET adjudicator_id = ?, label = ?, rationale = ?, revision = ?, updated_at = ? WHERE id = ?', prev.adjudicator_id, prev.label, prev.rationale, revision - 1, prev.saved_at, id);
}
