import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportOptions, type ExportReport } from '../contract/datasets';
import { runExport } from '../core/datasets/export/run';
import { Engine } from '../core/engine';
import { exportPack, mergePacks } from '../core/packs/service';
import { openWorkspace, type Workspace } from '../core/workspace/workspace';
import { openReader } from '../db/handles';
import { cleanupAll, tempDir, unwrap } from './helpers';

afterAll(cleanupAll);

const now = Date.UTC(2024, 0, 1);
let dir: string;
let baseFile: string;
let ada = 0;
let bo = 0;
const gens: number[] = [];
const tasks: number[] = [];
let third = 0;
let rankTask = 0;

/** A workspace with 6 outputs, 3 pair tasks and two reviewers, written straight in SQL. */
function buildBase(file: string): void {
  gens.length = 0;
  tasks.length = 0;
  const ws = openWorkspace(file);
  const w = ws.writer;
  w.transaction(() => {
    ada = Number(w.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('Ada', 'sme', ?)").run(now).lastInsertRowid);
    bo = Number(w.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('Bo', 'sme', ?)").run(now).lastInsertRowid);
    w.prepare("INSERT INTO models (name, kind, base_url, remote_model, created_at) VALUES ('m', 'openai', 'http://x', 'm', ?)").run(now);
    for (let p = 0; p < 3; p++) {
      const seq = Number(w.prepare('INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES (?, ?, ?, ?)').run(`p${p}`, `Prompt ${p}`, now, now).lastInsertRowid);
      const gen = (out: string) =>
        Number(
          w
            .prepare(
              `INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version, model_name, sampling, started_at, finished_at, source, created_at)
               VALUES (?, 1, 'raw', '{"mode":"raw","text":"p"}', 'p', ?, 'stop', 'openai', 't', 'm', '{}', ?, ?, 'batch', ?)`,
            )
            .run(seq, out, now, now, now).lastInsertRowid,
        );
      const a = gen(`yes ${p}`);
      const b = gen(`no ${p}`);
      gens.push(a, b);
      const task = Number(w.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'pair', 'all-pairs', 0, ?, ?)").run(seq, `${a},${b}`, now).lastInsertRowid);
      w.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 0, ?), (?, 1, ?)').run(task, a, task, b);
      tasks.push(task);
      if (p === 0) {
        const c = gen('maybe 0');
        third = c;
        rankTask = Number(w.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'rank', 'all-pairs', 0, ?, ?)").run(seq, `${a},${b},${c}`, now).lastInsertRowid);
        w.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 0, ?), (?, 1, ?), (?, 2, ?)').run(rankTask, a, rankTask, b, rankTask, c);
      }
    }
  })();
  ws.close();
}

function copyOf(file: string, name: string): string {
  const out = path.join(tempDir('assay-packs-copy-'), name);
  fs.copyFileSync(file, out);
  return out;
}

/** Exports a pack from `source` (a copy of the base, so every pack comes from the same workspace). */
function makePack(source: string, reviewerId: number, name: string): string {
  const ws = openWorkspace(source);
  try {
    return exportPack(ws, { reviewerId, generationIds: [...gens, third], taskIds: [...tasks, rankTask], holdDays: 14, outFile: path.join(dir, name) }).file;
  } finally {
    ws.close();
  }
}

type Step =
  | { gen: [number, 'good' | 'bad']; draft?: boolean; rating?: number; span?: [number, number]; step?: string; comment?: string }
  | { task: [number, 'A' | 'B' | 'tie' | 'both_bad']; strength?: 'clearly' }
  | { rank: number[][] }
  | { correct: [number, string] };

/** Labels through the engine, as the UI would: verdicts with ratings, span tags, steps; choices, rankings, corrections. */
async function labelWith(engine: Engine, reviewerId: number, labels: Step[]): Promise<void> {
  for (const l of labels) {
    if ('gen' in l) {
      const [generationId, verdict] = l.gen;
      unwrap(await engine.call('review.save', { generationId, reviewerId, verdict, submit: !l.draft, ratings: l.rating ? { '1': l.rating } : {}, comment: l.comment ?? '', addTimeSpentMs: 5 }));
      if (l.span) {
        const tagged = unwrap(await engine.call('review.addTag', { generationId, reviewerId, classId: 1, span: { start: l.span[0], end: l.span[1] }, note: 'offline' }));
        if (l.step) unwrap(await engine.call('review.saveStep', { generationId, reviewerId, body: l.step, tagId: tagged.tags.at(-1)!.id }));
      } else if (l.step) unwrap(await engine.call('review.saveStep', { generationId, reviewerId, body: l.step }));
    }
    if ('task' in l) unwrap(await engine.call('comparisons.label', { taskId: l.task[0], reviewerId, choice: l.task[1], strength: l.strength ?? null, rationale: 'why', addTimeSpentMs: 5 }));
    if ('rank' in l) unwrap(await engine.call('comparisons.label', { taskId: rankTask, reviewerId, ranking: l.rank, addTimeSpentMs: 5 }));
    if ('correct' in l) unwrap(await engine.call('corrections.save', { generationId: l.correct[0], reviewerId, text: l.correct[1] }));
    await new Promise((r) => setTimeout(r, 3));
  }
}

/** Opens a pack as a workspace and labels in it through the engine. */
async function labelIn(pack: string, reviewerId: number, labels: Step[]): Promise<void> {
  const ws = openWorkspace(pack);
  const engine = new Engine(ws, { shell: 'browser', runJobs: false });
  try {
    await labelWith(engine, reviewerId, labels);
  } finally {
    await engine.close();
  }
}

function fullExport(file: string): string {
  const db = openReader(file);
  try {
    const out = tempDir('assay-packs-full-');
    runExport(db, { mode: 'write', exportId: 'f', options: ExportOptions.parse({ format: 'full' }), outDir: out }) as ExportReport;
    return fs.readFileSync(path.join(out, 'assay-full.jsonl'), 'utf8');
  } finally {
    db.close();
  }
}

function mergeInto(file: string, packs: string[]) {
  const ws: Workspace = openWorkspace(file);
  try {
    return mergePacks(ws.writer, packs);
  } finally {
    ws.close();
  }
}

let source: string;
let packAda1: string;
let packAda2: string;
let packBo: string;

beforeAll(async () => {
  dir = tempDir('assay-packs-');
  baseFile = path.join(dir, 'base.assay');
  buildBase(baseFile);
  source = copyOf(baseFile, 'source.assay');
  packAda1 = makePack(source, ada, 'ada-1.assay');
  packAda2 = makePack(source, ada, 'ada-2.assay');
  packBo = makePack(source, bo, 'bo.assay');
  // Every kind of label. Ada labels gens[0], task 0 and the ranking in both of her packs (conflicts:
  // the newer is live), and gens[1] submitted in pack 1 but only as a newer draft in pack 2 (the
  // submitted one stays live). Bo labels the same items; both correct gens[1].
  await labelIn(packAda1, ada, [
    { gen: [gens[0]!, 'good'], rating: 4, span: [0, 3], step: 'the first word is right' },
    { task: [tasks[0]!, 'A'], strength: 'clearly' },
    { gen: [gens[1]!, 'bad'], comment: 'wrong' },
    { rank: [[2], [0, 1]] },
    { correct: [gens[1]!, 'yes 0, fixed by Ada'] },
  ]);
  await labelIn(packAda2, ada, [{ gen: [gens[0]!, 'bad'], rating: 2 }, { task: [tasks[0]!, 'B'] }, { rank: [[0], [1], [2]] }, { gen: [gens[1]!, 'good'], draft: true }]);
  await labelIn(packBo, bo, [
    { gen: [gens[0]!, 'good'], rating: 5, span: [1, 3] },
    { task: [tasks[0]!, 'A'] },
    { gen: [gens[1]!, 'bad'], step: 'no' },
    { rank: [[2], [0], [1]] },
    { task: [tasks[1]!, 'both_bad'] },
    { correct: [gens[1]!, 'yes 0, fixed by Bo'] },
  ]);
}, 60_000);

describe('pack file', () => {
  it('is a workspace that says what it is and refuses writes other than reviewing', async () => {
    const ws = openWorkspace(copyOf(packBo, 'p.assay'));
    const engine = new Engine(ws, { shell: 'browser', runJobs: false });
    try {
      const info = unwrap(await engine.call('workspace.info', {}));
      expect(info.pack).toMatchObject({ reviewerName: 'Bo', sourceName: 'source', items: 11 });
      const refused = await engine.call('guidelines.save', { body: 'changed', reviewerId: bo });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.message).toMatch(/review pack for Bo/);
      const reviewers = unwrap(await engine.call('reviewers.list', {}));
      expect(reviewers.map((r) => r.name)).toEqual(['Bo']);
    } finally {
      await engine.close();
    }
  });
});

describe('merge', () => {
  it('brings every kind of label back, keeps both sides of a conflict, reports it, and computes agreement', () => {
    const target = copyOf(source, 't.assay');
    const report = mergeInto(target, [packAda1, packAda2, packBo]);
    expect(report.labels).toBe(4 + 4 + 5);
    expect(report.added).toMatchObject({ reviews: 2 + 2 + 2, comparisons: 2 + 2 + 3, tags: 2, steps: 2, ratings: 1 + 1 + 1, corrections: 2 });
    // Ada's two packs disagree on gens[0], task 0, the ranking, and gens[1] (a newer draft).
    const ada2 = path.basename(packAda2);
    const byKind = (k: string, item: number) => report.conflicts.filter((c) => c.kind === k && c.itemId === item && c.reviewerName === 'Ada');
    expect(byKind('review', gens[0]!)).toMatchObject([{ live: 'incoming', pack: ada2, incoming: { summary: expect.stringMatching(/^submitted · bad/) }, existing: { from: 'earlier pack', summary: expect.stringMatching(/^submitted · good · 1 rating · 1 tag · 1 step/) } }]);
    expect(byKind('review', gens[1]!)).toMatchObject([{ live: 'existing', incoming: { summary: expect.stringMatching(/^draft/) } }]);
    expect(byKind('compare', tasks[0]!)).toMatchObject([{ live: 'incoming', incoming: { summary: 'B' }, existing: { summary: 'A (clearly)' } }]);
    expect(byKind('compare', rankTask)).toMatchObject([{ live: 'incoming', incoming: { summary: 'ranking A > B > C' }, existing: { summary: 'ranking C > A=B' } }]);
    // Two reviewers corrected gens[1]: both versions kept, the newer (Bo's) is the output's correction.
    expect(report.conflicts.filter((c) => c.kind === 'correction')).toMatchObject([{ itemId: gens[1], live: 'incoming', reviewerName: 'Bo' }]);
    expect(report.conflicts).toHaveLength(5);
    const db = openReader(target);
    try {
      const live = db.prepare('SELECT verdict FROM reviews WHERE generation_id = ? AND reviewer_id = ? AND deleted_at IS NULL').pluck();
      expect(live.all(gens[0], ada)).toEqual(['bad']);
      expect(live.all(gens[1], ada)).toEqual(['bad']);
      const all = db.prepare('SELECT count(*) FROM reviews WHERE generation_id = ? AND reviewer_id = ?').pluck().get(gens[0], ada);
      expect(all).toBe(2);
      // Both revisions stay in the item's history, the older with its ratings, span tag and step.
      const history = db.prepare('SELECT count(*) FROM review_history h JOIN reviews r ON r.id = h.review_id WHERE r.generation_id = ? AND r.reviewer_id = ?').pluck().get(gens[0], ada);
      expect(history).toBe(2);
      const spans = db.prepare('SELECT t.span_start, t.span_end FROM failure_tags t JOIN reviews r ON r.id = t.review_id WHERE r.generation_id = ? ORDER BY r.reviewer_id').raw().all(gens[0]);
      expect(spans).toEqual([[0, 3], [1, 3]]);
      expect(db.prepare('SELECT count(*) FROM thinkaloud_steps s JOIN failure_tags t ON t.id = s.tag_id').pluck().get()).toBe(1);
      const ranks = db.prepare('SELECT position, rank_group FROM comparison_ranks k JOIN comparison_labels l ON l.id = k.label_id WHERE l.task_id = ? AND l.reviewer_id = ? AND l.deleted_at IS NULL ORDER BY position').raw().all(rankTask, ada);
      expect(ranks).toEqual([[0, 0], [1, 1], [2, 2]]);
      expect(db.prepare("SELECT choice FROM comparison_labels WHERE task_id = ? AND deleted_at IS NULL").pluck().all(tasks[1])).toEqual(['both_bad']);
      const corrections = db.prepare('SELECT version, text FROM corrections WHERE generation_id = ? ORDER BY version').raw().all(gens[1]);
      expect(corrections).toEqual([[1, 'yes 0, fixed by Ada'], [2, 'yes 0, fixed by Bo']]);
    } finally {
      db.close();
    }
    const verdicts = report.agreement.find((a) => a.kind === 'verdict')!;
    expect(verdicts.items).toBe(2);
    expect(report.agreement.map((a) => a.kind)).toEqual(expect.arrayContaining(['verdict', 'rating', 'spans', 'pairwise', 'ranking']));
  });

  it('a label made in the workspace after the pack was exported: the newer is live, a draft never beats a submit', async () => {
    const target = copyOf(source, 'w.assay');
    const ws = openWorkspace(target);
    const engine = new Engine(ws, { shell: 'browser', runJobs: false });
    try {
      // Made after every pack label: newer.
      await labelWith(engine, bo, [{ gen: [gens[0]!, 'bad'] }, { task: [tasks[0]!, 'B'] }]);
    } finally {
      await engine.close();
    }
    const report = mergeInto(target, [packBo]);
    const mine = report.conflicts.filter((c) => c.kind === 'review' || c.kind === 'compare');
    expect(mine.map((c) => [c.kind, c.live, c.existing.from])).toEqual([
      ['review', 'existing', 'workspace'],
      ['compare', 'existing', 'workspace'],
    ]);
    const db = openReader(target);
    try {
      expect(db.prepare('SELECT verdict FROM reviews WHERE generation_id = ? AND reviewer_id = ? AND deleted_at IS NULL').pluck().all(gens[0], bo)).toEqual(['bad']);
      expect(db.prepare('SELECT count(*) FROM reviews WHERE generation_id = ? AND reviewer_id = ?').pluck().get(gens[0], bo)).toBe(2);
    } finally {
      db.close();
    }
  });

  it('is idempotent: merging again adds nothing', () => {
    const target = copyOf(source, 't.assay');
    mergeInto(target, [packAda1, packBo]);
    const once = fullExport(target);
    const again = mergeInto(target, [packBo, packAda1]);
    expect(again.packs.every((p) => p.alreadyMerged)).toBe(true);
    expect(fullExport(target)).toBe(once);
  });

  it('property: any order and any grouping of packs gives the same full export; repeating adds nothing', () => {
    const packs = [packAda1, packAda2, packBo];
    const reference = (() => {
      const t = copyOf(source, 'ref.assay');
      mergeInto(t, packs);
      return fullExport(t);
    })();
    fc.assert(
      fc.property(
        fc.shuffledSubarray(packs, { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (order, split, repeat) => {
          const t = copyOf(source, 'prop.assay');
          mergeInto(t, order.slice(0, split));
          if (split < 3) mergeInto(t, order.slice(split));
          if (repeat) mergeInto(t, [order[0]!]);
          expect(fullExport(t)).toBe(reference);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('refusals (nothing written)', () => {
  const refusedWith = (packFile: string, pattern: RegExp) => {
    const target = copyOf(source, 'r.assay');
    const before = fullExport(target);
    expect(() => mergeInto(target, [packBo, packFile])).toThrow(pattern);
    expect(fullExport(target)).toBe(before);
  };

  it('a pack from another workspace', () => {
    const other = path.join(tempDir('assay-other-'), 'other.assay');
    buildBase(other);
    const pack = makePack(other, 2, 'from-other.assay');
    refusedWith(pack, /another workspace/);
  });

  it('another schema version', () => {
    const f = copyOf(packAda1, 'v.assay');
    const db = openWorkspace(f);
    db.writer.pragma('user_version = 10');
    db.close();
    refusedWith(f, /schema version 10/);
  });

  it('edited shipped content (bad checksum)', () => {
    const f = copyOf(packAda1, 'e.assay');
    const ws = openWorkspace(f);
    ws.writer.prepare("UPDATE generations SET output = 'edited' WHERE id = ?").run(gens[0]);
    ws.close();
    refusedWith(f, /checksum does not match/);
  });

  it('a forged checksum in the record', () => {
    const f = copyOf(packAda1, 'c.assay');
    const ws = openWorkspace(f);
    ws.writer.prepare("UPDATE workspace_meta SET value = json_set(value, '$.checksum', 'beef') WHERE key = 'pack'").run();
    ws.close();
    refusedWith(f, /checksum does not match/);
  });

  it('a truncated file and a file that is not SQLite', () => {
    const t = path.join(dir, 'trunc.assay');
    const bytes = fs.readFileSync(packAda1);
    fs.writeFileSync(t, bytes.subarray(0, Math.floor(bytes.length / 2)));
    refusedWith(t, /truncated|integrity/);
    refusedWith(path.join(dir, 'junk.assay') + (fs.writeFileSync(path.join(dir, 'junk.assay'), 'not a database at all'.repeat(20)), ''), /not an SQLite file/);
  });

  it('a damaged file (pages overwritten inside it)', () => {
    const f = copyOf(packBo, 'damaged.assay');
    const bytes = fs.readFileSync(f);
    const page = bytes.readUInt16BE(16);
    // Every page after the first two: the label tables' and the shipped rows' b-trees.
    for (let at = 2 * page; at < bytes.length; at += page) bytes.fill(0x5a, at + 8, at + page);
    fs.writeFileSync(f, bytes);
    refusedWith(f, /damaged|checksum does not match/);
  });

  it('every refused pack at once, each with its reason and what to do', () => {
    const t = copyOf(source, 'many.assay');
    const junk = path.join(dir, 'junk2.assay');
    fs.writeFileSync(junk, 'x'.repeat(500));
    let error: unknown;
    try {
      mergeInto(t, [packBo, junk, packBo]);
    } catch (e) {
      error = e;
    }
    const details = (error as { details?: { refusals: { file: string; reason: string; action: string }[] } }).details!;
    expect((error as Error).message).toMatch(/2 of 3 packs were refused and nothing was merged/);
    expect(details.refusals.map((r) => r.file)).toEqual(['junk2.assay', 'bo.assay']);
    expect(details.refusals[0]!.action).toMatch(/Ask the reviewer/);
    expect(details.refusals[1]!.reason).toMatch(/same pack/);
  });

  it('a class made offline that the workspace lacks, with what to do', async () => {
    const f = copyOf(packBo, 'cls.assay');
    const ws = openWorkspace(f);
    const engine = new Engine(ws, { shell: 'browser', runJobs: false });
    unwrap(await engine.call('taxonomy.create', { name: 'Made offline', description: '', example: '', parentId: null } as never));
    await engine.close();
    refusedWith(f, /Add "Made offline" in Taxonomy/);
  });
});

describe('a pack from a review session', () => {
  it('holds the items the session gives the reviewer, reserved for them, and its labels end the reservations when merged', async () => {
    const src = copyOf(baseFile, 'sess.assay');
    const ws = openWorkspace(src);
    const engine = new Engine(ws, { shell: 'browser', runJobs: false });
    let packFile: string;
    let sessionId: number;
    try {
      const session = unwrap(await engine.call('sessions.create', { reviewerId: ada, name: 'Offline', filter: { kind: 'both' }, reviewerIds: [ada, bo], overlap: 1, seed: 7 }));
      sessionId = session.id;
      const exported = unwrap(await engine.call('packs.export', { packReviewerId: bo, sessionId, outFile: null }));
      // Overlap 1 with two reviewers: Bo's share is half of each kind.
      expect(exported.generations).toBe(Math.ceil(session.items.review / 2));
      expect(exported.tasks).toBe(Math.ceil(session.items.compare / 2));
      expect(exported.file).toBe(path.join(path.dirname(src), 'packs', 'sess-bo-1.assay'));
      packFile = exported.file;
      // Ada, online, is handed only the other items.
      const next = unwrap(await engine.call('sessions.next', { sessionId, reviewerId: ada, kind: 'review' }));
      const packDb = openReader(packFile);
      const inPack = packDb.prepare("SELECT item_id FROM review_session_items WHERE kind = 'review'").pluck().all() as number[];
      expect(packDb.prepare('SELECT count(*) FROM review_sessions').pluck().get()).toBe(1);
      expect(packDb.prepare('SELECT reviewer_id FROM review_session_reviewers').pluck().all()).toEqual([bo]);
      packDb.close();
      expect(inPack).not.toContain(next.item!.itemId);
      unwrap(await engine.call('sessions.release', { sessionId, reviewerId: ada, kind: 'review', itemId: next.item!.itemId }));
      // A second pack for Bo gives the same items again (a lost pack replaced).
      const again = unwrap(await engine.call('packs.export', { packReviewerId: bo, sessionId, outFile: 'again.assay' }));
      expect(again.generations).toBe(exported.generations);
    } finally {
      await engine.close();
    }
    // Bo works the session in the pack, in session mode.
    const pws = openWorkspace(packFile);
    const pe = new Engine(pws, { shell: 'browser', runJobs: false });
    try {
      const info = unwrap(await pe.call('packs.info', {}));
      expect(info).toMatchObject({ reviewerName: 'Bo', sessionName: 'Offline' });
      for (;;) {
        const n = unwrap(await pe.call('sessions.next', { sessionId, reviewerId: bo, kind: 'review' }));
        if (!n.item) break;
        unwrap(await pe.call('review.save', { generationId: n.item.itemId, reviewerId: bo, verdict: 'good', submit: true }));
      }
    } finally {
      await pe.close();
    }
    const ws2 = openWorkspace(src);
    const e2 = new Engine(ws2, { shell: 'browser', runJobs: false });
    try {
      const report = unwrap(await e2.call('packs.merge', { sources: [{ kind: 'path', path: packFile }] }));
      expect(report.added.reviews).toBeGreaterThan(0);
      const progress = unwrap(await e2.call('sessions.progress', { sessionId }));
      expect(progress.reviewers.find((r) => r.name === 'Bo')!.done).toBe(report.added.reviews);
    } finally {
      await e2.close();
    }
  }, 60_000);
});

describe('SIGKILL during a merge', () => {
  it('leaves the workspace as before', async () => {
    const target = copyOf(source, 'kill.assay');
    const before = fullExport(target);
    const flag = path.join(dir, 'paused.flag');
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'merge', target, packAda1, packBo], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, ASSAY_TEST_MERGE_PAUSE: flag },
      stdio: 'ignore',
    });
    const until = Date.now() + 30_000;
    while (!fs.existsSync(flag) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(flag)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(fullExport(target)).toBe(before);
    // And the same merge afterwards goes through.
    expect(mergeInto(target, [packAda1, packBo]).labels).toBe(9);
  }, 60_000);
});
