import { z } from 'zod';
import { ComparisonKind, PairChoice, Strength } from './comparisons';
import { Tag } from './prompts';
import { Verdict } from './review';

/**
 * Review sessions: an engineer makes a set of items from a filter (generations to review,
 * comparison tasks to label, or both), assigns reviewers and an overlap k, and each reviewer works
 * their own seeded queue of it (`sessions.next`), through the ordinary Review and Compare views.
 *
 * - An item handed out is reserved to that reviewer for `reservationMinutes` (a fraction allowed);
 *   an expired reservation, or the reviewer's submitted label, releases it.
 * - A reviewer may skip an item (`sessions.skip`): it is not handed to them again unless they ask
 *   to revisit their skipped items; it stays available to everyone else.
 * - A non-gold item is handed out until k assigned reviewers have labelled it (reservations held by
 *   others count against k); an item a reviewer labelled is never handed to them again.
 * - Gold items have a known answer and go to every assigned reviewer (they are not counted against
 *   k): the first `goldFirst` of a new reviewer's queue, then about `goldRate` of it. The reviewer is
 *   not told which items are gold.
 * - A `swapShare` of a reviewer's pairwise items comes back later in their queue with the sides
 *   swapped; its choice is stored apart (`sessions.saveSwap`) and the first label stays.
 */

const Id = z.number().int().min(1);

export const SessionKind = z.enum(['review', 'compare', 'both']);
export type SessionKind = z.infer<typeof SessionKind>;
export const SessionItemKind = z.enum(['review', 'compare']);
export type SessionItemKind = z.infer<typeof SessionItemKind>;

export const SessionFilter = z
  .object({
    /** Prompts by search text, all of some tags, and/or ids (all given must hold). */
    prompts: z
      .object({
        query: z.string().max(1000).default(''),
        tags: z.array(Tag).max(20).default([]),
        ids: z.array(z.string().min(1).max(200)).max(100_000).optional(),
      })
      .strict()
      .default({ query: '', tags: [] }),
    /** Only outputs (or tasks with an output) tagged with one of these failure classes by anyone. */
    classIds: z.array(Id).max(200).optional(),
    modelIds: z.array(Id).max(100).optional(),
    templateIds: z.array(Id).max(100).optional(),
    kind: SessionKind.default('review'),
    /**
     * Compare: make the comparison tasks the filter's prompts lack first (the comparisons design of
     * `comparisons.createTasks`); absent: only tasks that already exist are taken.
     */
    makeTasks: z
      .object({
        kind: ComparisonKind.default('pair'),
        design: z.enum(['all-pairs', 'balanced']).default('all-pairs'),
        acrossModelsOnly: z.boolean().default(false),
        perPrompt: z.number().int().min(1).max(100).default(1),
        k: z.number().int().min(3).max(9).default(4),
        seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
      })
      .strict()
      .optional(),
    /** Take at most this many items of each kind (the first in id order). */
    limit: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();
export type SessionFilter = z.input<typeof SessionFilter>;

/** The shortest and longest reservation, in minutes (the Sessions form checks the same bounds). */
export const RESERVATION_MIN_MINUTES = 0.05;
export const RESERVATION_MAX_MINUTES = 24 * 60;

const Settings = {
  overlap: z.number().int().min(1).max(50),
  /**
   * How long an item handed out stays reserved, in minutes; a fraction is allowed (0.05 = 3 s, the
   * least; 24 h the most). Kept to the millisecond.
   */
  reservationMinutes: z
    .number()
    .min(RESERVATION_MIN_MINUTES, { message: `A reservation lasts at least ${RESERVATION_MIN_MINUTES} min (3 s)` })
    .max(RESERVATION_MAX_MINUTES, { message: `A reservation lasts at most ${RESERVATION_MAX_MINUTES} min (24 h)` }),
  /** Share of a reviewer's queue that is gold after the first few (0 ≤ rate < 1). */
  goldRate: z.number().min(0).max(0.9),
  /** Gold items at the top of a new reviewer's queue. */
  goldFirst: z.number().int().min(0).max(100),
  /** Share of a reviewer's pairwise items re-shown to them with the sides swapped. */
  swapShare: z.number().min(0).max(1),
};

export const ReviewSession = z.object({
  id: Id,
  name: z.string(),
  kind: SessionKind,
  filter: z.unknown(),
  overlap: z.number().int(),
  /** May be a fraction of a minute (stored to the millisecond). */
  reservationMinutes: z.number(),
  seed: z.number().int(),
  goldRate: z.number(),
  goldFirst: z.number().int(),
  swapShare: z.number(),
  createdBy: Id,
  createdAt: z.number().int(),
  closedAt: z.number().int().nullable(),
  reviewers: z.array(z.object({ reviewerId: Id, name: z.string() })),
  items: z.object({ review: z.number().int(), compare: z.number().int(), gold: z.number().int() }),
});
export type ReviewSession = z.infer<typeof ReviewSession>;

/** A gold item's known answer. Review: a verdict and/or a failure class; compare: the pairwise choice in stored order. */
export const GoldAnswer = z.union([
  z
    .object({ verdict: Verdict.nullable().default(null), classId: Id.nullable().default(null) })
    .strict()
    .refine((a) => a.verdict !== null || a.classId !== null, { message: 'a review gold answer names a verdict, a failure class, or both' }),
  z.object({ choice: PairChoice }).strict(),
]);
export type GoldAnswer = z.input<typeof GoldAnswer>;

/** How much of each output the engineer's item list shows. */
export const OUTPUT_PREVIEW_CHARS = 600;

export const SessionItem = z.object({
  kind: SessionItemKind,
  itemId: Id,
  /** Prompt id and a preview of its text, for the engineer's list. */
  promptId: z.string(),
  preview: z.string(),
  /** Review: the model; compare: the models in shown order. */
  models: z.array(z.string()),
  /** The output text(s), in the same order as `models`, each cut at OUTPUT_PREVIEW_CHARS code units (a gold answer is set while reading them). */
  outputs: z.array(z.string()),
  gold: z.object({ verdict: Verdict.nullable(), classId: Id.nullable(), choice: PairChoice.nullable() }).nullable(),
  /** Assigned reviewers who submitted a label on it. */
  labels: z.number().int(),
});
export type SessionItem = z.infer<typeof SessionItem>;

/** A proportion with its Wilson 95% interval (core/stats/proportion.ts). */
export const Rate = z.object({
  successes: z.number().int(),
  n: z.number().int(),
  value: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
});
export type Rate = z.infer<typeof Rate>;

export const ReviewerProgress = z.object({
  reviewerId: Id,
  name: z.string(),
  /** Team mode: the reviewer's invite was revoked (and none is active): they can label no more, so they are left out of the ETA. */
  revoked: z.boolean(),
  /** Labels submitted on the session's items (gold included, re-shows not). */
  done: z.number().int(),
  /** This reviewer's share of the session's labels: gold items, plus non-gold labels needed / reviewers. */
  assigned: z.number().int(),
  /** Swap re-shows answered. */
  reshows: z.number().int(),
  /** Items this reviewer skipped (sessions.skip) and has not labelled since. */
  skipped: z.number().int(),
  /** Mean time per label from the labels' time spent; null before any. */
  meanTimeMs: z.number().nullable(),
  /** Time left at this reviewer's pace for their share; null without a pace, or when revoked. */
  etaMs: z.number().nullable(),
  /** Share of this reviewer's gold items labelled as the known answer. */
  gold: Rate,
  /** Share of swap re-shows where the reviewer's choice changed with the sides. */
  swapFlip: Rate,
});
export type ReviewerProgress = z.infer<typeof ReviewerProgress>;

export const SessionProgress = z.object({
  sessionId: Id,
  /** Labels the session needs (k per non-gold item, one per gold item and assigned reviewer) and has. */
  needed: z.number().int(),
  done: z.number().int(),
  /** Items whose k labels are all in. */
  itemsComplete: z.number().int(),
  items: z.number().int(),
  meanTimeMs: z.number().nullable(),
  /** Time left with the assigned reviewers (revoked ones left out) working in parallel at the session's mean pace; null when none is left. */
  etaMs: z.number().nullable(),
  reviewers: z.array(ReviewerProgress),
});
export type SessionProgress = z.infer<typeof SessionProgress>;

/** A reviewer's own progress as their queue header shows it (no gold or swap figures: they would tell which items are gold). */
export const QueueProgress = ReviewerProgress.pick({ reviewerId: true, name: true, done: true, assigned: true, meanTimeMs: true, etaMs: true, skipped: true });
export type QueueProgress = z.infer<typeof QueueProgress>;

/** What `sessions.next` hands out: an item of the session, reserved to the asking reviewer. */
export const NextItem = z.object({
  kind: SessionItemKind,
  itemId: Id,
  /** A pairwise task shown again with its sides swapped: show outputs in reverse and save with sessions.saveSwap. */
  swapped: z.boolean(),
  /** When the reservation runs out (ms since the epoch); null for a re-show (no one else can take it). */
  reservedUntil: z.number().int().nullable(),
  /** The reviewer skipped this item earlier and is revisiting it (`revisitSkipped`). */
  skipped: z.boolean(),
});
export type NextItem = z.infer<typeof NextItem>;

const SessionRef = { sessionId: Id };
const Acting = { reviewerId: Id, sessionId: Id };

/** Review sessions' part of the contract; contract/index.ts spreads it into `methods`. */
export const reviewSessionMethods = {
  /** How many items a filter would take (existing comparison tasks only; tasks to be made are not counted). */
  'sessions.preview': {
    input: z.object({ filter: SessionFilter }).strict(),
    output: z.object({ review: z.number().int(), compare: z.number().int(), prompts: z.number().int() }),
  },
  /** Makes a session from a filter; its items are fixed at creation. reviewerId: the engineer making it. */
  'sessions.create': {
    input: z
      .object({
        reviewerId: Id,
        name: z.string().trim().min(1).max(200),
        filter: SessionFilter,
        reviewerIds: z.array(Id).max(500).default([]),
        overlap: Settings.overlap.default(1),
        reservationMinutes: Settings.reservationMinutes.default(30),
        goldRate: Settings.goldRate.default(0),
        goldFirst: Settings.goldFirst.default(0),
        swapShare: Settings.swapShare.default(0),
        seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
      })
      .strict(),
    output: ReviewSession,
  },
  /** Sessions, newest first; with `assignedTo`, only the open ones that reviewer is assigned to. */
  'sessions.list': {
    input: z.object({ assignedTo: Id.optional(), includeClosed: z.boolean().default(true) }).strict(),
    output: z.array(ReviewSession),
  },
  'sessions.get': { input: z.object(SessionRef).strict(), output: ReviewSession },
  /** Changes the settings given and, with reviewerIds, the assigned reviewers (labels already made stay). */
  'sessions.update': {
    input: z
      .object({
        ...Acting,
        name: z.string().trim().min(1).max(200).optional(),
        reviewerIds: z.array(Id).max(500).optional(),
        overlap: Settings.overlap.optional(),
        reservationMinutes: Settings.reservationMinutes.optional(),
        goldRate: Settings.goldRate.optional(),
        goldFirst: Settings.goldFirst.optional(),
        swapShare: Settings.swapShare.optional(),
      })
      .strict(),
    output: ReviewSession,
  },
  /** A closed session hands out nothing (its labels stay); `sessions.reopen` undoes it. */
  'sessions.close': { input: z.object(Acting).strict(), output: ReviewSession },
  'sessions.reopen': { input: z.object(Acting).strict(), output: ReviewSession },
  /** The session's items with their gold answers and label counts (the engineer's view: it shows gold). */
  'sessions.items': {
    input: z
      .object({
        ...SessionRef,
        kind: SessionItemKind.optional(),
        goldOnly: z.boolean().default(false),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    output: z.object({ total: z.number().int(), items: z.array(SessionItem) }),
  },
  /** Makes an item gold with its known answer, or (answer null) an ordinary item again. */
  'sessions.setGold': {
    input: z.object({ ...Acting, kind: SessionItemKind, itemId: Id, answer: GoldAnswer.nullable() }).strict(),
    output: SessionItem,
  },
  /**
   * The reviewer's next item of the session's `kind`, reserved to them (asking again returns the
   * same item while the reservation holds and it is not submitted); null when nothing is left for them.
   */
  'sessions.next': {
    input: z
      .object({
        ...Acting,
        kind: SessionItemKind,
        /**
         * Items this reviewer skipped are never handed back to them by default; true hands out only
         * those, oldest skip first, under the same overlap rule (the queue's "Revisit skipped").
         */
        revisitSkipped: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ item: NextItem.nullable(), progress: QueueProgress }),
  },
  /** Gives back an item the reviewer was handed (its reservation ends); it may be handed to them again. */
  'sessions.release': {
    input: z.object({ ...Acting, kind: SessionItemKind, itemId: Id }).strict(),
    output: z.object({ released: z.boolean() }),
  },
  /**
   * Skips an item of the session: its reservation ends, other reviewers may be handed it, and
   * `sessions.next` does not hand it to this reviewer again (unless `revisitSkipped`). Skipping an
   * item one has labelled is refused; skipping it again (`skipped: false`) puts it last among the
   * skipped ones.
   */
  'sessions.skip': {
    input: z.object({ ...Acting, kind: SessionItemKind, itemId: Id }).strict(),
    output: z.object({ skipped: z.boolean(), progress: QueueProgress }),
  },
  /** The choice on a swap re-show, as shown (A = the left side on screen); the first label is not touched. */
  'sessions.saveSwap': {
    input: z
      .object({
        ...Acting,
        taskId: Id,
        choice: PairChoice,
        strength: Strength.nullable().default(null),
        rationale: z.string().max(100_000).default(''),
        addTimeSpentMs: z.number().int().min(0).max(86_400_000).default(0),
      })
      .strict(),
    output: z.object({ saved: z.boolean(), flipped: z.boolean() }),
  },
  /** Progress per reviewer and for the session, gold accuracy and swap-flip rate per reviewer. */
  'sessions.progress': { input: z.object(SessionRef).strict(), output: SessionProgress },
} as const;

export const reviewSessionEvents = {
  onDidChangeSessions: z.object({ sessionId: Id }),
} as const;
