import { z } from 'zod';
import { PairChoice } from './comparisons';
import { ChatMessage } from './prompts';
import { CriterionScale, Verdict } from './review';

/**
 * Adjudication: the items where reviewers disagree, every reviewer's label side by side, and the
 * final label an adjudicator records (kept apart from reviewers' labels, with its history).
 *
 * "Disagree", per kind of label (only items with two or more reviewers' labels count; review labels
 * count when submitted and live, comparison labels when live):
 * - `pairwise`: the reviewers' choices (A / B / tie / both_bad) are not all the same (strength is not compared);
 * - `ranking`: the reviewers' rankings are not all identical (tie groups included);
 * - `verdict`: the verdicts of the reviewers who gave one are not all the same;
 * - `rating`: on some rubric criterion, the values of the reviewers who rated it are not all the same;
 * - `classes`: some failure class (a merged class counts as its target) is tagged by some reviewers
 *   and not by others;
 * - `spans`: two reviewers both tagged spans of one class and the character overlap of their spans
 *   (Dice: 2·|A∩B| / (|A|+|B|) over code points) is below SPAN_AGREEMENT_THRESHOLD.
 */
export const SPAN_AGREEMENT_THRESHOLD = 0.5;

const Id = z.number().int().min(1);

export const AdjudicationKind = z.enum(['review', 'compare']);
export type AdjudicationKind = z.infer<typeof AdjudicationKind>;

export const DisagreementReason = z.enum(['pairwise', 'ranking', 'verdict', 'rating', 'classes', 'spans']);
export type DisagreementReason = z.infer<typeof DisagreementReason>;

export const AdjudicationQueueInput = z
  .object({
    /** The session's items only (review_session_items); absent: the whole workspace. */
    sessionId: Id.optional(),
    /** Leave out items that already have an adjudication (default false: they are listed, marked). */
    pendingOnly: z.boolean().optional(),
  })
  .strict();

export const AdjudicationQueueItem = z.object({
  kind: AdjudicationKind,
  itemId: Id,
  /** Pair or rank, for a comparison task; null for an output. */
  taskKind: z.enum(['pair', 'rank']).nullable(),
  promptId: z.string(),
  reasons: z.array(DisagreementReason),
  reviewers: z.number().int(),
  adjudicated: z.boolean(),
});
export type AdjudicationQueueItem = z.infer<typeof AdjudicationQueueItem>;

export const AdjudicationQueue = z.object({
  items: z.array(AdjudicationQueueItem),
  pending: z.number().int(),
  adjudicated: z.number().int(),
});
export type AdjudicationQueue = z.infer<typeof AdjudicationQueue>;

const SpanLabel = z.object({ classId: Id, start: z.number().int().min(0), end: z.number().int().min(1) }).strict();

/** The final label, shaped by the kind of item. Span offsets are code points into the output. */
export const AdjudicatedLabel = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pair'), choice: PairChoice }).strict(),
  /** Rank group per shown position (0 = best; equal = tied), as comparison_ranks stores it. */
  z.object({ type: z.literal('rank'), ranks: z.array(z.number().int().min(0)).min(2).max(9) }).strict(),
  z
    .object({
      type: z.literal('review'),
      verdict: Verdict,
      /** Failure classes that apply to the whole output. */
      classIds: z.array(Id).max(200),
      spans: z.array(SpanLabel).max(500),
      /** Rubric ratings (each criterion once, a value of its scale); absent in labels saved before ratings could be adjudicated. */
      ratings: z.array(z.object({ criterionId: Id, value: z.number().int() }).strict()).max(30).optional(),
    })
    .strict(),
]);
export type AdjudicatedLabel = z.infer<typeof AdjudicatedLabel>;

export const Adjudication = z.object({
  id: Id,
  kind: AdjudicationKind,
  itemId: Id,
  adjudicatorId: Id,
  adjudicatorName: z.string(),
  label: AdjudicatedLabel,
  rationale: z.string(),
  revision: z.number().int(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Adjudication = z.infer<typeof Adjudication>;

export const AdjudicationRevision = z.object({
  revision: z.number().int(),
  adjudicatorId: Id,
  adjudicatorName: z.string(),
  label: AdjudicatedLabel,
  rationale: z.string(),
  savedAt: z.number().int(),
});

export const ReviewerTag = z.object({
  classId: Id,
  className: z.string(),
  span: z.object({ start: z.number().int(), end: z.number().int() }).nullable(),
  quote: z.string().nullable(),
  note: z.string(),
});

/** One reviewer's label on the item, read-only. */
export const ReviewerLabel = z.object({
  reviewerId: Id,
  reviewerName: z.string(),
  // Comparison labels
  choice: PairChoice.nullable(),
  strength: z.enum(['slightly', 'clearly', 'much']).nullable(),
  ranks: z.array(z.number().int()).nullable(),
  rationale: z.string(),
  correction: z.string().nullable(),
  // Review labels
  verdict: Verdict.nullable(),
  comment: z.string(),
  ratings: z.array(z.object({ criterionId: Id, criterion: z.string(), value: z.number() })),
  thinkAloud: z.array(z.string()),
  tags: z.array(ReviewerTag),
  updatedAt: z.number().int(),
});
export type ReviewerLabel = z.infer<typeof ReviewerLabel>;

export const AdjudicationItemInput = z
  .object({
    kind: AdjudicationKind,
    itemId: Id,
    /** The adjudicator (checked against the signed-in session in browser mode). */
    reviewerId: Id,
    /** When given, the item must be one of the session's (review_session_items). */
    sessionId: Id.optional(),
  })
  .strict();

export const AdjudicationItem = z.object({
  kind: AdjudicationKind,
  itemId: Id,
  taskKind: z.enum(['pair', 'rank']).nullable(),
  promptId: z.string(),
  /** The prompt as the output saw it (its version's text or chat messages), as the review view shows it: markdown, no raw HTML. */
  prompt: z.union([z.object({ text: z.string() }), z.object({ messages: z.array(ChatMessage) })]),
  /** The prompt as the model saw it (template applied, special tokens such as `<s>` as text); empty for imported outputs. */
  renderedPrompt: z.string(),
  /** Shown order for a task (0 = A/left); one entry for an output. `modelName` is the model that wrote it. */
  outputs: z.array(z.object({ generationId: Id, text: z.string(), modelName: z.string() })),
  /** The rubric criteria some reviewer rated on this output, in rubric order (empty for a task): what a final label may rate. */
  criteria: z.array(z.object({ id: Id, name: z.string(), scale: CriterionScale })),
  reasons: z.array(DisagreementReason),
  labels: z.array(ReviewerLabel),
  adjudication: Adjudication.nullable(),
  history: z.array(AdjudicationRevision),
});
export type AdjudicationItem = z.infer<typeof AdjudicationItem>;

export const AdjudicationSaveInput = z
  .object({
    kind: AdjudicationKind,
    itemId: Id,
    /** The adjudicator. */
    reviewerId: Id,
    label: AdjudicatedLabel,
    rationale: z.string().max(100_000),
    /** The revision the adjudicator saw (0: none yet); a different one is refused as a conflict. */
    expectedRevision: z.number().int().min(0).optional(),
  })
  .strict();

export const AdjudicationUndoInput = z
  .object({
    kind: AdjudicationKind,
    itemId: Id,
    /** The adjudicator who saved the revision. */
    reviewerId: Id,
    /** The revision to undo: it must be the item's latest, saved by this adjudicator. */
    revision: z.number().int().min(1),
  })
  .strict();

export const adjudicationMethods = {
  /** Items where reviewers disagree (definitions above), review outputs first, then comparison tasks. */
  'adjudication.queue': { input: AdjudicationQueueInput, output: AdjudicationQueue },
  /** The item, every reviewer's label side by side, and its adjudication with history. */
  'adjudication.item': { input: AdjudicationItemInput, output: AdjudicationItem },
  /** Records (or revises) the final label; one transaction; reviewers' labels are untouched. */
  'adjudication.save': { input: AdjudicationSaveInput, output: Adjudication },
  /**
   * Undoes the item's latest save exactly: revision 1 removes the adjudication (the item is back in
   * the queue), a later one puts the previous revision back. Only its adjudicator may undo it.
   */
  'adjudication.undo': { input: AdjudicationUndoInput, output: z.object({ adjudication: Adjudication.nullable() }) },
} as const;
