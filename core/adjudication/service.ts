import {
  AdjudicatedLabel,
  SPAN_AGREEMENT_THRESHOLD,
  type Adjudication,
  type AdjudicationItem,
  type AdjudicationKind,
  type AdjudicationQueue,
  type AdjudicationQueueItem,
  type DisagreementReason,
} from '../../contract/adjudication';
import type { MethodInput, MethodOutput } from '../../contract';
import { AppError } from '../../contract/result';
import { scaleRange } from '../../contract/review';
import {
  adjudicationHistory,
  adjudicationOf,
  adjudicationRevision,
  adjudicationsByItem,
  comparisonLabelsOn,
  criteriaByIds,
  liveClassIds,
  outputForAdjudication,
  promptIdsOf,
  reviewerRow,
  reviewLabelsOn,
  taskForAdjudication,
  undoAdjudicationRevision,
  writeAdjudication,
  type AdjudicationRow,
} from '../../db/adjudication';
import { labelsForStats } from '../../db/comparisons';
import type { ReadableDB } from '../../db/handles';
import { classesForQuality, reviewLabelsForQuality, sessionName, type ReviewScope } from '../../db/quality';
import { inOpenSessionOf, sessionItemRow } from '../../db/sessions';
import type { Workspace } from '../workspace/workspace';

/**
 * Disagreement rules (documented with the contract, contract/adjudication.ts) as pure functions over
 * one item's labels, the queue over a scope, and the save path. Reviewers' labels are only read.
 */

const distinct = <T>(values: T[]): number => new Set(values).size;

/** Pairwise: choices not all the same (two or more reviewers). */
export function pairwiseDisagree(choices: (string | null)[]): boolean {
  return choices.length >= 2 && distinct(choices.map((c) => c ?? '')) > 1;
}

/** Rankings: not all identical. */
export function rankingsDisagree(ranks: (number[] | null)[]): boolean {
  return ranks.length >= 2 && distinct(ranks.map((r) => JSON.stringify(r ?? []))) > 1;
}

/** Verdicts of the reviewers who gave one: not all the same. */
export function verdictsDisagree(verdicts: (string | null)[]): boolean {
  const given = verdicts.filter((v): v is string => v !== null);
  return given.length >= 2 && distinct(given) > 1;
}

/** Per reviewer: the set of classes they tagged. A class in some sets and not in others. */
export function classesDisagree(perReviewer: Set<number>[]): boolean {
  if (perReviewer.length < 2) return false;
  const union = new Set(perReviewer.flatMap((s) => [...s]));
  return [...union].some((c) => perReviewer.some((s) => !s.has(c)));
}

export interface SpanRange {
  start: number;
  end: number;
}

/** Code points covered by a set of spans. */
function covered(spans: SpanRange[]): Set<number> {
  const out = new Set<number>();
  for (const s of spans) for (let i = s.start; i < s.end; i++) out.add(i);
  return out;
}

/** Dice overlap 2·|A∩B| / (|A|+|B|) of two sets of spans, over code points. */
export function spanDice(a: SpanRange[], b: SpanRange[]): number {
  const ca = covered(a);
  const cb = covered(b);
  if (ca.size + cb.size === 0) return 1;
  let both = 0;
  for (const i of ca) if (cb.has(i)) both++;
  return (2 * both) / (ca.size + cb.size);
}

/**
 * Spans per reviewer per class (class → spans). Disagree when two reviewers both have spans of a
 * class and their Dice overlap is below the threshold.
 */
export function spansDisagree(perReviewer: Map<number, SpanRange[]>[], threshold = SPAN_AGREEMENT_THRESHOLD): boolean {
  for (let i = 0; i < perReviewer.length; i++) {
    for (let j = i + 1; j < perReviewer.length; j++) {
      for (const [cls, a] of perReviewer[i]!) {
        const b = perReviewer[j]!.get(cls);
        if (b && spanDice(a, b) < threshold) return true;
      }
    }
  }
  return false;
}

interface ReviewerReviewLabel {
  verdict: string | null;
  ratings: Map<number, number>;
  classes: Set<number>;
  spans: Map<number, SpanRange[]>;
}

export function reviewReasons(labels: ReviewerReviewLabel[]): DisagreementReason[] {
  if (labels.length < 2) return [];
  const reasons: DisagreementReason[] = [];
  if (verdictsDisagree(labels.map((l) => l.verdict))) reasons.push('verdict');
  const criteria = new Set(labels.flatMap((l) => [...l.ratings.keys()]));
  if ([...criteria].some((c) => distinct(labels.flatMap((l) => (l.ratings.has(c) ? [l.ratings.get(c)] : []))) > 1)) reasons.push('rating');
  if (classesDisagree(labels.map((l) => l.classes))) reasons.push('classes');
  if (spansDisagree(labels.map((l) => l.spans))) reasons.push('spans');
  return reasons;
}

/** Review outputs with disagreement reasons in the scope, by generation id (ascending). */
function reviewDisagreements(db: ReadableDB, scope: ReviewScope): Map<number, { reasons: DisagreementReason[]; reviewers: number }> {
  const { reviews, ratings, tags } = reviewLabelsForQuality(db, scope);
  const classes = classesForQuality(db);
  const mergedInto = new Map(classes.map((c) => [c.id, c.mergedIntoId]));
  const resolve = (id: number): number => {
    let cur = id;
    for (let n = 0; n < 100; n++) {
      const next = mergedInto.get(cur);
      if (next == null) return cur;
      cur = next;
    }
    return cur;
  };
  const byReview = new Map<number, ReviewerReviewLabel>();
  const byGeneration = new Map<number, ReviewerReviewLabel[]>();
  for (const r of reviews) {
    const l: ReviewerReviewLabel = { verdict: r.verdict, ratings: new Map(), classes: new Set(), spans: new Map() };
    byReview.set(r.reviewId, l);
    let list = byGeneration.get(r.generationId);
    if (!list) byGeneration.set(r.generationId, (list = []));
    list.push(l);
  }
  for (const r of ratings) byReview.get(r.reviewId)?.ratings.set(r.criterionId, r.value);
  for (const t of tags) {
    const l = byReview.get(t.reviewId);
    if (!l) continue;
    const cls = resolve(t.classId);
    l.classes.add(cls);
    if (t.spanStart !== null && t.spanEnd !== null) {
      let s = l.spans.get(cls);
      if (!s) l.spans.set(cls, (s = []));
      s.push({ start: t.spanStart, end: t.spanEnd });
    }
  }
  const out = new Map<number, { reasons: DisagreementReason[]; reviewers: number }>();
  for (const [g, labels] of [...byGeneration].sort((a, b) => a[0] - b[0])) {
    const reasons = reviewReasons(labels);
    if (reasons.length) out.set(g, { reasons, reviewers: labels.length });
  }
  return out;
}

/** Comparison tasks with disagreement reasons in the scope, by task id (ascending). */
function compareDisagreements(db: ReadableDB, scope: { sessionId?: number; taskIds?: number[] }): Map<number, { kind: 'pair' | 'rank'; reasons: DisagreementReason[]; reviewers: number }> {
  const { labels } = labelsForStats(db, scope);
  const byTask = new Map<number, typeof labels>();
  for (const l of labels) {
    let list = byTask.get(l.taskId);
    if (!list) byTask.set(l.taskId, (list = []));
    list.push(l);
  }
  const out = new Map<number, { kind: 'pair' | 'rank'; reasons: DisagreementReason[]; reviewers: number }>();
  for (const [taskId, list] of [...byTask].sort((a, b) => a[0] - b[0])) {
    const kind = list[0]!.kind;
    const disagree = kind === 'pair' ? pairwiseDisagree(list.map((l) => l.choice)) : rankingsDisagree(list.map((l) => l.ranks));
    if (disagree) out.set(taskId, { kind, reasons: [kind === 'pair' ? 'pairwise' : 'ranking'], reviewers: list.length });
  }
  return out;
}

function mustSession(db: ReadableDB, sessionId: number | undefined): void {
  if (sessionId !== undefined && sessionName(db, sessionId) === null) {
    throw new AppError('not_found', `There is no review session ${sessionId}; choose one from the Sessions list, or leave the session out for the whole workspace.`);
  }
}

export function adjudicationQueue(db: ReadableDB, input: MethodInput<'adjudication.queue'>): AdjudicationQueue {
  mustSession(db, input.sessionId);
  const scope = input.sessionId === undefined ? {} : { sessionId: input.sessionId };
  const reviews = reviewDisagreements(db, scope);
  const tasks = compareDisagreements(db, scope);
  const doneReview = adjudicationsByItem(db, 'review');
  const doneCompare = adjudicationsByItem(db, 'compare');
  const ids = promptIdsOf(db, [...reviews.keys()], [...tasks.keys()]);
  const items: AdjudicationQueueItem[] = [];
  for (const [g, d] of reviews) items.push({ kind: 'review', itemId: g, taskKind: null, promptId: ids.outputs.get(g) ?? '', reasons: d.reasons, reviewers: d.reviewers, adjudicated: doneReview.has(g) });
  for (const [t, d] of tasks) items.push({ kind: 'compare', itemId: t, taskKind: d.kind, promptId: ids.tasks.get(t) ?? '', reasons: d.reasons, reviewers: d.reviewers, adjudicated: doneCompare.has(t) });
  const adjudicated = items.filter((i) => i.adjudicated).length;
  return { items: input.pendingOnly ? items.filter((i) => !i.adjudicated) : items, pending: items.length - adjudicated, adjudicated };
}

export function toAdjudication(row: AdjudicationRow): Adjudication {
  return {
    id: row.id,
    kind: row.kind,
    itemId: row.item_id,
    adjudicatorId: row.adjudicator_id,
    adjudicatorName: row.adjudicator_name,
    label: AdjudicatedLabel.parse(JSON.parse(row.label)),
    rationale: row.rationale,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function mustReviewer(db: ReadableDB, id: number): void {
  if (!reviewerRow(db, id)) throw new AppError('not_found', `There is no reviewer ${id}; choose who you are in the top bar first.`);
}

/**
 * An adjudicator must not be a reviewer still working on the item: a reviewer assigned to an open
 * session holding it stays blind to the others' labels (as review.item does), so they cannot
 * adjudicate it until the session closes.
 */
function mustNotBeBlind(db: ReadableDB, kind: AdjudicationKind, itemId: number, reviewerId: number): void {
  if (inOpenSessionOf(db, kind, itemId, reviewerId)) {
    throw new AppError(
      'conflict',
      `You are assigned to an open review session holding this ${kind === 'review' ? 'output' : 'task'}, so you stay blind to the other reviewers' labels; close the session first, or ask another adjudicator.`,
    );
  }
}

export function adjudicationItem(db: ReadableDB, input: MethodInput<'adjudication.item'>): AdjudicationItem {
  mustReviewer(db, input.reviewerId);
  const { kind, itemId } = input;
  mustSession(db, input.sessionId);
  if (input.sessionId !== undefined && sessionItemRow(db, input.sessionId, kind, itemId) === null) {
    throw new AppError('not_found', `Review session ${input.sessionId} does not hold ${kind === 'review' ? 'output' : 'task'} ${itemId}; pick an item from the session's disagreement queue.`);
  }
  mustNotBeBlind(db, kind, itemId, input.reviewerId);
  let head: Pick<AdjudicationItem, 'taskKind' | 'promptId' | 'prompt' | 'renderedPrompt' | 'outputs' | 'criteria'>;
  let labels: AdjudicationItem['labels'];
  let reasons: DisagreementReason[];
  if (kind === 'review') {
    const o = outputForAdjudication(db, itemId);
    if (!o) throw new AppError('not_found', `There is no output ${itemId} (or its prompt was deleted); pick an item from the disagreement queue.`);
    const rows = reviewLabelsOn(db, itemId);
    const criteria = criteriaByIds(db, [...new Set(rows.flatMap((l) => l.ratings.map((r) => r.criterionId)))]);
    head = { taskKind: null, promptId: o.promptId, prompt: o.prompt, renderedPrompt: o.renderedPrompt, outputs: [{ generationId: itemId, text: o.output, modelName: o.modelName }], criteria };
    labels = rows.map((l) => ({
      reviewerId: l.reviewer_id,
      reviewerName: l.reviewer_name,
      choice: null,
      strength: null,
      ranks: null,
      rationale: '',
      correction: null,
      verdict: l.verdict as AdjudicationItem['labels'][number]['verdict'],
      comment: l.comment,
      ratings: l.ratings,
      thinkAloud: l.steps,
      tags: l.tags.map((t) => ({
        classId: t.class_id,
        className: t.class_name,
        span: t.span_start === null || t.span_end === null ? null : { start: t.span_start, end: t.span_end },
        quote: t.quote,
        note: t.note,
      })),
      updatedAt: l.updated_at,
    }));
    reasons = reviewDisagreements(db, { generationIds: [itemId] }).get(itemId)?.reasons ?? [];
  } else {
    const t = taskForAdjudication(db, itemId);
    if (!t) throw new AppError('not_found', `There is no comparison task ${itemId} (or its prompt was deleted); pick an item from the disagreement queue.`);
    head = { taskKind: t.kind, promptId: t.promptId, prompt: t.prompt, renderedPrompt: t.renderedPrompt, outputs: t.outputs, criteria: [] };
    const rows = comparisonLabelsOn(db, itemId);
    labels = rows.map((l) => ({
      reviewerId: l.reviewer_id,
      reviewerName: l.reviewer_name,
      choice: l.choice as AdjudicationItem['labels'][number]['choice'],
      strength: l.strength as AdjudicationItem['labels'][number]['strength'],
      ranks: l.ranks,
      rationale: l.rationale,
      correction: l.correction,
      verdict: null,
      comment: '',
      ratings: [],
      thinkAloud: [],
      tags: [],
      updatedAt: l.updated_at,
    }));
    const disagree = t.kind === 'pair' ? pairwiseDisagree(rows.map((r) => r.choice)) : rankingsDisagree(rows.map((r) => r.ranks));
    reasons = disagree ? [t.kind === 'pair' ? 'pairwise' : 'ranking'] : [];
  }
  const row = adjudicationOf(db, kind, itemId);
  return {
    kind,
    itemId,
    ...head,
    reasons,
    labels,
    adjudication: row ? toAdjudication(row) : null,
    history: row
      ? adjudicationHistory(db, row.id).map((h) => ({
          revision: h.revision,
          adjudicatorId: h.adjudicator_id,
          adjudicatorName: h.adjudicator_name,
          label: AdjudicatedLabel.parse(JSON.parse(h.label)),
          rationale: h.rationale,
          savedAt: h.saved_at,
        }))
      : [],
  };
}

/** Checks that the label fits the item: its kind, the task's number of outputs, live classes, spans inside the output. */
function checkLabelFits(db: ReadableDB, kind: AdjudicationKind, itemId: number, label: AdjudicatedLabel): void {
  if (kind === 'compare') {
    const t = taskForAdjudication(db, itemId);
    if (!t) throw new AppError('not_found', `There is no comparison task ${itemId} (or its prompt was deleted); pick an item from the disagreement queue.`);
    if (label.type !== t.kind) {
      throw new AppError('invalid_input', `Task ${itemId} is ${t.kind === 'pair' ? 'a pairwise task: give a choice (type "pair")' : 'an N-way task: give a ranking (type "rank")'}.`);
    }
    if (label.type === 'rank' && label.ranks.length !== t.outputs.length) {
      throw new AppError('invalid_input', `Task ${itemId} shows ${t.outputs.length} outputs; the ranking gives ${label.ranks.length} ranks. Rank every output.`);
    }
    return;
  }
  const o = outputForAdjudication(db, itemId);
  if (!o) throw new AppError('not_found', `There is no output ${itemId} (or its prompt was deleted); pick an item from the disagreement queue.`);
  if (label.type !== 'review') throw new AppError('invalid_input', `Output ${itemId} takes a review label (type "review": a verdict, classes and spans).`);
  const live = liveClassIds(db);
  const length = [...o.output].length;
  for (const c of [...label.classIds, ...label.spans.map((s) => s.classId)]) {
    if (!live.has(c)) throw new AppError('invalid_input', `Failure class ${c} is not a live class; pick one from the taxonomy.`);
  }
  label.spans.forEach((s, i) => {
    if (s.end <= s.start || s.end > length) {
      throw new AppError('invalid_input', `spans[${i}] [${s.start}, ${s.end}) is not inside the output (${length} code points); select the span again.`);
    }
  });
  const ratings = label.ratings ?? [];
  const criteria = new Map(criteriaByIds(db, ratings.map((r) => r.criterionId)).map((c) => [c.id, c]));
  const seenCriteria = new Set<number>();
  ratings.forEach((r, i) => {
    const c = criteria.get(r.criterionId);
    if (!c) throw new AppError('invalid_input', `ratings[${i}]: there is no rubric criterion ${r.criterionId}; rate the criteria the reviewers rated.`);
    if (seenCriteria.has(r.criterionId)) throw new AppError('invalid_input', `ratings[${i}]: “${c.name}” is rated twice; give each criterion one value.`);
    seenCriteria.add(r.criterionId);
    const { min, max } = scaleRange(c.scale);
    if (r.value < min || r.value > max) throw new AppError('invalid_input', `ratings[${i}]: ${r.value} is not on “${c.name}”'s scale (${min}–${max}).`);
  });
}

export interface AdjudicationServiceOptions {
  onCommit?: () => void;
  now?: () => number;
}

export function adjudicationService(
  workspace: Workspace,
  options: AdjudicationServiceOptions = {},
): { [M in 'adjudication.queue' | 'adjudication.item' | 'adjudication.save' | 'adjudication.undo']: (input: MethodInput<M>) => MethodOutput<M> } {
  const { reader, writer } = workspace;
  const now = options.now ?? Date.now;
  return {
    'adjudication.queue': (input) => adjudicationQueue(reader, input),
    'adjudication.item': (input) => adjudicationItem(reader, input),
    'adjudication.save': (input) => {
      const result = writer.transaction(() => {
        mustReviewer(writer, input.reviewerId);
        mustNotBeBlind(writer, input.kind, input.itemId, input.reviewerId);
        checkLabelFits(writer, input.kind, input.itemId, input.label);
        const current = adjudicationRevision(writer, input.kind, input.itemId);
        if (input.expectedRevision !== undefined && input.expectedRevision !== current) {
          throw new AppError('conflict', `This item's adjudication is at revision ${current} (you saw ${input.expectedRevision}); reload it to see the newer label, then save again.`);
        }
        writeAdjudication(writer, { kind: input.kind, itemId: input.itemId, adjudicatorId: input.reviewerId, label: JSON.stringify(input.label), rationale: input.rationale, now: now() });
        return toAdjudication(adjudicationOf(writer, input.kind, input.itemId)!);
      })();
      options.onCommit?.();
      return result;
    },
    'adjudication.undo': (input) => {
      const result = writer.transaction(() => {
        mustReviewer(writer, input.reviewerId);
        const row = adjudicationOf(writer, input.kind, input.itemId);
        if (!row || row.revision !== input.revision) {
          throw new AppError('conflict', `This item's adjudication is at revision ${row?.revision ?? 0}, not ${input.revision}; reload it (someone saved after you), then decide again.`);
        }
        if (row.adjudicator_id !== input.reviewerId) {
          throw new AppError('conflict', `Revision ${row.revision} was saved by ${row.adjudicator_name}; only they can undo it. Save a new label instead.`);
        }
        undoAdjudicationRevision(writer, row.id, row.revision);
        const after = adjudicationOf(writer, input.kind, input.itemId);
        return { adjudication: after ? toAdjudication(after) : null };
      })();
      options.onCommit?.();
      return result;
    },
  };
}
