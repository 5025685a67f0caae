/**
 * `assay export` and `assay stats` (and the full-export branch of `assay import`): dataset exports
 * from the command line, for pipelines. Exports run on the same worker as in the app; Ctrl-C
 * cancels (no partial file is left). A progress line goes to stderr on a terminal, none when piped.
 * Exit codes: 0 done, 1 the work failed (or was cancelled), 2 wrong usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  AppError,
  ExportFileType,
  ExportFormat,
  ExportOptions,
  PromptStyle,
  type ExportCounts,
  type ExportPreview,
  type ExportStyleChoice,
  type ExportProgress,
  type ExportReport,
  type ImportProgress,
  type WorkspaceStats,
} from '../contract';
import { importFullExport } from '../core/datasets/export/full';
import { cancelDatasetJob, runDatasetWorker } from '../core/datasets/export/runner';
import { backupTarget, defaultExportDir, resolveExportDir, statsOf } from '../core/datasets/export/service';
import { backupWorkspace } from '../db/backup';
import { openWorkspace } from '../core/workspace/workspace';
import { idsNamed } from '../db/exports';

export class UsageError extends Error {}

export const EXPORT_HELP = `  assay export --workspace FILE --format F [--out DIR] [options]
      Writes a dataset for a trainer (JSONL or Parquet) and a README.md dataset card.
      F: trl | openrlhf | openai | hh | kto | sft | sft-messages | sft-cot | sft-cot-messages | failures | full | model-card
        trl, openrlhf   prompt / chosen / rejected [/ margin] preference pairs
        openai          input / preferred_output / non_preferred_output (OpenAI, Together DPO)
        hh              Anthropic HH-RLHF chosen / rejected transcripts
        kto             prompt / completion / label (unpaired)
        sft             prompt / completion from corrections; sft-messages: messages
        sft-cot         chain of thought: prompt / completion = <think>steps</think> + the correction;
                        sft-cot-messages: messages, the steps in the assistant's "thinking"
        failures        output, failure classes, code-point spans with quotes, think-aloud steps, corrections
        full            every table, ids kept: \`assay import FILE --format assay-full\` loads it back
        model-card      a Hugging Face model card (README.md only) for one model (--model NAME;
                        not needed when one model has outputs): model-index results, failure
                        rates per class with intervals, n-shot table, win rates and Bradley–Terry,
                        failure examples with the reviewer's think-aloud, limitations, methods
      --intended-use TEXT       model-card: the intended use, in the owner's words (else the model's settings)
      --limitations TEXT        model-card: known limitations, in the owner's words (else the model's settings)
      --labels RULE             which human labels make the rows: all (default: every reviewer's
                                own row), adjudicated (per item the adjudicated label, else the
                                reviewers' label when they agree, else left out) or majority (per
                                item a strict majority of reviewers' labels; ties left out)
      --out DIR                 folder to write (default: <workspace>-exports/<format> beside the workspace)
      --parquet                 Parquet instead of JSONL (same rows; also --file-type jsonl|parquet)
      --style S                 standard (strings), conversational (message lists) or auto
                                (default): conversational when a selected prompt has several
                                turns or a system message, else standard; openrlhf: conversational
      --implicit-prompt         trl/openrlhf: no prompt column, chosen/rejected start with the prompt
      --no-margin               trl/openrlhf: leave out the margin column (slightly 1, clearly 2, much 3)
      --ties P                  drop (default) or desirable (kto: both outputs of a tie are desirable)
      --both-bad P              correction (default: a both-bad label with a correction gives
                                correction ≻ each output) or drop
      --acceptable P            kto: what an "acceptable" verdict becomes: skip (default), desirable, undesirable
      --kto-sources LIST        kto: reviews,comparisons,corrections (default all)
      --reviewer NAME           only labels by this reviewer (repeatable)
      --since DATE, --until DATE  labels made from / up to (a date includes its whole day; UTC)
      --tag TAG                 only prompts with this tag (repeatable: any of them)
      --model NAME              only rows whose outputs all come from these models (repeatable)
      --guideline-version V     N, N..M, N.. or ..M
      --min-agreement X         share of an item's reviewers that agree with the row (0–1)
      --min-labels N            only items labeled by at least N reviewers
      --test-fraction F         a test split of about F of the prompts (grouped by normalized prompt)
      --seed N                  seed of the split (default 0)
      --provenance              add assay_id, reviewer, guideline_version, model_a, model_b, created_at
      --license ID              the card's license, a Hugging Face license id (dataset cards: default
                                other; model card: else the model's settings, else none stated)
      --preview [--limit N]     print the counts per split and the first N rows (default 5), or the
                                model card; write nothing
      --json                    print the result as JSON
  assay stats --workspace FILE [--json]
      Counts of prompts, generations, reviews, corrections, comparisons and preference pairs.
  assay backup --workspace FILE [--out FILE] [--json]
      A consistent copy of the whole workspace, checked before it gets its name; safe while Assay
      has the workspace open. Default: <workspace folder>/<name>-backups/<name>-<UTC time>.assay.
      Never overwrites a file.`;

const EXPORT_OPTIONS = {
  workspace: { type: 'string', short: 'w' },
  format: { type: 'string', short: 'f' },
  labels: { type: 'string' },
  out: { type: 'string', short: 'o' },
  parquet: { type: 'boolean' },
  'file-type': { type: 'string' },
  style: { type: 'string' },
  'implicit-prompt': { type: 'boolean' },
  'no-margin': { type: 'boolean' },
  ties: { type: 'string' },
  'both-bad': { type: 'string' },
  acceptable: { type: 'string' },
  'kto-sources': { type: 'string' },
  reviewer: { type: 'string', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
  tag: { type: 'string', multiple: true },
  model: { type: 'string', multiple: true },
  'guideline-version': { type: 'string' },
  'min-agreement': { type: 'string' },
  'min-labels': { type: 'string' },
  'test-fraction': { type: 'string' },
  seed: { type: 'string' },
  provenance: { type: 'boolean' },
  license: { type: 'string' },
  'intended-use': { type: 'string' },
  limitations: { type: 'string' },
  preview: { type: 'boolean' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true as const });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not ${value}`);
  return value as T;
}

function number(name: string, value: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}, not ${value}`);
  return n;
}

/** A date (whole day, UTC) or an ISO date-time → ms; `end` moves a bare date to the next midnight. */
export function parseDate(name: string, value: string | undefined, end: boolean): number | null {
  if (value === undefined) return null;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = Date.parse(day ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be a date (2024-06-30) or an ISO date-time, not ${value}`);
  return day && end ? ms + 86_400_000 : ms;
}

function guidelineRange(value: string | undefined): { guidelineMin: number | null; guidelineMax: number | null } {
  if (value === undefined) return { guidelineMin: null, guidelineMax: null };
  const m = /^(\d*)(\.\.)?(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[3] === '') || (!m[2] && m[3] !== '')) throw new UsageError(`--guideline-version must be N, N..M, N.. or ..M, not ${value}`);
  const min = m[1] === '' ? null : Number(m[1]);
  const max = m[2] ? (m[3] === '' ? null : Number(m[3])) : min;
  return { guidelineMin: min, guidelineMax: max };
}

function progressLine(kind: string) {
  if (!process.stderr.isTTY) return () => {};
  return (p: { done: number; total: number; rows: number }) => {
    const pct = p.total > 0 ? Math.min(100, Math.floor((100 * p.done) / p.total)) : 100;
    process.stderr.write(`\r[${kind}] ${pct}% ${p.rows.toLocaleString('en-US')} rows`);
  };
}

/**
 * The style used and why, then what was left out: one line per reason, most first, with a few
 * examples (label ids as provenance writes them, and their prompt's id).
 */
export function summaryLines(counts: ExportCounts, style: ExportStyleChoice | null): string[] {
  const lines: string[] = [];
  if (style) lines.push(`style: ${style.reason}`);
  const l = counts.labels;
  if (l) {
    lines.push(
      l.rule === 'adjudicated'
        ? `labels: adjudicated — ${l.items} items: ${l.adjudicated} adjudicated, ${l.agreed} agreed, ${l.single} labelled by one reviewer only, ${l.dropped} left out (reviewers disagree, nothing adjudicated)`
        : `labels: majority — ${l.items} items: ${l.majority} by strict majority, ${l.single} labelled by one reviewer only, ${l.dropped} left out (no strict majority)`,
    );
  }
  const reasons = Object.entries(counts.skipped).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  if (reasons.length > 0) lines.push('left out:');
  for (const [reason, n] of reasons) {
    const examples = counts.examples[reason] ?? [];
    lines.push(`  ${String(n).padStart(7)}  ${reason}${examples.length > 0 ? `  e.g. ${examples.join(', ')}` : ''}`);
  }
  return lines;
}

export async function runExportCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, EXPORT_OPTIONS);
  if (values.help) {
    console.log(EXPORT_HELP);
    return;
  }
  if (!values.workspace) throw new UsageError('assay export needs --workspace FILE');
  if (!values.format) throw new UsageError(`assay export needs --format (${ExportFormat.options.join(', ')})`);
  const format = oneOf('format', values.format, ExportFormat.options)!;
  const fileType = values.parquet ? 'parquet' : (oneOf('file-type', values['file-type'], ExportFileType.options) ?? 'jsonl');
  const testFraction = number('test-fraction', values['test-fraction'], (n) => n > 0 && n < 1, 'a number between 0 and 1 (exclusive)');
  const seed = number('seed', values.seed, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'an integer ≥ 0');
  if (seed !== undefined && testFraction === undefined) throw new UsageError('--seed goes with --test-fraction');
  const limit = number('limit', values.limit, (n) => Number.isInteger(n) && n >= 0 && n <= 100, 'an integer 0–100') ?? 5;
  const ktoSources = values['kto-sources']
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => oneOf('kto-sources', s, ['reviews', 'comparisons', 'corrections'] as const)!);

  const workspace = openWorkspace(values.workspace, { create: false });
  const file = workspace.file;
  let options: ExportOptions;
  try {
    const resolve = (table: 'reviewers' | 'models', names: string[] | undefined, flag: string) => {
      const { ids, missing } = idsNamed(workspace.reader, table, names ?? []);
      if (missing.length > 0) throw new AppError('invalid_input', `--${flag}: no ${table.slice(0, -1)} named ${missing.join(', ')} in ${file}`);
      return ids;
    };
    const modelIds = resolve('models', values.model, 'model');
    const card = format === 'model-card';
    if (card && modelIds.length > 1) throw new UsageError('--model: a model card is about one model; give --model once');
    if (!card && (values['intended-use'] !== undefined || values.limitations !== undefined)) throw new UsageError('--intended-use and --limitations go with --format model-card');
    const parsed = ExportOptions.safeParse({
      format,
      labels: oneOf('labels', values.labels, ['all', 'adjudicated', 'majority'] as const),
      fileType,
      style: (values.style === 'auto' ? null : oneOf('style', values.style, [...PromptStyle.options, 'auto'] as const)) ?? null,
      implicitPrompt: values['implicit-prompt'] ?? false,
      margin: !values['no-margin'],
      ties: oneOf('ties', values.ties, ['drop', 'desirable'] as const),
      bothBad: oneOf('both-bad', values['both-bad'], ['correction', 'drop'] as const),
      acceptable: oneOf('acceptable', values.acceptable, ['skip', 'desirable', 'undesirable'] as const),
      ktoSources,
      filters: {
        reviewerIds: resolve('reviewers', values.reviewer, 'reviewer'),
        // A model card's --model names its subject, not a filter of rows.
        modelIds: card ? [] : modelIds,
        tags: values.tag ?? [],
        since: parseDate('since', values.since, false),
        until: parseDate('until', values.until, true),
        ...guidelineRange(values['guideline-version']),
        minAgreement: number('min-agreement', values['min-agreement'], (n) => n >= 0 && n <= 1, 'a number 0–1'),
        minLabels: number('min-labels', values['min-labels'], (n) => Number.isInteger(n) && n >= 1, 'an integer ≥ 1'),
      },
      split: testFraction === undefined ? null : { testFraction, seed: seed ?? 0 },
      provenance: values.provenance ?? false,
      license: values.license,
      modelCard: { modelId: card ? (modelIds[0] ?? null) : null, intendedUse: values['intended-use'], limitations: values.limitations },
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UsageError(`${issue.path.join('.') || 'options'}: ${issue.message}`);
    }
    options = parsed.data;
  } finally {
    workspace.close();
  }

  const exportId = `cli-${process.pid}`;
  const onSigint = () => {
    cancelDatasetJob(exportId);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const show = progressLine(values.preview ? 'preview' : 'export');
  const onProgress = (p: unknown) => show(p as ExportProgress);
  try {
    if (values.preview) {
      const preview = await runDatasetWorker<ExportPreview>(exportId, { kind: 'export', dbPath: file, request: { mode: 'preview', exportId, options, limit } }, onProgress);
      if (process.stderr.isTTY) process.stderr.write('\n');
      if (values.json) {
        console.log(JSON.stringify(preview));
        return;
      }
      if (preview.card !== undefined) {
        process.stdout.write(preview.card.endsWith('\n') ? preview.card : `${preview.card}\n`);
        return;
      }
      console.log(`train ${preview.counts.train} rows, test ${preview.counts.test} rows`);
      for (const line of summaryLines(preview.counts, preview.style)) console.log(line);
      for (const split of ['train', 'test'] as const) {
        for (const row of preview.rows[split]) console.log(`${split}\t${JSON.stringify(row)}`);
      }
      return;
    }
    const outDir = values.out === undefined ? defaultExportDir(file, format) : resolveExportDir(process.cwd(), values.out);
    const report = await runDatasetWorker<ExportReport>(exportId, { kind: 'export', dbPath: file, request: { mode: 'write', exportId, options, outDir } }, onProgress);
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (values.json) {
      console.log(JSON.stringify(report));
      return;
    }
    for (const f of report.files) console.log(`${f.path}\t${f.split === null ? '' : `${f.rows} rows\t`}${f.bytes} bytes`);
    const skipped = Object.values(report.counts.skipped).reduce((a, b) => a + b, 0);
    if (format === 'model-card') {
      console.log(`model card written in ${report.durationMs} ms`);
      return;
    }
    console.log(`${format}: train ${report.counts.train}, test ${report.counts.test}, left out ${skipped} in ${report.durationMs} ms`);
    for (const line of summaryLines(report.counts, report.style)) console.log(line);
  } catch (error) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export function runStatsCommand(argv: string[]): void {
  const { values } = parse(argv, { workspace: { type: 'string', short: 'w' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const);
  if (values.help) {
    console.log(EXPORT_HELP.slice(EXPORT_HELP.indexOf('  assay stats')));
    return;
  }
  if (!values.workspace) throw new UsageError('assay stats needs --workspace FILE');
  const workspace = openWorkspace(values.workspace as string, { create: false });
  try {
    const s = statsOf(workspace.reader);
    if (values.json) console.log(JSON.stringify(s));
    else console.log(formatStats(workspace.file, s));
  } finally {
    workspace.close();
  }
}

export function runBackupCommand(argv: string[]): void {
  const { values } = parse(argv, { workspace: { type: 'string', short: 'w' }, out: { type: 'string', short: 'o' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const);
  if (values.help) {
    console.log(EXPORT_HELP.slice(EXPORT_HELP.indexOf('  assay backup')));
    return;
  }
  if (!values.workspace) throw new UsageError('assay backup needs --workspace FILE');
  const workspace = openWorkspace(values.workspace as string, { create: false });
  try {
    // --out is taken from the current folder, as paths on a command line are.
    const file = backupTarget(workspace.file, (values.out as string | undefined) ?? null, process.cwd());
    const started = performance.now();
    const { bytes } = backupWorkspace(workspace.reader, file);
    const durationMs = Math.round(performance.now() - started);
    if (values.json) console.log(JSON.stringify({ file, bytes, durationMs }));
    else console.log(`backed up ${workspace.file} to ${file} (${(bytes / 1e6).toFixed(1)} MB, checked) in ${durationMs} ms`);
  } finally {
    workspace.close();
  }
}

export function formatStats(file: string, s: WorkspaceStats): string {
  const c = s.comparisons;
  const lines = [
    `workspace         ${file} (schema v${s.schemaVersion})`,
    `prompts           ${s.prompts} (${s.tags} tags)`,
    `generations       ${s.generations}`,
    ...s.models.map((m) => `  ${m.name}  ${m.generations}`),
    `reviewers         ${s.reviewers.length}`,
    ...s.reviewers.map((r) => `  ${r.name}  ${r.reviews} reviews, ${r.comparisonLabels} comparison labels`),
    `reviews           ${s.reviews.submitted} submitted, ${s.reviews.drafts} drafts; good ${s.reviews.verdicts.good}, acceptable ${s.reviews.verdicts.acceptable}, bad ${s.reviews.verdicts.bad}, no verdict ${s.reviews.verdicts.none}`,
    `failure tags      ${s.reviews.failureTags} (${s.reviews.thinkAloudSteps} think-aloud steps)`,
    `corrections       ${s.corrections.generations} outputs (${s.corrections.versions} versions)`,
    `comparisons       ${c.tasks} tasks; ${c.pairLabels} pairwise labels (A ${c.choices.A}, B ${c.choices.B}, tie ${c.choices.tie}, both bad ${c.choices.both_bad}, ${c.bothBadCorrections} with a correction); ${c.rankLabels} rankings`,
    `guideline versions ${s.guidelineVersions.length === 0 ? 'none' : s.guidelineVersions.map((g) => `v${g.version}: ${g.labels}`).join(', ')}`,
    `preference pairs  ${s.preferencePairs}`,
  ];
  return lines.join('\n');
}

/** Whether a file starts like a full export (so `assay import` needs no --format for it). */
export function isFullExport(file: string): boolean {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, 64, 0);
    return head.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').startsWith('{"format":"assay-full"');
  } catch {
    return false;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** `assay import FILE --format assay-full`: loads a full export into a new workspace. */
export async function runFullImportCommand(file: string, workspaceFile: string, json: boolean): Promise<void> {
  const workspace = openWorkspace(workspaceFile);
  const show = progressLine('import');
  try {
    const report = await importFullExport(workspace.writer, {
      importId: 'cli',
      file: path.resolve(file),
      onProgress: (p: ImportProgress) => show({ done: p.bytesRead, total: p.totalBytes, rows: p.rows }),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (json) console.log(JSON.stringify(report));
    else console.log(`${report.file}: ${report.rows} rows into ${report.tables.filter((t) => t.rows > 0).length} tables in ${report.durationMs} ms`);
  } catch (error) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    throw error;
  } finally {
    workspace.close();
  }
}
