import { z } from 'zod';
import { ChatMessage, Tag } from './prompts';

/**
 * RLHF comparison labels: tasks built from generations that share a prompt, shown to a reviewer
 * in a randomized order that is stored with the task (so "left" and "right" can be undone into
 * "generation X" and "generation Y" at export and for position-bias figures), and a leaderboard
 * fitted by Bradley–Terry.
 *
 * Positions are 0-based in the shown order: 0 is A (left), 1 is B (right), and so on for N-way.
 */

const Id = z.number().int().min(1);

export const ComparisonKind = z.enum(['pair', 'rank']);
export type ComparisonKind = z.infer<typeof ComparisonKind>;

/** A: left wins; B: right wins; tie; both_bad: neither is acceptable. */
export const PairChoice = z.enum(['A', 'B', 'tie', 'both_bad']);
export type PairChoice = z.infer<typeof PairChoice>;

/** How much better the winner is; becomes the export `margin` (1, 2, 3). */
export const Strength = z.enum(['slightly', 'clearly', 'much']);
export type Strength = z.infer<typeof Strength>;

export const ComparisonOutput = z.object({
  /** Place in the shown order (0 = A / left). */
  position: z.number().int().min(0),
  generationId: Id,
  text: z.string(),
  /** Kept out of the labeling view (blind review); shown after labeling and in the leaderboard. */
  modelName: z.string(),
});
export type ComparisonOutput = z.infer<typeof ComparisonOutput>;

export const ComparisonLabel = z.object({
  id: Id,
  taskId: Id,
  reviewerId: Id,
  /** Pairwise tasks. */
  choice: PairChoice.nullable(),
  strength: Strength.nullable(),
  /**
   * N-way tasks: groups of positions, best first; positions in one group are tied.
   * Every shown position appears exactly once.
   */
  ranking: z.array(z.array(z.number().int().min(0))).nullable(),
  rationale: z.string(),
  /** Written when both are bad: at export it wins over both outputs. */
  correction: z.string().nullable(),
  timeSpentMs: z.number().int(),
  guidelineVersion: z.number().int(),
  /** The saved content revision (1, 2, …): comparison_label_history holds one snapshot per revision. */
  revision: z.number().int(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type ComparisonLabel = z.infer<typeof ComparisonLabel>;

export const ComparisonTask = z.object({
  id: Id,
  kind: ComparisonKind,
  promptId: z.string(),
  prompt: z.union([z.object({ text: z.string() }), z.object({ messages: z.array(ChatMessage) })]),
  /** In the shown (randomized, stored) order. */
  outputs: z.array(ComparisonOutput).min(2).max(9),
  /** This reviewer's label, if any. */
  label: ComparisonLabel.nullable(),
});
export type ComparisonTask = z.infer<typeof ComparisonTask>;

export const ComparisonQueueEntry = z.object({
  taskId: Id,
  kind: ComparisonKind,
  promptId: z.string(),
  preview: z.string(),
  outputs: z.number().int(),
  labeled: z.boolean(),
});

export const CreateTasksInput = z
  .object({
    prompts: z.object({ query: z.string().max(1000).default(''), tags: z.array(Tag).max(20).default([]) }).strict(),
    /** Only generations of these models (default: all). */
    modelIds: z.array(Id).max(100).optional(),
    kind: ComparisonKind.default('pair'),
    /**
     * all-pairs: every pair of the prompt's generations (pair), or up to `k` of them (rank).
     * balanced: `perPrompt` pairs per prompt, chosen so each model pair is compared about equally.
     */
    design: z.enum(['all-pairs', 'balanced']).default('all-pairs'),
    /** Pairs only: leave out pairs of two outputs of the same model (samples of one model). */
    acrossModelsOnly: z.boolean().default(false),
    perPrompt: z.number().int().min(1).max(100).default(1),
    /** N-way: outputs per task (3..9). */
    k: z.number().int().min(3).max(9).default(4),
    /** Seeds the design's sampling and the side randomization. */
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
  })
  .strict();

export const LabelInput = z
  .object({
    taskId: Id,
    reviewerId: Id,
    choice: PairChoice.nullable().default(null),
    strength: Strength.nullable().default(null),
    ranking: z.array(z.array(z.number().int().min(0)).min(1)).min(1).nullable().default(null),
    rationale: z.string().max(100_000).default(''),
    correction: z.string().max(200_000).nullable().default(null),
    addTimeSpentMs: z.number().int().min(0).max(86_400_000).default(0),
  })
  .strict();

export const LeaderboardFilter = z
  .object({
    tag: z.string().max(100).optional(),
    reviewerId: Id.optional(),
    templateId: Id.optional(),
    /** Bootstrap resamples for the intervals. */
    bootstrap: z.number().int().min(0).max(2000).default(200),
    seed: z.number().int().min(0).default(1),
  })
  .strict();

export const Agreement = z.object({
  value: z.number().nullable(),
  /** Written beside the number: "Cohen's κ (2 reviewers, nominal)", "Krippendorff's α (…)". */
  method: z.string(),
  /** Items labeled by enough reviewers to count. */
  items: z.number().int(),
});

export const Leaderboard = z.object({
  models: z.array(
    z.object({
      modelId: Id,
      name: z.string(),
      /** Bradley–Terry log-strength (mean 0) and its bootstrap 95% interval. */
      strength: z.number(),
      low: z.number(),
      high: z.number(),
      /** The same on an Elo-like scale for display. */
      rating: z.number(),
      comparisons: z.number().int(),
    }),
  ),
  /** winRate[i][j]: share of i-vs-j outcomes won by models[i] (ties half); null without data. */
  winRate: z.array(z.array(z.number().nullable())),
  counts: z.array(z.array(z.number().int())),
  positionBias: z.object({ leftWinRate: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable(), decided: z.number().int() }),
  reviewers: z.array(z.object({ reviewerId: Id, name: z.string(), labels: z.number().int(), medianTimeMs: z.number().nullable() })),
  agreement: z.array(Agreement),
  comparisons: z.number().int(),
});
export type Leaderboard = z.infer<typeof Leaderboard>;

const NoInput = z.object({}).strict().default({});
const Page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(100) };
const QueueInput = z.object({ reviewerId: Id, status: z.enum(['todo', 'done', 'all']).default('todo'), kind: ComparisonKind.optional() });

/** Comparisons' part of the contract; contract/index.ts spreads it into `methods`. */
export const comparisonMethods = {
  /** Builds tasks for the prompts in the filter; a pair or set already made is not made again. */
  'comparisons.createTasks': { input: CreateTasksInput, output: z.object({ created: z.number().int(), prompts: z.number().int() }) },
  'comparisons.queue': {
    input: QueueInput.extend(Page).strict(),
    output: z.object({ total: z.number().int(), done: z.number().int(), items: z.array(ComparisonQueueEntry) }),
  },
  /** The first task in the filter after `afterTaskId`; null at the end. */
  'comparisons.next': { input: QueueInput.extend({ afterTaskId: Id.optional() }).strict(), output: z.object({ taskId: Id.nullable() }) },
  'comparisons.task': { input: z.object({ taskId: Id, reviewerId: Id }).strict(), output: ComparisonTask },
  /** Saves (or replaces) this reviewer's label on the task. */
  'comparisons.label': { input: LabelInput, output: ComparisonLabel },
  /** Soft delete; `comparisons.restoreLabel` is the exact undo. */
  'comparisons.deleteLabel': { input: z.object({ taskId: Id, reviewerId: Id }).strict(), output: z.object({ deleted: z.boolean() }) },
  'comparisons.restoreLabel': { input: z.object({ taskId: Id, reviewerId: Id }).strict(), output: ComparisonLabel },
  'comparisons.leaderboard': { input: LeaderboardFilter, output: Leaderboard },
  'comparisons.stats': { input: NoInput, output: z.object({ tasks: z.number().int(), labels: z.number().int() }) },
} as const;

export const comparisonEvents = {
  /** `reviewerId`: whose label changed (one reviewer's label); absent for tasks and for many labels at once (a pack merge). */
  onDidChangeComparisons: z.object({ reason: z.enum(['tasks', 'label']), reviewerId: Id.optional() }),
} as const;
