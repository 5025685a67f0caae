import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../contract/result';
import type { PackInfo, PackMergeReport, PackExportResult } from '../../contract/packs';
import { openReader, type ReadableDB, type WritableDB } from '../../db/handles';
import { getMeta, setMeta } from '../../db/meta';
import { LATEST_SCHEMA_VERSION, ASSAY_APPLICATION_ID } from '../../db/migrate';
import {
  LABEL_TABLES,
  PACK_BLOCK,
  classesAbove,
  columnsOf,
  copyIntoPack,
  correctionsOf,
  foreignLabelReviewers,
  inserter,
  labelSummary,
  labelledInPack,
  largestLabelTable,
  liveClassNamed,
  liveLabels,
  superseded,
  maxClassId,
  mergedPack,
  packIdBase,
  packRows,
  packSwaps,
  putSwap,
  recordPackMerge,
  renumberCorrections,
  sessionExists,
  shippedDigests,
  supersede,
  swapOf,
  type MergeCandidate,
  type SwapRow,
} from '../../db/packs';
import { getReviewer } from '../../db/review';
import { openWorkspace } from '../workspace/workspace';
import { agreementAtMerge, MergedLabels } from './merge-agreement';
import { sessionItemsForPack } from './session-items';

/**
 * Offline review packs: `exportPack` writes a workspace file for one reviewer with the items, the
 * rubric, the guidelines and the taxonomy; the reviewer opens it in Assay (no network), labels, and
 * returns it; `mergePacks` brings the labels back in one transaction.
 *
 * Merge rules (the same whatever the order packs are merged in, in one call or several):
 * - every label row of a pack goes to the pack's id block (`packIdBase(seq) + its id in the pack`),
 *   with its ratings, tags, steps, ranks and history; a pack already merged adds nothing;
 * - conflict: when the item already has a live label by that reviewer (in the workspace, or from
 *   another pack) the live one is the newest by `updated_at`; on a tie the workspace's own label,
 *   then the later-exported pack. The other stays as a soft-deleted row (deleted_at = its own
 *   updated_at, listed in pack_superseded) with its whole history, and the report lists it;
 * - a failure class made in the pack maps by name (and parent) to the workspace's live class; one
 *   the workspace lacks refuses the pack, saying to add the class first. Shipped rows (items,
 *   guidelines, rubric, taxonomy) are covered by the checksum: any change refuses the pack.
 */

export interface PackRecord {
  format: 'assay-pack';
  packId: string;
  packSeq: number;
  sourceWorkspaceId: string;
  sourceName: string;
  reviewerId: number;
  reviewerName: string;
  schemaVersion: number;
  createdAt: number;
  generationIds: number[];
  taskIds: number[];
  maxClassId: number;
  /** The review session the items came from (shipped in the pack with only this reviewer), if any. */
  sessionId: number | null;
  sessionName: string | null;
  /** Who exported it (display only: "send this file back to …"; not in the checksum). */
  sentBy?: string | null;
  /** sha256 over the record (without this field) and the shipped rows' digests. */
  checksum: string;
}

export const PACK_META_KEY = 'pack';

export function workspaceId(db: ReadableDB): string {
  const id = getMeta(db, 'workspace_id');
  if (!id) throw new AppError('internal', 'This workspace has no id; open it once with this Assay to give it one.');
  return id;
}

function checksumOf(record: Omit<PackRecord, 'checksum'>, digests: Record<string, string>): string {
  const { format, packId, packSeq, sourceWorkspaceId, sourceName, reviewerId, reviewerName, schemaVersion, createdAt, generationIds, taskIds, maxClassId, sessionId, sessionName } = record;
  const canonical = JSON.stringify({ format, packId, packSeq, sourceWorkspaceId, sourceName, reviewerId, reviewerName, schemaVersion, createdAt, generationIds, taskIds, maxClassId, sessionId, sessionName, digests });
  return createHash('sha256').update(canonical).digest('hex');
}

export function readPackRecord(db: ReadableDB): PackRecord | null {
  const raw = getMeta(db, PACK_META_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as PackRecord;
  } catch {
    return null;
  }
}

export function packInfo(db: ReadableDB): Omit<PackInfo, 'refused'> | null {
  const r = readPackRecord(db);
  if (!r) return null;
  return {
    packId: r.packId,
    reviewerId: r.reviewerId,
    reviewerName: r.reviewerName,
    sourceName: r.sourceName,
    sessionId: r.sessionId ?? null,
    sessionName: r.sessionName ?? null,
    items: r.generationIds.length + r.taskIds.length,
    generations: r.generationIds.length,
    tasks: r.taskIds.length,
    labelled: labelledInPack(db, r.reviewerId),
    sentBy: r.sentBy ?? null,
    createdAt: r.createdAt,
  };
}

export interface PackRequest {
  reviewerId: number;
  /** A review session: the items it would give the reviewer (reserved for holdDays), added to the lists. */
  sessionId?: number;
  generationIds: number[];
  taskIds: number[];
  limit?: number;
  holdDays: number;
  /** Where to write; relative to the workspace's folder; null: packs/<workspace>-<reviewer>-<n>.assay there. */
  outFile: string | null;
  /** Who sends it (a reviewer id): shown in the pack as whom to return it to. */
  senderId?: number;
  now?: number;
}

const slug = (s: string) => s.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'reviewer';

export function exportPack(source: { file: string; name: string; writer: WritableDB }, input: PackRequest): PackExportResult {
  const reviewer = getReviewer(source.writer, input.reviewerId);
  if (!reviewer) throw new AppError('not_found', `No reviewer ${input.reviewerId}; create the reviewer first (Review › Who is reviewing?).`);
  const sender = input.senderId === undefined ? null : getReviewer(source.writer, input.senderId);
  if (input.senderId !== undefined && !sender) throw new AppError('not_found', `No reviewer ${input.senderId} to send the pack from.`);
  if (readPackRecord(source.writer)) throw new AppError('conflict', 'This workspace is itself a review pack; export packs from the workspace it came from.');
  const now = input.now ?? Date.now();
  const dir = path.dirname(source.file);
  // One transaction in the source: the pack number, the session's reservations; a failure leaves neither.
  return source.writer.transaction((): PackExportResult => {
    const fromSession =
      input.sessionId === undefined ? null : sessionItemsForPack(source.writer, { sessionId: input.sessionId, reviewerId: reviewer.id, limit: input.limit, holdDays: input.holdDays, now });
    const generationIds = [...new Set([...(fromSession?.generationIds ?? []), ...input.generationIds])].sort((a, b) => a - b);
    const taskIds = [...new Set([...(fromSession?.taskIds ?? []), ...input.taskIds])].sort((a, b) => a - b);
    if (generationIds.length + taskIds.length === 0) throw new AppError('invalid_input', 'A pack needs at least one item: pick a review session, or pass generation ids or comparison task ids.');
    const missingG = generationIds.filter((id) => !source.writer.prepare('SELECT 1 FROM generations WHERE id = ?').get(id));
    const missingT = taskIds.filter((id) => !source.writer.prepare('SELECT 1 FROM comparison_tasks WHERE id = ?').get(id));
    if (missingG.length || missingT.length) {
      throw new AppError('not_found', `Not in this workspace: ${missingG.map((g) => `generation ${g}`).concat(missingT.map((t) => `task ${t}`)).slice(0, 5).join(', ')}. Nothing was written.`);
    }
    // The pack's id block: the next sequence number, taken in the source, so two exports never share one.
    const seq = Number(getMeta(source.writer, 'packs_exported') ?? '0') + 1;
    setMeta(source.writer, 'packs_exported', String(seq));
    const out = path.resolve(dir, input.outFile ?? path.join('packs', `${slug(source.name)}-${slug(reviewer.name)}-${seq}.assay`));
    if (fs.existsSync(out)) throw new AppError('conflict', `${out} already exists; choose another file name (a pack is never written over a file).`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const partial = `${out}.partial-${process.pid}`;
    fs.rmSync(partial, { force: true });
    try {
      const pack = openWorkspace(partial);
      try {
        copyIntoPack(pack.writer, source.file, { generationIds, taskIds }, reviewer.id, fromSession?.sessionId ?? null);
        const base: Omit<PackRecord, 'checksum'> = {
          format: 'assay-pack',
          packId: randomUUID(),
          packSeq: seq,
          sourceWorkspaceId: workspaceId(source.writer),
          sourceName: source.name,
          reviewerId: reviewer.id,
          reviewerName: reviewer.name,
          schemaVersion: LATEST_SCHEMA_VERSION,
          createdAt: now,
          generationIds,
          taskIds,
          maxClassId: maxClassId(pack.writer),
          sessionId: fromSession?.sessionId ?? null,
          sessionName: fromSession?.sessionName ?? null,
        };
        const digests = shippedDigests(pack.writer, { maxClassId: base.maxClassId, reviewerId: reviewer.id });
        const record: PackRecord = { ...base, checksum: checksumOf(base, digests), sentBy: sender?.name ?? null };
        setMeta(pack.writer, PACK_META_KEY, JSON.stringify(record));
        pack.writer.pragma('wal_checkpoint(TRUNCATE)');
        pack.writer.pragma('journal_mode = DELETE');
        pack.close();
        fs.renameSync(partial, out);
        return {
          file: out,
          packId: record.packId,
          reviewerId: reviewer.id,
          reviewerName: reviewer.name,
          sessionId: record.sessionId,
          generations: generationIds.length,
          tasks: taskIds.length,
          gold: fromSession?.gold ?? 0,
          reservedUntil: fromSession ? now + input.holdDays * 86_400_000 : null,
          bytes: fs.statSync(out).size,
        };
      } catch (error) {
        pack.close();
        throw error;
      }
    } finally {
      for (const f of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) fs.rmSync(f, { force: true });
    }
  })();
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

interface CheckedPack {
  file: string;
  record: PackRecord;
  db: ReadableDB;
  classMap: Map<number, number>;
}

/** A pack refused whole: why, and what to do about it. */
export interface PackRefusal {
  file: string;
  reason: string;
  action: string;
}

class RefusedPack extends Error {
  constructor(readonly refusal: PackRefusal) {
    super(`${refusal.file} was refused: ${refusal.reason} ${refusal.action}`);
  }
}

let displayNames = new Map<string, string>();
function refuse(file: string, why: string, what: string): never {
  throw new RefusedPack({ file: displayNames.get(file) ?? path.basename(file), reason: why, action: what });
}

/** Every check a pack must pass before anything is written; returns it open read-only. */
export function checkPack(target: ReadableDB, file: string): CheckedPack {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    head = Buffer.alloc(100);
    fs.readSync(fd, head, 0, 100, 0);
    fs.closeSync(fd);
  } catch (error) {
    return refuse(file, `it cannot be read (${(error as Error).message}).`, 'Check the path.');
  }
  if (!head.subarray(0, 16).equals(SQLITE_HEADER)) refuse(file, 'it is not an SQLite file (truncated or not a pack).', 'Ask the reviewer for the file again.');
  const pageSize = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
  const pages = head.readUInt32BE(28);
  if (fs.statSync(file).size < pageSize * pages) refuse(file, 'the file is truncated (shorter than its header says).', 'Ask the reviewer for the whole file again.');
  let db: ReadableDB;
  try {
    db = openReader(file);
  } catch (error) {
    return refuse(file, `it cannot be opened (${(error as Error).message}).`, 'Ask the reviewer for the file again.');
  }
  try {
    if ((db.pragma('application_id', { simple: true }) as number) !== ASSAY_APPLICATION_ID) refuse(file, 'it is not an Assay file.', 'Merge a pack exported by Assay.');
    const record = readPackRecord(db);
    if (!record || record.format !== 'assay-pack') refuse(file, 'it is an Assay workspace but not a review pack.', 'Merge the pack file the reviewer returned.');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (record.schemaVersion !== LATEST_SCHEMA_VERSION || version !== LATEST_SCHEMA_VERSION) {
      refuse(file, `it has schema version ${version} (made as v${record.schemaVersion}); this workspace is v${LATEST_SCHEMA_VERSION}.`, 'Merge it with the Assay version that exported it, or export a new pack.');
    }
    const here = workspaceId(target);
    if (record.sourceWorkspaceId !== here) refuse(file, `it was exported from another workspace ("${record.sourceName}", id ${record.sourceWorkspaceId}).`, 'Merge it into the workspace it came from.');
    const { checksum, ...rest } = record;
    const digests = shippedDigests(db, { maxClassId: record.maxClassId, reviewerId: record.reviewerId });
    if (checksumOf(rest, digests) !== checksum) {
      refuse(file, 'its checksum does not match: the items, guidelines, rubric or taxonomy it shipped with were changed after export.', 'Ask the reviewer for the original file, or export a new pack.');
    }
    const others = foreignLabelReviewers(db, record.reviewerId);
    if (others.length > 0) refuse(file, `it holds labels of reviewer ${others[0]}, not only of ${record.reviewerName}.`, 'A pack carries one reviewer\'s labels; ask for the original file.');
    if (!getReviewer(target, record.reviewerId)) refuse(file, `its reviewer ${record.reviewerName} is not in this workspace.`, 'Merge it into the workspace it came from.');
    // Classes made offline map by name to the workspace's live classes.
    const classMap = new Map<number, number>();
    for (const c of classesAbove(db, record.maxClassId)) {
      const parent = c.parent_id === null ? null : c.parent_id <= record.maxClassId ? c.parent_id : (classMap.get(c.parent_id) ?? -1);
      const mapped = parent === -1 ? null : liveClassNamed(target, parent, c.name);
      if (mapped === null) {
        refuse(file, `the reviewer made the failure class "${c.name}" offline and this workspace has no live class of that name.`, `Add "${c.name}" in Taxonomy (or rename a class to it), then merge again: its tags will go to that class.`);
      }
      classMap.set(c.id, mapped);
    }
    if (largestLabelTable(db) >= PACK_BLOCK) refuse(file, 'it holds more labels than a pack may.', 'Split the work into several packs.');
    return { file, record, db, classMap };
  } catch (error) {
    db.close();
    if (isDamage(error)) refuse(file, `it is damaged (${(error as Error).message}).`, DAMAGED);
    throw error;
  }
}

const DAMAGED = 'Ask the reviewer for the file again (copy it once Assay has closed it).';

/**
 * SQLite's word for a damaged file. There is no separate integrity_check pass: every page a merge
 * uses is read (the shipped rows by the checksum, the label rows by the merge), and a damaged one
 * fails the read, which refuses the pack inside the one transaction (nothing written).
 */
function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || code === 'SQLITE_IOERR_SHORT_READ');
}

export interface MergeHooks {
  onProgress?: (p: { phase: 'checking' | 'merging' | 'agreement' | 'done'; done: number; total: number; pack: string }) => void;
  /** Called inside the transaction after each pack's rows are written (the SIGKILL test waits here). */
  afterPackWritten?: (file: string) => void;
}

/** A pack to merge: a path on this machine, and the name to show (an upload's original name). */
export type PackSource = string | { path: string; name: string };

type Conflict = PackMergeReport['conflicts'][number];
type Side = Conflict['incoming'];

const RULES = {
  review:
    'a submitted label beats a draft; otherwise the newer (updated_at) is live; a tie keeps the workspace’s own, then the later-exported pack’s. The other stays in the item’s history (soft-deleted, with its ratings, tags, steps and revisions)',
  compare: 'the newer (updated_at) is live; a tie keeps the workspace’s own, then the later-exported pack’s. The other stays in the item’s history (soft-deleted, with its ranks and revisions)',
  correction: 'every correction is kept as a version, numbered by time; the newest is the output’s correction',
  swap: 'the earlier swapped re-show counts (the first answer to a re-show); the other is left out',
} as const;

/**
 * Merges packs into `target` in one transaction: all of them, or (on any refusal) none. Every pack
 * is checked first; all refusals are reported together (AppError details.refusals).
 */
export function mergePacks(target: WritableDB, files: readonly PackSource[], hooks: MergeHooks = {}): PackMergeReport {
  const started = performance.now();
  const checked: CheckedPack[] = [];
  const sources = files.map((f) => (typeof f === 'string' ? { path: path.resolve(f), name: path.basename(f) } : { path: path.resolve(f.path), name: f.name }));
  displayNames = new Map(sources.map((f) => [f.path, f.name]));
  const nameOf = (file: string) => displayNames.get(file) ?? path.basename(file);
  try {
    const refusals: PackRefusal[] = [];
    sources.forEach((f, i) => {
      hooks.onProgress?.({ phase: 'checking', done: i, total: sources.length, pack: f.name });
      try {
        checked.push(checkPack(target, f.path));
      } catch (error) {
        if (error instanceof RefusedPack) refusals.push(error.refusal);
        else throw error;
      }
    });
    const seen = new Map<string, string>();
    for (const c of checked) {
      const other = seen.get(c.record.packId);
      if (other) refusals.push({ file: nameOf(c.file), reason: `it is the same pack as ${nameOf(other)} (id ${c.record.packId}).`, action: 'Merge one of the two files.' });
      seen.set(c.record.packId, c.file);
    }
    if (refusals.length > 0) {
      const first = refusals[0]!;
      throw new AppError(
        'invalid_input',
        `${refusals.length === 1 ? `${first.file} was refused` : `${refusals.length} of ${sources.length} packs were refused`} and nothing was merged: ${first.reason} ${first.action}`,
        { refusals },
      );
    }
    // A canonical order inside one call; the rules make the result the same for any order anyway.
    checked.sort((a, b) => a.record.packSeq - b.record.packSeq);
    const report: PackMergeReport = { packs: [], conflicts: [], agreement: [], labels: 0, added: { reviews: 0, comparisons: 0, tags: 0, steps: 0, ratings: 0, corrections: 0, swaps: 0 }, durationMs: 0 };
    const touchedGenerations = new Set<number>();
    const touchedTasks = new Set<number>();
    const reviewerNames = new Map<number, string>();
    const colsByTable = new Map(LABEL_TABLES.map((t) => [t.name, columnsOf(target, t.name)]));
    const statements = new Map(LABEL_TABLES.map((t) => [t.name, inserter(target, t.name, colsByTable.get(t.name)!)]));
    const corrected = new Set<number>();
    // Every label row as written, for agreement at merge (merge-agreement.ts).
    const held = new MergedLabels();
    const holders = new Map(LABEL_TABLES.map((t) => [t.name, held.holder(t.name, colsByTable.get(t.name)!)]));
    target.transaction(() => {
      checked.forEach((c, i) => {
        try {
          mergeOne(c, i);
        } catch (error) {
          if (!isDamage(error)) throw error;
          const refusal: PackRefusal = { file: nameOf(c.file), reason: `it is damaged (${(error as Error).message}).`, action: DAMAGED };
          throw new AppError('invalid_input', `${refusal.file} was refused and nothing was merged: ${refusal.reason} ${refusal.action}`, { refusals: [refusal] });
        }
      });
      renumberCorrections(target, corrected);
    })();
    hooks.onProgress?.({ phase: 'agreement', done: checked.length, total: checked.length, pack: '' });
    held.exact = [...statements.values()].every((w) => w.written === w.added);
    report.agreement = agreementAtMerge(target, [...touchedGenerations], [...touchedTasks], held);
    report.durationMs = Math.round(performance.now() - started);
    hooks.onProgress?.({ phase: 'done', done: checked.length, total: checked.length, pack: '' });
    return report;

    function mergeOne(c: CheckedPack, i: number): void {
      hooks.onProgress?.({ phase: 'merging', done: i, total: checked.length, pack: nameOf(c.file) });
      const r = c.record;
      reviewerNames.set(r.reviewerId, r.reviewerName);
      if (mergedPack(target, r.packId)) {
        report.packs.push({ file: nameOf(c.file), packId: r.packId, reviewerName: r.reviewerName, labels: 0, alreadyMerged: true });
        return;
      }
      const base = packIdBase(r.packSeq);
      held.blockOf(base);
      const conflicted: { cand: MergeCandidate; live: MergeCandidate; candWins: boolean }[] = [];
      const packCorrections: { id: number; generation: number }[] = [];
      const packCorrectionIds = new Set<number>();
      let labels = 0;
      for (const t of LABEL_TABLES) {
        const cols = colsByTable.get(t.name)!;
        const idx = t.ids.map((name) => cols.indexOf(name));
        const classIdx = t.name === 'failure_tags' ? cols.indexOf('class_id') : -1;
        const deletedIdx = cols.indexOf('deleted_at');
        const updatedIdx = cols.indexOf('updated_at');
        const itemIdx = cols.indexOf(t.name === 'reviews' || t.name === 'corrections' ? 'generation_id' : 'task_id');
        const reviewerIdx = cols.indexOf('reviewer_id');
        const statusIdx = t.name === 'reviews' ? cols.indexOf('status') : -1;
        const versionIdx = t.name === 'corrections' ? cols.indexOf('version') : -1;
        const isLabel = t.name === 'reviews' || t.name === 'comparison_labels';
        const ins = statements.get(t.name)!;
        const hold = holders.get(t.name)!;
        // The reviewer's live labels of this kind, read once per pack (a pack holds one reviewer's labels).
        const liveByItem = isLabel ? liveLabels(target, t.name === 'reviews' ? 'review' : 'compare', r.reviewerId) : null;
        let rows = 0;
        for (const row of packRows(c.db, t.name, cols)) {
          rows++;
          for (let j = 0; j < idx.length; j++) {
            const k = idx[j]!;
            if (row[k] !== null) row[k] = base + (row[k] as number);
          }
          if (classIdx >= 0 && (row[classIdx] as number) > r.maxClassId) row[classIdx] = c.classMap.get(row[classIdx] as number)!;
          if (versionIdx >= 0) {
            // Unique for now; renumberCorrections gives the final numbers.
            row[versionIdx] = base + (row[versionIdx] as number);
            packCorrections.push({ id: row[idx[0]!] as number, generation: row[itemIdx] as number });
            packCorrectionIds.add(row[idx[0]!] as number);
          }
          if (isLabel) {
            labels++;
            if (row[deletedIdx] === null) {
              // Resolved as it is written: live when the item has no live label by this reviewer,
              // otherwise by the rule (the loser is kept soft-deleted, deleted_at = its updated_at).
              const cand: MergeCandidate = {
                kind: t.name === 'reviews' ? 'review' : 'compare',
                id: row[idx[0]!] as number,
                item: row[itemIdx] as number,
                reviewer: row[reviewerIdx] as number,
                updated_at: row[updatedIdx] as number,
                submitted: statusIdx < 0 || row[statusIdx] === 'submitted',
              };
              (cand.kind === 'review' ? touchedGenerations : touchedTasks).add(cand.item);
              const live = liveByItem!.get(cand.item);
              if (!live) liveByItem!.set(cand.item, cand);
              else {
                // The rows held so far are written first: the live one may be among them.
                ins.flush();
                const candWins = wins(cand, live);
                if (candWins) {
                  supersede(target, live.kind, live.id);
                  held.superseded[live.kind].add(live.id);
                  liveByItem!.set(cand.item, cand);
                } else {
                  row[deletedIdx] = row[updatedIdx];
                  superseded(target, cand.kind, cand.id);
                }
                conflicted.push({ cand, live, candWins });
              }
            }
          }
          ins.add(row);
          hold?.(row);
        }
        ins.flush();
        const key = ({ reviews: 'reviews', comparison_labels: 'comparisons', failure_tags: 'tags', thinkaloud_steps: 'steps', review_ratings: 'ratings', corrections: 'corrections' } as const)[
          t.name as 'reviews'
        ];
        if (key) report.added[key] += rows;
      }
      const side = (kind: 'review' | 'compare', id: number, incoming: boolean): Side => {
        const l = labelSummary(target, kind, id);
        return { labelId: id, from: incoming ? 'pack' : id < 2 ** 40 ? 'workspace' : 'earlier pack', updatedAt: l.updatedAt, summary: l.summary };
      };
      // Both sides summed up once the pack's ratings, tags, steps and ranks are in.
      for (const { cand, live, candWins } of conflicted) {
        report.conflicts.push({
          kind: cand.kind,
          itemId: cand.item,
          reviewerId: cand.reviewer,
          reviewerName: r.reviewerName,
          pack: nameOf(c.file),
          live: candWins ? 'incoming' : 'existing',
          incoming: side(cand.kind, cand.id, true),
          existing: side(live.kind, live.id, false),
          rule: RULES[cand.kind],
        });
      }
      // Corrections: a conflict when the output already had a different correction.
      for (const pc of packCorrections) {
        corrected.add(pc.generation);
        touchedGenerations.add(pc.generation);
        const all = correctionsOf(target, pc.generation);
        const mine = all.find((x) => x.id === pc.id)!;
        const others = all.filter((x) => !packCorrectionIds.has(x.id) && x.text !== mine.text);
        if (others.length === 0) continue;
        const newestOther = others.reduce((a, b) => (b.created_at > a.created_at || (b.created_at === a.created_at && b.id > a.id) ? b : a));
        const incomingNewer = mine.created_at > newestOther.created_at || (mine.created_at === newestOther.created_at && mine.id > newestOther.id);
        const cut = (t: string) => (t.length > 60 ? `${t.slice(0, 60)}…` : t);
        report.conflicts.push({
          kind: 'correction',
          itemId: pc.generation,
          reviewerId: r.reviewerId,
          reviewerName: r.reviewerName,
          pack: nameOf(c.file),
          live: incomingNewer ? 'incoming' : 'existing',
          incoming: { labelId: mine.id, from: 'pack', updatedAt: mine.created_at, summary: cut(mine.text) },
          existing: { labelId: newestOther.id, from: newestOther.id < 2 ** 40 ? 'workspace' : 'earlier pack', updatedAt: newestOther.created_at, summary: cut(newestOther.text) },
          rule: RULES.correction,
        });
      }
      // Swapped re-shows made in the pack's session.
      for (const sw of packSwaps(c.db)) {
        if (!sessionExists(target, sw.session_id)) continue;
        const had = swapOf(target, sw);
        if (!had) {
          putSwap(target, sw);
          report.added.swaps++;
          continue;
        }
        if (sameSwap(had, sw)) continue;
        const incomingFirst = swapKey(sw) < swapKey(had);
        if (incomingFirst) putSwap(target, sw);
        if (incomingFirst) report.added.swaps++;
        report.conflicts.push({
          kind: 'swap',
          itemId: sw.task_id,
          reviewerId: sw.reviewer_id,
          reviewerName: r.reviewerName,
          pack: nameOf(c.file),
          live: incomingFirst ? 'incoming' : 'existing',
          incoming: { labelId: null, from: 'pack', updatedAt: sw.created_at, summary: `re-show: ${sw.choice}` },
          existing: { labelId: null, from: 'workspace', updatedAt: had.created_at, summary: `re-show: ${had.choice}` },
          rule: RULES.swap,
        });
      }
      recordPackMerge(target, { packId: r.packId, seq: r.packSeq, reviewerId: r.reviewerId, checksum: r.checksum, labels });
      report.packs.push({ file: nameOf(c.file), packId: r.packId, reviewerName: r.reviewerName, labels, alreadyMerged: false });
      report.labels += labels;
      hooks.afterPackWritten?.(c.file);
    }
  } finally {
    for (const c of checked) c.db.close();
    displayNames = new Map();
  }
}

/** Whether `cand` should be live instead of `live` (a total order, so the result is the same in any merge order). */
function wins(cand: MergeCandidate, live: MergeCandidate): boolean {
  const rank = (x: MergeCandidate) => [x.submitted ? 1 : 0, x.updated_at, x.id < 2 ** 40 ? 1 : 0, x.id] as const;
  const [a, b] = [rank(cand), rank(live)];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

const swapKey = (s: SwapRow) => JSON.stringify([String(s.created_at).padStart(16, '0'), s.choice, s.strength ?? '', s.rationale, String(s.time_spent_ms).padStart(16, '0')]);
const sameSwap = (a: SwapRow, b: SwapRow) => swapKey(a) === swapKey(b);
