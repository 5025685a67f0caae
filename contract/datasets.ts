import { z } from 'zod';
import { DuplicatePolicy, ImportSource, Tag } from './prompts';

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
 * corrections; sft-cot: chain-of-thought SFT, a correction with its author's think-aloud steps before
 * it (`<think>…</think>` then the answer, in `completion`); sft-cot-messages: the same as messages,
 * the steps in the assistant message's `thinking` field (docs/EXPORTS.md); failures: outputs with
 * failure classes, spans, think-aloud steps and corrections; full: every table of the workspace, ids
 * kept, for `datasets.importFull`; model-card: a Hugging Face model card (README.md) for one model,
 * from its reviews, comparisons and probe results (no rows).
 */
export const ExportFormat = z.enum(['trl', 'openrlhf', 'openai', 'hh', 'kto', 'sft', 'sft-messages', 'sft-cot', 'sft-cot-messages', 'failures', 'full', 'model-card']);
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

/**
 * Which human labels make the rows (docs/EXPORTS.md, "Which labels"): every reviewer's own row
 * (`all`, the default); per item the adjudicated label, else the reviewers' label when they all
 * agree (by the Adjudication queue's rules), else nothing (`adjudicated`); per item the label a
 * strict majority of reviewers gave, ties left out (`majority`).
 */
export const LabelRule = z.enum(['all', 'adjudicated', 'majority']);
export type LabelRule = z.infer<typeof LabelRule>;

/**
 * What a model card needs that the workspace does not hold: which model it is about (null: the only
 * model with outputs), and the intended use and known limitations in the owner's words (empty:
 * taken from the model's settings, else the card says they were not stated).
 */
export const ModelCardOptions = z
  .object({
    modelId: Id.nullable().default(null),
    intendedUse: z.string().trim().max(20_000).default(''),
    limitations: z.string().trim().max(20_000).default(''),
  })
  .strict();
export type ModelCardOptions = z.infer<typeof ModelCardOptions>;

export const ExportOptions = z
  .object({
    format: ExportFormat,
    labels: LabelRule.default('all'),
    fileType: ExportFileType.default('jsonl'),
    /**
     * null (the default): chosen from the data. openrlhf: conversational. trl, kto, sft, failures:
     * conversational when any selected prompt has several turns or a system message (plain strings
     * cannot hold it and its rows would be left out), standard otherwise. openai and hh have one shape.
     */
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
    /**
     * The card's `license` (a Hugging Face license id). Absent: a dataset card says `other`; a
     * model card takes the model's own (`ModelSettings.license`) or states none (it never invents one).
     */
    license: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._+-]+$/).optional(),
    /** model-card only: which model the card is about, and what the people who know it say of it. */
    modelCard: ModelCardOptions.prefault({}),
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
  /**
   * Per reason in `skipped`, up to 3 examples of what was left out, in export order:
   * `cmp-12 (prompt p-3f2a…)` (a label, with its prompt's id) or `prompt p-3f2a…`.
   */
  examples: z.record(z.string(), z.array(z.string())),
  /**
   * With `labels` adjudicated or majority: items (comparison tasks, reviewed outputs) that had a
   * label passing the filters, how many rows' items each rule resolved, and how many it dropped.
   * Absent with `labels: all`.
   */
  labels: z
    .object({
      rule: LabelRule,
      items: z.number().int(),
      adjudicated: z.number().int(),
      agreed: z.number().int(),
      /** Items with one reviewer's label only: kept by either rule, but nobody checked them (raise minLabels to leave them out). */
      single: z.number().int(),
      majority: z.number().int(),
      dropped: z.number().int(),
    })
    .optional(),
});
export type ExportCounts = z.infer<typeof ExportCounts>;

/**
 * The prompt style an export used and why: given (`auto` false) or chosen from the data. null for
 * formats that have one shape (openai, hh, sft-messages, sft-cot-messages, full).
 */
export const ExportStyleChoice = z.object({
  style: PromptStyle,
  auto: z.boolean(),
  /** One sentence for a person: what was chosen and what it means for the rows. */
  reason: z.string(),
  /** Rows left out because this style cannot hold their prompt (standard style, multi-turn prompts). */
  leftOut: z.number().int(),
});
export type ExportStyleChoice = z.infer<typeof ExportStyleChoice>;

export const ExportPreview = z.object({
  counts: ExportCounts,
  style: ExportStyleChoice.nullable(),
  /** The first rows of each split, exactly as they will be written (JSON). */
  rows: z.object({ train: z.array(z.record(z.string(), z.unknown())), test: z.array(z.record(z.string(), z.unknown())) }),
  /** The columns of a row, in order. */
  columns: z.array(z.string()),
  /** model-card: the card exactly as it will be written (README.md). */
  card: z.string().optional(),
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
  style: ExportStyleChoice.nullable(),
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
  /**
   * A consistent copy of the whole workspace file, checked before it gets its name. `outFile` null:
   * `<workspace folder>/<name>-backups/<name>-<UTC time>.assay`; relative: from the workspace folder.
   */
  'workspace.backup': {
    input: z.object({ outFile: z.string().min(1).max(4096).nullable().default(null) }).strict(),
    output: z.object({ file: z.string(), bytes: z.number().int(), durationMs: z.number() }),
  },
} as const;

export const datasetEvents = {
  onDidExportProgress: ExportProgress,
} as const;

// ── Dataset imports (HH-RLHF, Chatbot Arena, OpenAssistant, prompt/completion files) ─────────

/**
 * completions: JSONL or CSV rows with `prompt` (or `messages`) and `completion`, optional `id`,
 * `model`, `tags`, `reference`; hh-rlhf: Anthropic's chosen/rejected transcripts; arena: Chatbot
 * Arena battles (model_a, model_b, winner, conversation_a/b); oasst: OpenAssistant message trees
 * (the `*.trees.jsonl` export). JSON formats are read as JSONL or as one JSON array.
 */
export const DatasetImportFormat = z.enum(['completions', 'hh-rlhf', 'arena', 'oasst']);
export type DatasetImportFormat = z.infer<typeof DatasetImportFormat>;

/** Every format an import dialog or `assay import --format` offers: prompts (jsonl, csv) and datasets. */
export const AnyImportFormat = z.enum(['jsonl', 'csv', ...DatasetImportFormat.options]);
export type AnyImportFormat = z.infer<typeof AnyImportFormat>;

export const DatasetImportReport = z.object({
  importId: z.string(),
  file: z.string(),
  format: DatasetImportFormat,
  /** Records read: JSONL lines or CSV rows with content, JSON array elements, OASST trees. */
  rows: z.number().int(),
  /** Records that added something (a prompt, generation, task or label). */
  imported: z.number().int(),
  /** Records that only replaced what was there (the `replace` duplicate policy). */
  replaced: z.number().int(),
  /** Records whose every part was already in the workspace (the `skip` duplicate policy). */
  skippedDuplicates: z.number().int(),
  /** Records left out on purpose, by reason ("identical completions", "multi-turn battle", …). */
  skipped: SkipCounts,
  /** Which records were left out and why, in file order: the first 1,000 (`skipped` counts them all). `line` is a row number for Parquet. */
  leftOut: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  /** How the file was packed, told by its bytes: plain text, gzip, Zstandard or Parquet. */
  container: z.enum(['plain', 'gzip', 'zstd', 'parquet']),
  /** What the import wrote. */
  created: z.object({
    prompts: z.number().int(),
    models: z.number().int(),
    generations: z.number().int(),
    tasks: z.number().int(),
    labels: z.number().int(),
  }),
  /** The importer reviewer the labels were written as ("hh-rlhf import", …); null when none were. */
  reviewer: z.string().nullable(),
  /** Top-level fields of the records that Assay does not read (kept nowhere, or only in meta). */
  ignoredFields: z.array(z.string()),
  durationMs: z.number(),
});
export type DatasetImportReport = z.infer<typeof DatasetImportReport>;

/**
 * Dataset imports' part of the contract (contract/index.ts spreads it into `methods`). They run in
 * the import worker like `prompts.import`: one transaction per file, progress as
 * `onDidImportProgress` with the same importId, cancelled with `prompts.cancelImport`, and a bad
 * record fails the whole file with `import_failed` naming its line (details: ImportFailure).
 */
export const datasetImportMethods = {
  'datasets.import': {
    input: z
      .object({
        importId: ExportId,
        source: ImportSource,
        format: DatasetImportFormat,
        /** skip: keep what is there (prompts, imported labels); replace: overwrite it with the file's. */
        onDuplicate: DuplicatePolicy.default('skip'),
        /** The model name for hh-rlhf pairs and completion rows without `model` (default: from the file name). */
        model: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    output: DatasetImportReport,
  },
} as const;

const OASST_KEYS = ['message_tree_id', 'message_id'];

/**
 * The format a file's top-level keys (or CSV header) suggest; null when nothing fits. `partial`: the
 * keys of a line cut short, where a long first field (HH's chosen transcript) hides the next ones.
 */
function formatOfKeys(keys: ReadonlySet<string>, csv: boolean, partial = false): AnyImportFormat | null {
  if (csv) {
    if (keys.has('completion') && (keys.has('prompt') || keys.has('messages'))) return 'completions';
    return keys.has('prompt') || keys.has('messages') ? 'csv' : null;
  }
  if (keys.has('chosen') && (keys.has('rejected') || partial)) return 'hh-rlhf';
  if (keys.has('model_a') && (keys.has('model_b') || partial)) return 'arena';
  if (OASST_KEYS.some((k) => keys.has(k))) return 'oasst';
  if (keys.has('completion') && (keys.has('prompt') || keys.has('messages'))) return 'completions';
  if (keys.has('prompt') || keys.has('messages')) return 'jsonl';
  return null;
}

/**
 * Guesses the import format from the beginning of a file (its first line, or its first few KiB:
 * a truncated line is fine) and its name. Used by the import dialog (on `File.slice`) and by the
 * CLI when `--format` is not given. Null when neither content nor name tells.
 */
export function detectImportFormat(head: string, fileName: string): AnyImportFormat | null {
  const text = head.replace(/^\uFEFF/, '');
  const start = text.search(/\S/);
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  if (start === -1) return ext === 'csv' ? 'csv' : ext === 'jsonl' || ext === 'ndjson' || ext === 'json' ? 'jsonl' : null;
  const first = text[start];
  if (first === '{' || first === '[') {
    const newline = text.indexOf('\n', start);
    const line = text.slice(start, newline === -1 ? undefined : newline);
    const keys = new Set<string>();
    let partial = false;
    try {
      const value: unknown = JSON.parse(line);
      const record = Array.isArray(value) ? value[0] : value;
      if (record && typeof record === 'object' && !Array.isArray(record)) for (const k of Object.keys(record)) keys.add(k);
    } catch {
      // A long first line cut short, or a pretty-printed array: look for the keys by name.
      partial = true;
      for (const m of text.matchAll(/"([A-Za-z_]+)"\s*:/g)) keys.add(m[1]!);
    }
    return formatOfKeys(keys, false, partial) ?? (ext === 'csv' ? null : 'jsonl');
  }
  const newline = text.indexOf('\n', start);
  const header = text.slice(start, newline === -1 ? undefined : newline).replace(/\r$/, '');
  const columns = new Set(header.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')));
  return formatOfKeys(columns, true) ?? (ext === 'csv' ? 'csv' : ext === 'jsonl' || ext === 'ndjson' || ext === 'json' ? 'jsonl' : null);
}
