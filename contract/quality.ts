import { z } from 'zod';

/**
 * Label quality: agreement between reviewers on everything labelled (verdicts, rubric ratings,
 * failure classes per item, span tags, pairwise choices, N-way rankings), each reviewer against
 * the rest, and calibration (left-side win rate, leniency, length preference). Every figure
 * carries its n and a method string, so the UI can say how it was computed. Definitions:
 * core/stats/quality.ts.
 */

const Id = z.number().int().min(1);

/**
 * Which items the report covers: a review session's items (`sessionId`; gold items included), or
 * the whole workspace. Each list limits its own kind of item further (generation ids for review
 * labels, comparison task ids for pairwise and N-way labels); a list left out limits nothing.
 */
export const QualityScope = z
  .object({
    sessionId: Id.optional(),
    generationIds: z.array(Id).max(1_000_000).optional(),
    taskIds: z.array(Id).max(1_000_000).optional(),
  })
  .strict();
export type QualityScope = z.infer<typeof QualityScope>;

/** One figure: its value (null when undefined), the items it rests on, and how it was computed. */
export const QualityFigure = z.object({
  value: z.number().nullable(),
  /** Items labelled by two or more reviewers that counted. */
  items: z.number().int(),
  /** Pairs of votes (agreement shares) or reviewer pairs (span F1), where the figure counts pairs. */
  pairs: z.number().int().optional(),
  method: z.string(),
});
export type QualityFigure = z.infer<typeof QualityFigure>;

export const QualityKind = z.enum(['verdict', 'rating', 'classes', 'spans', 'pairwise', 'ranking']);
export type QualityKind = z.infer<typeof QualityKind>;

/** A row of the agreement table: one measure on one kind of label. */
export const AgreementRow = QualityFigure.extend({
  kind: QualityKind,
  /** What was labelled: "Verdict", "Rating: correctness", "Failure classes (presence per item)", … */
  label: z.string(),
  /** The measure: "α ordinal", "α interval", "agreement with ties", "span F1", "Kendall's W", … */
  measure: z.string(),
});
export type AgreementRow = z.infer<typeof AgreementRow>;

export const ClassQuality = z.object({
  classId: Id,
  name: z.string(),
  /** α nominal on present/absent per item. */
  presence: QualityFigure,
  /** Character-level F1 of this class's span tags; null when no span of it is on a shared item. */
  spans: QualityFigure.nullable(),
});

export const ReviewerVsRestRow = z.object({
  kind: QualityKind,
  label: z.string(),
  /** α over the pairs (this reviewer, another) on shared items. */
  alpha: z.number().nullable(),
  /** Share of those pairs with the same value. */
  agreement: z.number().nullable(),
  items: z.number().int(),
  pairs: z.number().int(),
  method: z.string(),
});

export const QualityProportion = z.object({
  value: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  successes: z.number().int(),
  trials: z.number().int(),
  method: z.string(),
});

export const LeniencyFigure = z.object({
  label: z.string(),
  /** Mean over shared items of (own value − mean of the others'); positive = more lenient. */
  value: z.number().nullable(),
  items: z.number().int(),
  method: z.string(),
});

export const QualityReport = z.object({
  scope: z.object({
    /** Reviewed outputs and comparison tasks in the scope with at least one label. */
    generations: z.number().int(),
    tasks: z.number().int(),
    /** Of those, labelled by two or more reviewers. */
    sharedGenerations: z.number().int(),
    sharedTasks: z.number().int(),
    description: z.string(),
  }),
  agreement: z.array(AgreementRow),
  classes: z.array(ClassQuality),
  reviewers: z.array(
    z.object({
      reviewerId: Id,
      name: z.string(),
      /** Labels in the scope: review labels submitted, comparison labels. */
      reviews: z.number().int(),
      comparisons: z.number().int(),
      vsRest: z.array(ReviewerVsRestRow),
      /** Share of decided pairwise labels (A or B, sides seen by a person) won by the left side. */
      leftWinRate: QualityProportion,
      /** How often the longer of the two outputs was chosen (decided pairwise labels, lengths differ). */
      lengthPreference: QualityProportion,
      leniency: z.array(LeniencyFigure),
    }),
  ),
});
export type QualityReport = z.infer<typeof QualityReport>;

export const qualityMethods = {
  /** Agreement and calibration over the scope (see QualityScope); read-only. */
  'quality.report': { input: QualityScope, output: QualityReport },
} as const;
