import path from 'node:path';
import type { PairChoice } from '../../../contract/comparisons';
import type { DatasetImportFormat, DatasetImportReport } from '../../../contract/datasets';
import type { DuplicatePolicy } from '../../../contract/prompts';
import {
  appendLabelHistory,
  insertLabel,
  insertTask,
  liveLabelRow,
  rankingOf,
  setKeyOf,
  updateLabel,
  type LabelContent,
} from '../../../db/comparisons';
import type { WritableDB } from '../../../db/handles';
import { datasetImportWriter, type ImportProvenance } from '../../../db/imports';
import { promptWriter, type PromptRecord } from '../../../db/prompts';
import { rngFor, shuffled } from '../../comparisons/design';
import { csvRows, DEFAULT_MAX_LINE_BYTES, importFileInTransaction, type FileImportOptions, type ParsedRow } from '../../prompts/importer';
import { LineError } from '../../prompts/lines';
import { contentId, csvCellsToRow } from '../../prompts/rows';
import { packedFile } from './containers';
import { FORMATS, type FormatSpec, type ImportedJudgement, type ImportUnit } from './formats';
import { jsonRecords } from './json-records';
import { parquetRows } from './parquet';

export interface DatasetImportOptions extends FileImportOptions {
  format: DatasetImportFormat;
  onDuplicate: DuplicatePolicy;
  /** The model of HH-RLHF pairs and of completion rows without `model`; default from the file name. */
  model?: string;
}

/** A task shows at most this many outputs (comparison_task_outputs.position is 0..8). */
const MAX_TASK_OUTPUTS = 9;

/** The report lists this many left-out records (with their line); `skipped` counts them all. */
const MAX_LEFT_OUT_LISTED = 1000;

/** Shown order of imported tasks without a known side: drawn from the set, so re-imports agree. */
const IMPORT_SEED = 0;

function swapSides(choice: PairChoice): PairChoice {
  return choice === 'A' ? 'B' : choice === 'B' ? 'A' : choice;
}

function sameLabel(a: LabelContent, b: LabelContent): boolean {
  return a.choice === b.choice && JSON.stringify(a.ranking) === JSON.stringify(b.ranking) && a.strength === b.strength && a.rationale === b.rationale && a.correction === b.correction;
}

export function defaultModelName(format: DatasetImportFormat, displayName: string): string {
  return `${format}: ${displayName}`.slice(0, 200);
}

/**
 * Imports a dataset file (HH-RLHF, Chatbot Arena, OpenAssistant trees, prompt/completion rows)
 * with the prompt importer's rules (importFileInTransaction): streamed, strict UTF-8, one
 * transaction, the first bad record names its line and nothing of the file lands.
 *
 * Prompts of the dataset formats get content-derived ids, so a prompt seen twice is one prompt.
 * Outputs become generations of imported models (by name); an output already imported for the
 * same prompt and model with the same text is reused. A judgement becomes a comparison task over
 * those generations (design 'imported') and a label by the format's importer reviewer; a label that
 * reviewer already has on the task is kept (skip) or overwritten (replace).
 */
export async function importDatasetFile(db: WritableDB, options: DatasetImportOptions): Promise<DatasetImportReport> {
  const started = performance.now();
  const displayName = options.displayName ?? path.basename(options.file);
  const spec: FormatSpec = FORMATS[options.format];
  const report: DatasetImportReport = {
    importId: options.importId,
    file: displayName,
    format: options.format,
    rows: 0,
    imported: 0,
    replaced: 0,
    skippedDuplicates: 0,
    skipped: {},
    leftOut: [],
    container: 'plain',
    created: { prompts: 0, models: 0, generations: 0, tasks: 0, labels: 0 },
    reviewer: null,
    ignoredFields: [],
    durationMs: 0,
  };
  const skip = (reason: string, line: number) => {
    report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
    if (report.leftOut.length < MAX_LEFT_OUT_LISTED) report.leftOut.push({ line, reason });
  };
  const ignored = new Set<string>();
  const ctx = { defaultModel: options.model ?? defaultModelName(options.format, displayName) };
  const maxRecord = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // Packed files are told by their bytes, whatever their name: gzip and Zstandard are read through
  // a streaming decompressor with the same line rules, Parquet row group by row group.
  const { container, openSource, innerName, atRecord } = packedFile(options.file, displayName);
  report.container = container;
  const asCsv = container !== 'parquet' && spec.csv && path.extname(innerName).toLowerCase() === '.csv';

  return importFileInTransaction(db, { ...options, displayName, openSource }, async (run) => {
    const now = Date.now();
    const writer = datasetImportWriter(db);
    const prompts = promptWriter(db);
    const importRowId = writer.startImport(displayName, options.format, now);
    const models = new Map<string, number>();
    let reviewerId: number | null = null;

    const modelId = (name: string): number => {
      let id = models.get(name);
      if (id === undefined) {
        const found = writer.importedModel(name, now);
        if (found.created) report.created.models++;
        models.set(name, (id = found.id));
      }
      return id;
    };
    const importerReviewer = (): number => {
      if (reviewerId === null) {
        reviewerId = writer.reviewer(spec.reviewer!, now).id;
        report.reviewer = spec.reviewer;
      }
      return reviewerId;
    };

    /** What one record did: added something, only replaced, found everything there, or was left out. */
    const applyRecord = (units: ImportUnit[], line: number): 'added' | 'replaced' | 'duplicate' | { skip: string } => {
      let added = false;
      let replaced = false;
      let conflict: string | null = null;
      for (const unit of units) {
        const p = unit.prompt;
        const record: PromptRecord = {
          id: p.id ?? contentId(p.prompt, p.messages),
          prompt: p.prompt,
          messages: p.messages,
          reference: p.reference,
          tags: p.tags,
        };
        // Dataset prompts are named by their content: the same id is the same prompt, so the
        // policy only matters for rows that bring their own ids (completions).
        const outcome = prompts.upsert(record, p.id === null ? 'skip' : options.onDuplicate, now);
        if (outcome === 'inserted') {
          report.created.prompts++;
          added = true;
        } else if (outcome === 'replaced') replaced = true;
        const stored = writer.prompt(record.id)!;
        if (outcome === 'skipped' && (stored.prompt !== record.prompt || JSON.stringify(stored.messages) !== JSON.stringify(record.messages))) {
          conflict = 'a prompt with this id exists with other text (import with replace to overwrite it)';
          continue;
        }
        const input = record.messages !== null ? { mode: 'chat' as const, messages: record.messages } : { mode: 'raw' as const, text: record.prompt! };
        const generations = unit.outputs.map((o) => {
          const model = modelId(o.model);
          const existing = writer.findGeneration(stored.seq, model, o.text);
          if (existing !== null) return existing;
          const provenance: ImportProvenance = { importId: importRowId, line, externalId: o.externalId, meta: o.meta };
          const id = writer.insertGeneration(
            { promptSeq: stored.seq, modelId: model, modelName: o.model, format: options.format, input, renderedPrompt: o.renderedPrompt, output: o.text, madeAt: o.madeAt ?? now },
            provenance,
            now,
          );
          report.created.generations++;
          added = true;
          return id;
        });
        if (unit.judgement) {
          const outcome = applyJudgement(unit, unit.judgement, generations, stored.seq, line);
          if (outcome === 'added') added = true;
          else if (outcome === 'replaced') replaced = true;
        }
      }
      if (added) return 'added';
      if (replaced) return 'replaced';
      return conflict !== null ? { skip: conflict } : 'duplicate';
    };

    const applyJudgement = (
      unit: ImportUnit,
      judgement: ImportedJudgement,
      generations: number[],
      promptSeq: number,
      line: number,
    ): 'added' | 'replaced' | 'duplicate' | 'dropped' => {
      let pair: { a: number; b: number; choice: PairChoice; keepOrder: boolean } | null = null;
      let groups: number[][] | null = null;
      if (judgement.kind === 'pair') {
        pair = { a: generations[judgement.a]!, b: generations[judgement.b]!, choice: judgement.choice, keepOrder: judgement.keepOrder };
      } else {
        // One generation per place, at its best rank (two outputs with the same text are one generation).
        const seen = new Set<number>();
        groups = [];
        for (const group of judgement.groups) {
          const gens = group.map((i) => generations[i]!).filter((g) => !seen.has(g) && (seen.add(g), true));
          if (gens.length > 0) groups.push(gens);
        }
        if (seen.size > MAX_TASK_OUTPUTS) {
          skip(`rankings cut to their ${MAX_TASK_OUTPUTS} best outputs`, line);
          const cut: number[][] = [];
          let room = MAX_TASK_OUTPUTS;
          for (const g of groups) {
            if (room === 0) break;
            const part = g.slice(0, room);
            cut.push(part);
            room -= part.length;
          }
          groups = cut;
        }
        const flat = groups.flat();
        if (flat.length === 2) {
          pair = { a: flat[0]!, b: flat[1]!, choice: groups.length === 1 ? 'tie' : 'A', keepOrder: false };
          groups = null;
        }
      }
      if (pair && pair.a === pair.b) {
        skip('comparisons left out: both sides are the same output', line);
        return 'dropped';
      }
      if (!pair && (!groups || groups.flat().length < 2)) {
        skip('comparisons left out: fewer than two different outputs', line);
        return 'dropped';
      }

      const kind = pair ? 'pair' : 'rank';
      const members = pair ? [pair.a, pair.b] : groups!.flat();
      const key = setKeyOf(members);
      let added = false;
      let task = writer.findTask(kind, key);
      if (!task) {
        const order = pair?.keepOrder ? members : shuffled(members, rngFor(IMPORT_SEED, key));
        const id = insertTask(db, { promptSeq, kind, design: 'imported', seed: IMPORT_SEED, generationIds: order }, now)!;
        task = { id, order };
        report.created.tasks++;
        added = true;
      }
      const order = task.order;
      const content: LabelContent = pair
        ? { choice: order[0] === pair.a ? pair.choice : swapSides(pair.choice), strength: null, ranking: null, rationale: '', correction: null }
        : { choice: null, strength: null, ranking: groups!.map((g) => g.map((gen) => order.indexOf(gen)).sort((x, y) => x - y)), rationale: '', correction: null };

      const reviewer = importerReviewer();
      const provenance: ImportProvenance = { importId: importRowId, line, externalId: unit.labelExternalId, meta: unit.labelMeta };
      const live = liveLabelRow(db, task.id, reviewer);
      if (!live) {
        const id = insertLabel(db, { ...content, taskId: task.id, reviewerId: reviewer, timeSpentMs: 0, guidelineVersion: 0 }, now);
        appendLabelHistory(db, id, 1, { ...content, guidelineVersion: 0, timeSpentMs: 0 }, now);
        writer.recordLabel(id, provenance);
        report.created.labels++;
        return 'added';
      }
      if (options.onDuplicate === 'skip') return added ? 'added' : 'duplicate';
      const stored: LabelContent = { choice: live.choice, strength: live.strength, ranking: rankingOf(db, live.id), rationale: live.rationale, correction: live.correction };
      if (sameLabel(stored, content)) return added ? 'added' : 'duplicate';
      updateLabel(db, live.id, { ...content, addTimeSpentMs: 0, guidelineVersion: live.guideline_version, bump: true }, now);
      appendLabelHistory(db, live.id, live.revision + 1, { ...content, guidelineVersion: live.guideline_version, timeSpentMs: live.time_spent_ms }, now);
      writer.recordLabel(live.id, provenance);
      return added ? 'added' : 'replaced';
    };

    const records: AsyncIterable<ParsedRow[]> = container === 'parquet'
      ? parquetRows(options.file, run.readTo)
      : asCsv
      ? csvRows(run.lines, {
          header: (names) => {
            if (!names.includes('completion') || (!names.includes('prompt') && !names.includes('messages'))) {
              throw new LineError(1, "the header needs a 'completion' column and a 'prompt' or a 'messages' column");
            }
            for (const n of names) if (!spec.knownFields.has(n)) ignored.add(n);
          },
          toRow: (cells) => {
            const row = csvCellsToRow(cells, spec.knownFields);
            if (cells.completion === '') row.completion = '';
            return row;
          },
        })
      : jsonRecords(run.lines, maxRecord);

    for await (const batch of records) {
      for (const { line, value } of batch) {
        run.countRow();
        report.rows++;
        let outcome: ReturnType<typeof applyRecord>;
        try {
          const parsed = spec.parse(value, ctx);
          if (!asCsv && typeof value === 'object' && value !== null) {
            for (const key of Object.keys(value)) if (!spec.knownFields.has(key)) ignored.add(key);
          }
          outcome = 'skip' in parsed ? { skip: parsed.skip } : applyRecord(parsed.units, line);
        } catch (error) {
          if (error instanceof LineError) throw error;
          // Whatever a record makes go wrong (a value SQLite refuses, nesting too deep to walk), it is this line's.
          throw atRecord(line, error instanceof Error ? error.message : String(error));
        }
        if (typeof outcome === 'object') skip(outcome.skip, line);
        else if (outcome === 'added') report.imported++;
        else if (outcome === 'replaced') report.replaced++;
        else report.skippedDuplicates++;
      }
    }
    report.ignoredFields = [...ignored].sort();
    report.durationMs = Math.round(performance.now() - started);
    writer.finishImport(importRowId, report);
    return report;
  });
}
