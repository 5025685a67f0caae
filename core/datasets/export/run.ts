import fs from 'node:fs';
import path from 'node:path';
import type { ExportCounts, ExportFile, ExportOptions, ExportPreview, ExportProgress, ExportReport } from '../../../contract/datasets';
import { AppError } from '../../../contract/result';
import { promptIdBySeq, schemaVersion, sourceCounts } from '../../../db/exports';
import type { ReadableDB } from '../../../db/handles';
import type { Leaderboard } from '../../../contract/comparisons';
import { buildLeaderboard } from '../../comparisons/leaderboard';
import { buildCard } from './card';
import { cancelledError, inReadTransaction, noHooks, tempName, type ExportHooks, type ExportRequest } from './common';
import { runFullExport } from './full';
import { runModelCardExport } from './model-card';
import { itemsFor, newLabelCounts, type Item, type SourceContext } from './items';
import { promptText, splitOf } from './prompt';
import { LabelQuality } from './quality';
import { isPreference, rowBuilder, SKIP_CONVERSATION, type Row } from './rows';
import { decideStyle, styleChoice } from './style';
import { JsonlSink, ParquetSink, type Sink } from './sinks';
import { ensureFolder } from '../../files';

/**
 * One export, start to end, on one read-only connection inside one read transaction (a consistent
 * snapshot while reviewers keep labeling). Synchronous by design: it runs on a worker thread, reads
 * cancellation from a shared flag, and posts progress; the thread answering the UI never waits.
 *
 * Files are written as `.<name>.<exportId>.tmp` in the target folder and renamed into place only
 * after every file (data and card) is complete: a cancelled or failed export leaves no partial file.
 */

const PROGRESS_INTERVAL_MS = 200;

export function runExport(db: ReadableDB, req: ExportRequest, hooks: ExportHooks = noHooks): ExportReport | ExportPreview {
  if (req.options.format === 'full') return runFullExport(db, req, hooks);
  if (req.options.format === 'model-card') return runModelCardExport(db, req, hooks);
  return inReadTransaction(db, () => runRows(db, req, hooks));
}

function sourceTotal(db: ReadableDB, o: ExportOptions): number {
  const c = sourceCounts(db);
  switch (o.format) {
    case 'kto':
      return (
        (o.ktoSources.includes('reviews') ? c.reviews : 0) +
        (o.ktoSources.includes('comparisons') ? c.comparisonLabels : 0) +
        (o.ktoSources.includes('corrections') ? c.corrections : 0)
      );
    case 'failures':
      return c.reviews;
    default:
      return c.comparisonLabels + c.corrections;
  }
}

/** The leaderboard holds every label in memory; past this many an export leaves it to the Leaderboard view. */
export const LEADERBOARD_MAX_LABELS = 50_000;

/** The comparisons leaderboard for the card (preference and KTO exports), or why it is not there. */
function leaderboardFor(db: ReadableDB, o: ExportOptions): Leaderboard | string | undefined {
  if (!isPreference(o.format) && o.format !== 'kto') return undefined;
  const labels = sourceCounts(db).comparisonLabels;
  if (labels === 0) return undefined;
  if (labels > LEADERBOARD_MAX_LABELS) {
    return `Not computed here (${labels} labels; the export keeps its memory flat): see the Leaderboard view.`;
  }
  try {
    return buildLeaderboard(db, {
      reviewerId: o.filters.reviewerIds.length === 1 ? o.filters.reviewerIds[0] : undefined,
      tag: o.filters.tags.length === 1 ? o.filters.tags[0] : undefined,
      bootstrap: 0,
      seed: 1,
    });
  } catch (error) {
    return `Not available: ${(error as Error).message}`;
  }
}

function namesFor(db: ReadableDB, table: 'reviewers' | 'models', ids: readonly number[]): string[] {
  const s = db.prepare(`SELECT name FROM ${table} WHERE id = ?`);
  return ids.map((id) => (s.get(id) as { name: string } | undefined)?.name ?? `#${id}`);
}

/** Examples kept per reason a row was left out. */
const EXAMPLES_PER_REASON = 3;

function runRows(db: ReadableDB, req: ExportRequest, hooks: ExportHooks): ExportReport | ExportPreview {
  const started = performance.now();
  if (req.options.format === 'openai' && req.options.implicitPrompt) throw new AppError('invalid_input', 'The OpenAI format always has an explicit prompt (input.messages).');
  const total = sourceTotal(db, req.options);
  hooks.progress({ phase: 'counting', done: 0, total, rows: 0, bytes: 0 });
  // The style first (from the data when none is given): it decides the columns.
  const decision = decideStyle(db, req.options, hooks.cancelled);
  const o: ExportOptions = decision ? { ...req.options, style: decision.style } : req.options;
  const builder = rowBuilder(o);
  const counts: ExportCounts = { train: 0, test: 0, skipped: {}, examples: {} };
  const labelCounts = newLabelCounts(o.labels);
  if (o.labels !== 'all') counts.labels = labelCounts;
  const promptIds = promptIdBySeq(db);
  const promptIdOf = (seq: number) => promptIds(seq) ?? `#${seq}`;
  // Rows written whose prompt only the conversational style can hold, and the first such prompt.
  let conversationRows = 0;
  let firstConversation = -1;
  const quality = new LabelQuality();
  const reviewers = new Map<string, number>();
  const versions = new Map<number | null, number>();
  let done = 0;
  let lastReport = performance.now();

  const ext = o.fileType === 'parquet' ? 'parquet' : 'jsonl';
  const splits: ('train' | 'test')[] = o.split ? ['train', 'test'] : ['train'];
  const sinks = new Map<'train' | 'test', Sink>();
  const temps: string[] = [];
  const preview = { train: [] as Row[], test: [] as Row[] };
  const limit = req.mode === 'preview' ? req.limit : 0;

  const report = (phase: ExportProgress['phase']) => {
    let bytes = 0;
    for (const s of sinks.values()) bytes += s.bytes;
    hooks.progress({ phase, done, total: Math.max(total, done), rows: counts.train + counts.test, bytes });
  };

  // The split of the last prompt seen, so consecutive rows of one prompt hash it once.
  let lastSeq = -1;
  let lastSplit: 'train' | 'test' = 'train';
  const emit = (item: Item) => {
    const row = builder.build(item);
    if (typeof row === 'string') {
      ctx.skip(row, 1, null, 0, item.promptSeq);
      return;
    }
    if (decision && promptText(item.prompt) === null && conversationRows++ === 0) firstConversation = item.promptSeq;
    let split: 'train' | 'test' = 'train';
    if (o.split) {
      if (item.promptSeq !== lastSeq) {
        lastSeq = item.promptSeq;
        lastSplit = splitOf(item.prompt, o.split.testFraction, o.split.seed);
      }
      split = lastSplit;
    }
    counts[split]++;
    const who = item.prov.reviewer ?? '(none)';
    reviewers.set(who, (reviewers.get(who) ?? 0) + 1);
    versions.set(item.prov.guidelineVersion, (versions.get(item.prov.guidelineVersion) ?? 0) + 1);
    if (req.mode === 'preview') {
      if (preview[split].length < limit) preview[split].push(row);
    } else {
      (split === 'train' ? trainSink : testSink)!.write(row);
    }
  };
  let trainSink: Sink | undefined;
  let testSink: Sink | undefined;

  const ctx: SourceContext = {
    db,
    emit,
    options: o,
    quality,
    labelCounts,
    skip(reason, n = 1, source = null, id = 0, promptSeq) {
      counts.skipped[reason] = (counts.skipped[reason] ?? 0) + n;
      if (promptSeq === undefined) return;
      const list = (counts.examples[reason] ??= []);
      if (list.length >= EXAMPLES_PER_REASON) return;
      const example = source === null ? `prompt ${promptIdOf(promptSeq)}` : `${source}-${id} (prompt ${promptIdOf(promptSeq)})`;
      if (!list.includes(example)) list.push(example);
    },
    tick() {
      done++;
      if ((done & 1023) === 0) {
        if (hooks.cancelled()) throw cancelledError();
        const now = performance.now();
        if (now - lastReport >= PROGRESS_INTERVAL_MS) {
          lastReport = now;
          report('writing');
        }
      }
    },
  };

  try {
    if (req.mode === 'write') {
      ensureFolder(req.outDir);
      for (const split of splits) {
        const tmp = tempName(req.outDir, `${split}.${ext}`, req.exportId);
        temps.push(tmp);
        sinks.set(split, o.fileType === 'parquet' ? new ParquetSink(tmp, builder.columns) : new JsonlSink(tmp));
      }
      trainSink = sinks.get('train');
      testSink = sinks.get('test');
    }
    report('counting');

    itemsFor(ctx);
    if (hooks.cancelled()) throw cancelledError();
    const style = decision
      ? styleChoice(decision, req.options, {
          conversationRows,
          rows: counts.train + counts.test,
          firstPrompt: firstConversation < 0 ? null : promptIdOf(firstConversation),
          leftOutForStyle: counts.skipped[SKIP_CONVERSATION] ?? 0,
        })
      : null;

    if (req.mode === 'preview') {
      report('done');
      return { counts, style, rows: preview, columns: builder.columns.map((c) => c.name) };
    }

    report('finishing');
    const files: ExportFile[] = [];
    for (const split of splits) {
      const sink = sinks.get(split)!;
      const bytes = sink.finish();
      files.push({ path: path.join(req.outDir, `${split}.${ext}`), split, rows: sink.rows, bytes });
    }
    const card = buildCard({
      options: o,
      style,
      counts,
      columns: builder.columns,
      files: splits.map((split) => ({ split, path: `${split}.${ext}` })),
      schemaVersion: schemaVersion(db),
      reviewers,
      guidelineVersions: versions,
      quality,
      filterNames: { reviewers: namesFor(db, 'reviewers', o.filters.reviewerIds), models: namesFor(db, 'models', o.filters.modelIds) },
      leaderboard: leaderboardFor(db, o),
    });
    const cardTmp = tempName(req.outDir, 'README.md', req.exportId);
    temps.push(cardTmp);
    fs.writeFileSync(cardTmp, card);
    if (hooks.cancelled()) throw cancelledError();
    // Everything is complete: move it into place.
    for (const split of splits) fs.renameSync(tempName(req.outDir, `${split}.${ext}`, req.exportId), path.join(req.outDir, `${split}.${ext}`));
    fs.renameSync(cardTmp, path.join(req.outDir, 'README.md'));
    files.push({ path: path.join(req.outDir, 'README.md'), split: null, rows: 0, bytes: Buffer.byteLength(card) });
    report('done');
    return { exportId: req.exportId, dir: req.outDir, files, counts, style, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    for (const s of sinks.values()) s.abort();
    for (const t of temps) fs.rmSync(t, { force: true });
    throw error;
  }
}
