import { z } from 'zod';
import { ImportSource, Tag } from './prompts';

/**
 * Datasets in and out: trainer-ready exports (reward model, DPO, KTO, SFT, failure classes), the
 * full lossless export of a workspace and its import, and workspace statistics. Field names of the
 * exported rows are those of ../shared/design/FORMATS.md; docs/EXPORTS.md says how each row is built.
 *
 * Exports run on a worker thread with a read-only connection; progress arrives as
 * `onDidExportProgress` with the same exportId, and `datasets.cancelExport` stops one (no partial
 * file is left: files are written under temporary names and renamed at the end).
 */

const Id = z.number().int().min(1);

/**
 * trl: TRL preference (prompt/chosen/rejected[/margin]); openrlhf: the same keys for OpenRLHF's
 * reward/DPO datasets (conversational by default, for --apply_chat_template); openai: OpenAI /
 * Together preference fine-tuning; hh: Anthropic HH-RLHF transcripts; kto: unpaired
 * prompt/completion/label; sft: prompt/completion from corrections; sft-messages: messages from
 * corrections; failures: outputs with failure classes, spans, think-aloud steps and corrections;
 * full: every table of the workspace, ids kept, for `datasets.importFull`.
 */
export const ExportFormat = z.enum(['trl', 'openrlhf', 'openai', 'hh', 'kto', 'sft', 'sft-messages', 'failures', 'full']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportFileType = z.enum(['jsonl', 'parquet']);
export type ExportFileType = z.infer<typeof ExportFileType>;

/** standard: strings; conversational: lists of {role, content}. */
export const PromptStyle = z.enum(['standard', 'conversational']);
export type PromptStyle = z.infer<typeof PromptStyle>;

export const ExportFilters = z
  .object({
    /** Only labels by these reviewers (ids); empty: everyone. */
    reviewerIds: z.array(Id).max(1000).default([]),
    /** Labels created at or after / before this time (ms since the epoch). */
    since: z.number().int().nullable().default(null),
    until: z.number().int().nullable().default(null),
    /** Only prompts carrying at least one of these tags. */
    tags: z.array(Tag).max(50).default([]),
    /** Only rows whose every model-written output comes from one of these models (ids). */
    modelIds: z.array(Id).max(1000).default([]),
    /** Only labels made under guidelines versions in [min, max] (0 = before any guidelines). */
    guidelineMin: z.number().int().min(0).nullable().default(null),
    guidelineMax: z.number().int().min(0).nullable().default(null),
    /**
     * Share of the item's live labels (all reviewers) that agree with this row's label, 0..1.
     * An item labeled once has agreement 1.
     */
    minAgreement: z.number().min(0).max(1).default(0),
    /** Only items labeled by at least this many reviewers. */
    minLabels: z.number().int().min(1).max(1000).default(1),
  })
  .strict();
export type ExportFilters = z.infer<typeof ExportFilters>;

export const ExportSplit = z
  .object({
    /** Share of prompts (groups of equal normalized prompts) that go to the test split. */
    testFraction: z.number().gt(0).lt(1),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
  })
  .strict();
export type ExportSplit = z.infer<typeof ExportSplit>;

export const ExportOptions = z
  .object({
    format: ExportFormat,
    fileType: ExportFileType.default('jsonl'),
    /** Default: conversational for openrlhf, standard otherwise (openai and hh have one shape). */
    style: PromptStyle.nullable().default(null),
    /** TRL implicit prompt: the prompt is folded into chosen and rejected. */
    implicitPrompt: z.boolean().default(false),
    /** trl/openrlhf: a `margin` column from the strength (slightly 1, clearly 2, much 3; 0 when not graded). */
    margin: z.boolean().default(true),
    /** drop: a tie makes no row. desirable (kto only): both outputs become desirable examples. */
    ties: z.enum(['drop', 'desirable']).default('drop'),
    /**
     * correction: a both-bad label makes rows only through its correction (correction ≻ each output;
     * for kto, both outputs undesirable and the correction desirable). drop: both-bad labels make no rows.
     */
    bothBad: z.enum(['correction', 'drop']).default('correction'),
    /** kto from review verdicts: what "acceptable" becomes. */
    acceptable: z.enum(['skip', 'desirable', 'undesirable']).default('skip'),
    /** kto: where the examples come from. */
    ktoSources: z.array(z.enum(['reviews', 'comparisons', 'corrections'])).min(1).default(['reviews', 'comparisons', 'corrections']),
    filters: ExportFilters.prefault({}),
    split: ExportSplit.nullable().default(null),
    /** Adds assay_id, reviewer, guideline_version, model_a, model_b, created_at (and ranking_id). */
    provenance: z.boolean().default(false),
    /** The dataset card's `license` (a Hugging Face license id). */
    license: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._+-]+$/).default('other'),
  })
  .strict();
export type ExportOptions = z.infer<typeof ExportOptions>;
export type ExportOptionsInput = z.input<typeof ExportOptions>;

export const ExportSplitName = z.enum(['train', 'test']);
export type ExportSplitName = z.infer<typeof ExportSplitName>;

/** Why labels made no row (a tie under the drop policy, a filter, …): reason → count. */
export const SkipCounts = z.record(z.string(), z.number().int());

export const ExportCounts = z.object({
  train: z.number().int(),
  test: z.number().int(),
  skipped: SkipCounts,
});
export type ExportCounts = z.infer<typeof ExportCounts>;

export const ExportPreview = z.object({
  counts: ExportCounts,
  /** The first rows of each split, exactly as they will be written (JSON). */
  rows: z.object({ train: z.array(z.record(z.string(), z.unknown())), test: z.array(z.record(z.string(), z.unknown())) }),
  /** The columns of a row, in order. */
  columns: z.array(z.string()),
});
export type ExportPreview = z.infer<typeof ExportPreview>;

export const ExportFile = z.object({
  path: z.string(),
  /** train / test; null for the dataset card and the full export. */
  split: ExportSplitName.nullable(),
  rows: z.number().int(),
  bytes: z.number().int(),
});
export type ExportFile = z.infer<typeof ExportFile>;

export const ExportReport = z.object({
  exportId: z.string(),
  dir: z.string(),
  files: z.array(ExportFile),
  counts: ExportCounts,
  durationMs: z.number(),
});
export type ExportReport = z.infer<typeof ExportReport>;

export const ExportProgress = z.object({
  exportId: z.string(),
  phase: z.enum(['counting', 'writing', 'finishing', 'done', 'failed', 'cancelled']),
  /** Source items (labels, reviews, corrections, table rows) read so far, of `total`. */
  done: z.number().int(),
  total: z.number().int(),
  rows: z.number().int(),
  bytes: z.number(),
});
export type ExportProgress = z.infer<typeof ExportProgress>;

export const FullImportReport = z.object({
  importId: z.string(),
  file: z.string(),
  tables: z.array(z.object({ table: z.string(), rows: z.number().int() })),
  rows: z.number().int(),
  durationMs: z.number(),
});
export type FullImportReport = z.infer<typeof FullImportReport>;

export const WorkspaceStats = z.object({
  schemaVersion: z.number().int(),
  prompts: z.number().int(),
  tags: z.number().int(),
  generations: z.number().int(),
  models: z.array(z.object({ modelId: Id, name: z.string(), generations: z.number().int() })),
  reviewers: z.array(z.object({ reviewerId: Id, name: z.string(), reviews: z.number().int(), comparisonLabels: z.number().int() })),
  reviews: z.object({
    submitted: z.number().int(),
    drafts: z.number().int(),
    verdicts: z.object({ good: z.number().int(), acceptable: z.number().int(), bad: z.number().int(), none: z.number().int() }),
    failureTags: z.number().int(),
    thinkAloudSteps: z.number().int(),
  }),
  corrections: z.object({ generations: z.number().int(), versions: z.number().int() }),
  comparisons: z.object({
    tasks: z.number().int(),
    pairLabels: z.number().int(),
    rankLabels: z.number().int(),
    choices: z.object({ A: z.number().int(), B: z.number().int(), tie: z.number().int(), both_bad: z.number().int() }),
    bothBadCorrections: z.number().int(),
  }),
  guidelineVersions: z.array(z.object({ version: z.number().int(), labels: z.number().int() })),
  /** Preference pairs a default `trl` export would write. */
  preferencePairs: z.number().int(),
});
export type WorkspaceStats = z.infer<typeof WorkspaceStats>;

const ExportId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Datasets' part of the contract; contract/index.ts spreads it into `methods`. */
export const datasetMethods = {
  /** Counts per split and the first rows, without writing anything. */
  'datasets.previewExport': {
    input: z.object({ exportId: ExportId, options: ExportOptions, limit: z.number().int().min(0).max(100).default(5) }).strict(),
    output: ExportPreview,
  },
  /**
   * Writes the export into `outDir` (created if missing; default: an `exports/<format>` folder next
   * to the workspace file) on the machine running Assay, with a README.md dataset card.
   */
  'datasets.export': {
    input: z.object({ exportId: ExportId, options: ExportOptions, outDir: z.string().min(1).max(4096).nullable().default(null) }).strict(),
    output: ExportReport,
  },
  'datasets.cancelExport': { input: z.object({ exportId: z.string() }).strict(), output: z.object({ cancelled: z.boolean() }) },
  /** Where `datasets.export` writes when no folder is given. */
  'datasets.exportDefaults': { input: z.object({ format: ExportFormat }).strict(), output: z.object({ outDir: z.string() }) },
  /**
   * Imports a full export into this workspace, which must hold no data yet (a new workspace).
   * All or nothing; progress arrives as onDidImportProgress with the same importId.
   */
  'datasets.importFull': {
    input: z.object({ importId: ExportId, source: ImportSource }).strict(),
    output: FullImportReport,
  },
  'datasets.stats': { input: z.object({}).strict().default({}), output: WorkspaceStats },
} as const;

export const datasetEvents = {
  onDidExportProgress: ExportProgress,
} as const;
