import { z } from 'zod';
import { ImportSource } from './prompts';
import { AgreementRow } from './quality';

const Id = z.number().int().min(1);

/** The pack this workspace is, when it is one (a banner says so; only reviewing works in it). */
export const PackInfo = z.object({
  packId: z.string(),
  reviewerId: z.number().int(),
  reviewerName: z.string(),
  sourceName: z.string(),
  /** The review session the items came from; the pack holds it with only this reviewer (Work in › it). */
  sessionId: z.number().int().nullable(),
  sessionName: z.string().nullable(),
  items: z.number().int(),
  generations: z.number().int(),
  tasks: z.number().int(),
  /** Items the pack's reviewer has labelled in it (a submitted review, a live comparison label). */
  labelled: z.number().int(),
  /** Who exported the pack (the file goes back to them), when known. */
  sentBy: z.string().nullable(),
  createdAt: z.number().int(),
  /** The methods this pack refuses (every write but reviewing), so the UI offers none of them. */
  refused: z.array(z.string()),
});
export type PackInfo = z.infer<typeof PackInfo>;

export const PackExportResult = z.object({
  file: z.string(),
  packId: z.string(),
  reviewerId: z.number().int(),
  reviewerName: z.string(),
  sessionId: z.number().int().nullable(),
  generations: z.number().int(),
  tasks: z.number().int(),
  /** Gold items among them (a session's; the answers stay in this workspace). */
  gold: z.number().int(),
  /** Until when the session's items are held for the reviewer (null: explicit ids only, nothing reserved). */
  reservedUntil: z.number().int().nullable(),
  bytes: z.number().int(),
});
export type PackExportResult = z.infer<typeof PackExportResult>;

/** One side of a conflict: the label, where it came from, when it was saved, and what it says. */
export const ConflictSide = z.object({
  labelId: z.number().int().nullable(),
  from: z.enum(['pack', 'workspace', 'earlier pack']),
  updatedAt: z.number().int(),
  summary: z.string(),
});

export const PackRefusal = z.object({ file: z.string(), reason: z.string(), action: z.string() });
export type PackRefusal = z.infer<typeof PackRefusal>;

export const PackMergeReport = z.object({
  packs: z.array(z.object({ file: z.string(), packId: z.string(), reviewerName: z.string(), labels: z.number().int(), alreadyMerged: z.boolean() })),
  /** An item the pack's reviewer labelled on both sides (or in two packs): both kept, one live by `rule`. */
  conflicts: z.array(
    z.object({
      kind: z.enum(['review', 'compare', 'correction', 'swap']),
      /** A generation id (review, correction) or a comparison task id (compare, swap). */
      itemId: z.number().int(),
      reviewerId: z.number().int(),
      reviewerName: z.string(),
      /** The pack file that brought the incoming side. */
      pack: z.string(),
      live: z.enum(['incoming', 'existing']),
      incoming: ConflictSide,
      existing: ConflictSide,
      rule: z.string(),
    }),
  ),
  /** Agreement over the items the merge touched (the Quality report's rows). */
  agreement: z.array(AgreementRow),
  /** Review and comparison labels brought in (live or not). */
  labels: z.number().int(),
  added: z.object({
    reviews: z.number().int(),
    comparisons: z.number().int(),
    tags: z.number().int(),
    steps: z.number().int(),
    ratings: z.number().int(),
    corrections: z.number().int(),
    swaps: z.number().int(),
  }),
  durationMs: z.number().int(),
});
export type PackMergeReport = z.infer<typeof PackMergeReport>;

export const PackMergeProgress = z.object({
  mergeId: z.string(),
  phase: z.enum(['checking', 'merging', 'agreement', 'done', 'failed']),
  done: z.number().int(),
  total: z.number().int(),
  pack: z.string(),
});
export type PackMergeProgress = z.infer<typeof PackMergeProgress>;

export const packMethods = {
  /**
   * Writes a review pack (an Assay workspace file) for one reviewer: a review session's items for
   * them (`sessionId`: what the session would give them, reserved for `holdDays`) and/or explicit
   * generation and comparison task ids, with the rubric, guidelines and taxonomy. `packReviewerId`
   * names who the pack is for (not who is asking), so it is not an attribution field.
   */
  'packs.export': {
    input: z
      .object({
        packReviewerId: Id,
        sessionId: Id.optional(),
        generationIds: z.array(Id).max(1_000_000).default([]),
        taskIds: z.array(Id).max(1_000_000).default([]),
        /** At most this many items from the session. */
        limit: z.number().int().min(1).max(1_000_000).optional(),
        holdDays: z.number().int().min(1).max(365).default(14),
        /** Who sends the pack (a reviewer id; the pack shows "send this file back to <name>"). Display only. */
        senderId: Id.optional(),
        /** A path (relative: to the workspace's folder); null: packs/<workspace>-<reviewer>-<n>.assay beside it. */
        outFile: z.string().min(1).max(4096).nullable().default(null),
      })
      .strict(),
    output: PackExportResult,
  },
  /**
   * Merges returned packs (paths on this machine, or uploads in browser mode) in one transaction;
   * any refusal writes nothing and lists every refused pack (error details.refusals). Progress goes
   * out as onDidMergeProgress with `mergeId`.
   */
  'packs.merge': {
    input: z.object({ mergeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(), sources: z.array(ImportSource).min(1).max(1000) }).strict(),
    output: PackMergeReport,
  },
  /** The pack this workspace is, or null. */
  'packs.info': { input: z.object({}).strict(), output: PackInfo.nullable() },
} as const;

export const packEvents = {
  onDidMergeProgress: PackMergeProgress,
} as const;
