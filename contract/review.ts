import { z } from 'zod';
import { ChatMessage } from './prompts';
import { GenerationMode } from './runner';

/**
 * Completion review: who labels (reviewers), what they score (a rubric), the failure-class
 * taxonomy and span tags, think-aloud steps, corrections, and the guidelines they work under.
 *
 * Spans are offsets in Unicode code points into the generation's stored output — the unit Python's
 * `str` indexes by, so an exported span slices the same text in a trainer's data loader. The DOM
 * counts UTF-16 code units; contract/spans.ts converts between the two.
 */

const Id = z.number().int().min(1);
const Name = z.string().trim().min(1).max(200);
const LongText = z.string().max(200_000);

// ── Reviewers ────────────────────────────────────────────────────────────────────────────────

export const ReviewerRole = z.enum(['sme', 'nlp']);
export type ReviewerRole = z.infer<typeof ReviewerRole>;

/**
 * person: someone who reviews here. import: a source of imported labels (e.g. "hh-rlhf import" from
 * datasets.import), whose every label came from a file; it is listed so its labels can be named and
 * counted, but it is not a person: pickers do not offer it.
 */
export const ReviewerKind = z.enum(['person', 'import']);
export type ReviewerKind = z.infer<typeof ReviewerKind>;

export const Reviewer = z.object({ id: Id, name: z.string(), role: ReviewerRole, kind: ReviewerKind, createdAt: z.number().int() });
export type Reviewer = z.infer<typeof Reviewer>;

// ── Rubric ───────────────────────────────────────────────────────────────────────────────────

/** likert5: 1..5; likert7: 1..7; passfail: 0 (fail) or 1 (pass). */
export const CriterionScale = z.enum(['likert5', 'likert7', 'passfail']);
export type CriterionScale = z.infer<typeof CriterionScale>;

export const Criterion = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  scale: CriterionScale,
  position: z.number().int(),
  retiredAt: z.number().int().nullable(),
});
export type Criterion = z.infer<typeof Criterion>;

export const CriterionInput = z
  .object({
    /** Absent: a new criterion. Present: rename / rescale / reorder that one. */
    id: Id.optional(),
    name: Name,
    description: z.string().max(2000).default(''),
    scale: CriterionScale,
  })
  .strict();

/** The highest value a scale allows (the lowest is 1, or 0 for pass/fail). */
export function scaleRange(scale: CriterionScale): { min: number; max: number } {
  return scale === 'likert5' ? { min: 1, max: 5 } : scale === 'likert7' ? { min: 1, max: 7 } : { min: 0, max: 1 };
}

// ── Failure classes ──────────────────────────────────────────────────────────────────────────

export const FailureClass = z.object({
  id: Id,
  parentId: Id.nullable(),
  name: z.string(),
  description: z.string(),
  example: z.string(),
  /** A merged class points at the class that absorbed it; its old tags now count for that one. */
  mergedIntoId: Id.nullable(),
  retiredAt: z.number().int().nullable(),
  createdAt: z.number().int(),
});
export type FailureClass = z.infer<typeof FailureClass>;

export const FailureClassInput = z
  .object({
    name: Name,
    description: z.string().max(5000).default(''),
    example: z.string().max(5000).default(''),
    parentId: Id.nullable().default(null),
  })
  .strict();

/** Failure rate of one class on one model: tagged outputs / reviewed outputs. */
export const FailureRate = z.object({
  modelId: Id,
  modelName: z.string(),
  classId: Id,
  className: z.string(),
  tagged: z.number().int(),
  reviewed: z.number().int(),
  rate: z.number(),
});
export type FailureRate = z.infer<typeof FailureRate>;

// ── Guidelines ───────────────────────────────────────────────────────────────────────────────

export const Guidelines = z.object({
  /** 0 when none were written yet. */
  version: z.number().int().min(0),
  body: z.string(),
  createdAt: z.number().int().nullable(),
  reviewerId: Id.nullable(),
});
export type Guidelines = z.infer<typeof Guidelines>;

// ── Labels on one generation ─────────────────────────────────────────────────────────────────

/** [start, end) in code points of the generation's output; null for a tag on the whole output. */
export const Span = z
  .object({ start: z.number().int().min(0), end: z.number().int().min(1) })
  .refine((s) => s.end > s.start, { message: 'a span ends after it starts' });
export type Span = z.infer<typeof Span>;

/** Where a tag was made: Review names the model, so a blind comparison shows only Compare's own tags. */
export const TagOrigin = z.enum(['review', 'compare']);
export type TagOrigin = z.infer<typeof TagOrigin>;

export const FailureTag = z.object({
  id: Id,
  classId: Id,
  span: Span.nullable(),
  /** The spanned text when tagged, kept to check the anchor still holds. */
  quote: z.string().nullable(),
  note: z.string(),
  madeIn: TagOrigin,
  createdAt: z.number().int(),
});
export type FailureTag = z.infer<typeof FailureTag>;

export const ThinkAloudStep = z.object({
  id: Id,
  position: z.number().int(),
  /** Markdown; rendered without raw HTML. */
  body: z.string(),
  /** The span tag this step explains, if any. */
  tagId: Id.nullable(),
  updatedAt: z.number().int(),
});
export type ThinkAloudStep = z.infer<typeof ThinkAloudStep>;

export const Correction = z.object({
  id: Id,
  generationId: Id,
  reviewerId: Id,
  /** 1, 2, … per generation and reviewer: every save is a new version of that reviewer's correction, history kept. */
  version: z.number().int().min(1),
  text: z.string(),
  createdAt: z.number().int(),
});
export type Correction = z.infer<typeof Correction>;

export const Verdict = z.enum(['good', 'acceptable', 'bad']);
export type Verdict = z.infer<typeof Verdict>;

export const ReviewStatus = z.enum(['draft', 'submitted']);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

/** One reviewer's labels on one generation. */
export const Review = z.object({
  id: Id,
  generationId: Id,
  reviewerId: Id,
  status: ReviewStatus,
  /** criterion id → value (see scaleRange). */
  ratings: z.record(z.string(), z.number().int()),
  verdict: Verdict.nullable(),
  comment: z.string(),
  /** The guidelines version in force when the label was last saved. */
  guidelineVersion: z.number().int(),
  /** Milliseconds the reviewer spent on the item, summed over visits. */
  timeSpentMs: z.number().int(),
  /** Bumped on every submit; earlier revisions stay in review history. */
  revision: z.number().int(),
  tags: z.array(FailureTag),
  steps: z.array(ThinkAloudStep),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  submittedAt: z.number().int().nullable(),
});
export type Review = z.infer<typeof Review>;

// ── The queue ────────────────────────────────────────────────────────────────────────────────

export const QueueStatus = z.enum(['todo', 'draft', 'submitted', 'all']);
export type QueueStatus = z.infer<typeof QueueStatus>;

export const QueueFilter = z
  .object({
    modelId: Id.optional(),
    templateId: Id.optional(),
    tag: z.string().max(100).optional(),
    /** Status of the reviewer's own label on each generation. */
    status: QueueStatus.default('todo'),
    /** Whose labels the status refers to. */
    reviewerId: Id,
  })
  .strict();
export type QueueFilter = z.input<typeof QueueFilter>;

export const QueueEntry = z.object({
  generationId: Id,
  promptId: z.string(),
  modelName: z.string(),
  /** The first characters of the prompt, for the list. */
  preview: z.string(),
  status: z.enum(['todo', 'draft', 'submitted']),
});
export type QueueEntry = z.infer<typeof QueueEntry>;

/** One other reviewer's work on an output, as review.item shows it when reviewers are not blind. */
export const OtherReviewerLabels = z.object({
  reviewerId: Id,
  reviewerName: z.string(),
  /** Their live label (ratings, verdict, comment, tags, think-aloud steps); null if they only corrected. */
  review: Review.nullable(),
  corrections: z.array(Correction),
});
export type OtherReviewerLabels = z.infer<typeof OtherReviewerLabels>;

/** Everything the review view shows for one generation. */
export const ReviewItem = z.object({
  generationId: Id,
  promptId: z.string(),
  /** The prompt as this output saw it: the version it was made from (`promptVersion`), with that version's reference. */
  prompt: z.union([z.object({ text: z.string() }), z.object({ messages: z.array(ChatMessage) })]),
  reference: z.string().nullable(),
  promptVersion: z.number().int(),
  /** The prompt's version now; larger than `promptVersion` when the prompt was edited since. */
  promptCurrentVersion: z.number().int(),
  promptTags: z.array(z.string()),
  output: z.string(),
  mode: GenerationMode,
  modelId: Id,
  modelName: z.string(),
  templateId: Id.nullable(),
  templateVersion: z.number().int().nullable(),
  renderedPrompt: z.string(),
  finishReason: z.string(),
  /** This reviewer's labels; null before the first save. */
  review: Review.nullable(),
  /** This reviewer's corrections of this output, newest last (each reviewer's correction is their own). */
  corrections: z.array(Correction),
  /**
   * Other reviewers' labels and corrections on this output, read-only, by reviewer name. Always empty
   * while the workspace keeps reviewers blind to one another (`blindReviewers`, on by default).
   */
  others: z.array(OtherReviewerLabels),
});
export type ReviewItem = z.infer<typeof ReviewItem>;


// ── Inputs ───────────────────────────────────────────────────────────────────────────────────

export const ReviewKey = z.object({ generationId: Id, reviewerId: Id }).strict();

export const SaveReviewInput = z
  .object({
    generationId: Id,
    reviewerId: Id,
    ratings: z.record(z.string().regex(/^\d+$/), z.number().int()).default({}),
    verdict: Verdict.nullable().default(null),
    comment: LongText.default(''),
    /** Time spent since the last save; added to the stored total. */
    addTimeSpentMs: z.number().int().min(0).max(86_400_000).default(0),
    /** true: submit (status submitted, a new revision in history); false: keep as draft. */
    submit: z.boolean().default(false),
  })
  .strict();

export const AddTagInput = z
  .object({
    generationId: Id,
    reviewerId: Id,
    classId: Id,
    span: Span.nullable().default(null),
    note: z.string().max(5000).default(''),
    madeIn: TagOrigin.default('review'),
  })
  .strict();

export const SaveStepInput = z
  .object({
    generationId: Id,
    reviewerId: Id,
    /** Absent: append a new step. */
    stepId: Id.optional(),
    body: LongText,
    tagId: Id.nullable().default(null),
  })
  .strict();

// ── Methods ──────────────────────────────────────────────────────────────────────────────────

const NoInput = z.object({}).strict().default({});
const ById = z.object({ id: Id }).strict();
/** A tag or step of the asking reviewer's own label: another reviewer's is refused. */
const OwnById = z.object({ id: Id, reviewerId: Id }).strict();
const Page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(100) };

/** Review's part of the contract; contract/index.ts spreads it into `methods`. */
export const reviewMethods = {
  'reviewers.list': { input: NoInput, output: z.array(Reviewer) },
  'reviewers.create': { input: z.object({ name: Name, role: ReviewerRole }).strict(), output: Reviewer },

  /** Active criteria in order. */
  'rubric.list': { input: NoInput, output: z.array(Criterion) },
  /** Sets the rubric: listed criteria in this order; ones left out are retired (old ratings stay). */
  'rubric.save': { input: z.object({ criteria: z.array(CriterionInput).min(1).max(30) }).strict(), output: z.array(Criterion) },

  'taxonomy.list': { input: z.object({ includeRetired: z.boolean().default(false) }).strict(), output: z.array(FailureClass) },
  'taxonomy.create': { input: FailureClassInput, output: FailureClass },
  /** Rename or re-describe a class; its tags follow it. */
  'taxonomy.update': { input: FailureClassInput.extend({ id: Id }).strict(), output: FailureClass },
  /** Folds `sourceId` into `targetId`: the source is retired and its tags count for the target. */
  'taxonomy.merge': { input: z.object({ sourceId: Id, targetId: Id }).strict(), output: FailureClass },
  /** Retired classes leave the pickers and stay on old labels; `taxonomy.restore` undoes it. */
  'taxonomy.retire': { input: ById, output: FailureClass },
  'taxonomy.restore': { input: ById, output: FailureClass },
  /** Failure rate per model and class over submitted reviews. */
  'taxonomy.rates': { input: z.object({ modelId: Id.optional() }).strict(), output: z.array(FailureRate) },

  'guidelines.get': { input: z.object({ version: z.number().int().min(1).optional() }).strict(), output: Guidelines },
  /** A new version (the body unchanged returns the current one). */
  'guidelines.save': { input: z.object({ body: LongText, reviewerId: Id }).strict(), output: Guidelines },
  'guidelines.history': { input: NoInput, output: z.array(Guidelines.omit({ body: true })) },

  /** Generations in the filter; `done` counts the reviewer's submitted ones among them, whatever the status filter. */
  'review.queue': {
    input: QueueFilter.extend(Page).strict(),
    output: z.object({ total: z.number().int(), done: z.number().int(), items: z.array(QueueEntry) }),
  },
  /** The first generation in the filter after `afterGenerationId` (or from the start); null at the end. */
  'review.next': {
    input: QueueFilter.extend({ afterGenerationId: Id.optional() }).strict(),
    output: z.object({ generationId: Id.nullable() }),
  },
  'review.item': { input: ReviewKey, output: ReviewItem },
  /** Saves ratings, verdict and comment (a draft, or a submit that adds a revision to history). */
  'review.save': { input: SaveReviewInput, output: Review },
  /** Soft delete of a reviewer's label on a generation; `review.restore` is the exact undo. */
  'review.delete': { input: ReviewKey, output: z.object({ deleted: z.boolean() }) },
  'review.restore': { input: ReviewKey, output: Review },
  'review.addTag': { input: AddTagInput, output: Review },
  'review.removeTag': { input: OwnById, output: Review },
  'review.restoreTag': { input: OwnById, output: Review },
  /** Autosave target: resolves once the text is committed to the workspace file. */
  'review.saveStep': { input: SaveStepInput, output: ThinkAloudStep },
  'review.deleteStep': { input: OwnById, output: Review },
  'review.restoreStep': { input: OwnById, output: Review },
  'review.moveStep': { input: OwnById.extend({ position: z.number().int().min(0) }).strict(), output: Review },

  /** A corrected output: a new version each save, earlier ones kept. */
  'corrections.save': {
    input: z.object({ generationId: Id, reviewerId: Id, text: LongText }).strict(),
    output: Correction,
  },
  /** The reviewer's own versions of their correction. */
  'corrections.history': { input: ReviewKey, output: z.array(Correction) },
} as const;

export const reviewEvents = {
  /** Labels changed on a generation (another window, or an undo). */
  onDidChangeReview: z.object({ generationId: Id, reviewerId: Id }),
  onDidChangeTaxonomy: z.object({}),
  onDidChangeGuidelines: z.object({ version: z.number().int() }),
} as const;
