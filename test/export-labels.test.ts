/**
 * The export's `labels` choice (all / adjudicated / majority) over a real workspace where three
 * reviewers disagree: exact rows per choice for preference pairs (pairwise and N-way), KTO from
 * verdicts and failure rows, the counts of what each rule kept and dropped, the dataset card, and
 * the CLI's --labels.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput } from '../contract';
import { ExportOptions, type ExportOptionsInput, type ExportReport } from '../contract/datasets';
import { runExport } from '../core/datasets/export/run';
import { openReader, type ReadableDB } from '../db/handles';
import { cleanupAll, newEngine, runCli, unwrap, type TestEngine } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

let t: TestEngine;
let db: ReadableDB;
const ok = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => unwrap(await t.engine.call(method, input));

/** Per prompt id: its task, the text shown at A (position 0) and B, and each reviewer's label id. */
const task: Record<string, { id: number; A: string; B: string; labels: Record<string, number> }> = {};
let rank: { id: number; outputs: string[]; labels: Record<string, number> };
const rev: Record<string, Record<string, number>> = {};
const adj: Record<string, number> = {};
let gens: number[];
let classId: number;

beforeAll(async () => {
  t = newEngine('export-labels');
  const ws = t.workspace;
  const [m1, m2, m3] = ['m1', 'm2', 'm3'].map((m) => addModel(ws, m)) as [number, number, number];
  const who: Record<string, number> = {};
  for (const name of ['Ada', 'Bo', 'Cy']) who[name] = (await ok('reviewers.create', { name, role: 'sme' })).id;
  const eng = (await ok('reviewers.create', { name: 'Eng', role: 'nlp' })).id;
  classId = (await ok('taxonomy.list', {}))[0]!.id;

  // Four pairwise tasks: p0 unanimous A; p1 A, A, B; p2 A, B, tie; p3 A, B (two reviewers only).
  const choices: Record<string, (string | null)[]> = { p0: ['A', 'A', 'A'], p1: ['A', 'A', 'B'], p2: ['A', 'B', 'tie'], p3: ['A', 'B', null] };
  for (const id of Object.keys(choices)) {
    const seq = addPrompt(ws, id, `Prompt ${id}`, ['pair']);
    addGeneration(ws, { promptSeq: seq, modelId: m1, output: `${id} by m1` });
    addGeneration(ws, { promptSeq: seq, modelId: m2, output: `${id} by m2` });
  }
  await ok('comparisons.createTasks', { prompts: { query: '', tags: ['pair'] }, kind: 'pair' });
  const shown = (taskId: number) =>
    db.prepare('SELECT g.output FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id WHERE o.task_id = ? ORDER BY o.position').pluck().all(taskId) as string[];
  db = openReader(t.file);
  for (const [id, cs] of Object.entries(choices)) {
    const taskId = db.prepare('SELECT t.id FROM comparison_tasks t JOIN prompts p ON p.seq = t.prompt_seq WHERE p.id = ?').pluck().get(id) as number;
    const [A, B] = shown(taskId);
    task[id] = { id: taskId, A: A!, B: B!, labels: {} };
    for (const [i, name] of ['Ada', 'Bo', 'Cy'].entries()) {
      const choice = cs[i];
      if (!choice) continue;
      const label = await ok('comparisons.label', { taskId, reviewerId: who[name]!, choice: choice as 'A' | 'B' | 'tie' });
      task[id]!.labels[name] = label.id;
    }
  }
  // An N-way task of three outputs: Ada and Bo rank positions 0 > 1 > 2, Cy the reverse.
  const k = addPrompt(ws, 'k0', 'Rank these', ['rank']);
  for (const m of [m1, m2, m3]) addGeneration(ws, { promptSeq: k, modelId: m, output: `k0 by m${m - m1 + 1}` });
  await ok('comparisons.createTasks', { prompts: { query: '', tags: ['rank'] }, kind: 'rank', k: 3 });
  const rankId = db.prepare("SELECT id FROM comparison_tasks WHERE kind = 'rank'").pluck().get() as number;
  rank = { id: rankId, outputs: shown(rankId), labels: {} };
  for (const [name, ranking] of [['Ada', [[0], [1], [2]]], ['Bo', [[0], [1], [2]]], ['Cy', [[2], [1], [0]]]] as const) {
    rank.labels[name] = (await ok('comparisons.label', { taskId: rankId, reviewerId: who[name]!, ranking: ranking.map((g) => [...g]) })).id;
  }

  // Three outputs reviewed by all three: r0 good ×3; r1 good, good, bad; r2 good, bad, acceptable.
  const verdicts: Record<string, ('good' | 'bad' | 'acceptable')[]> = { r0: ['good', 'good', 'good'], r1: ['good', 'good', 'bad'], r2: ['good', 'bad', 'acceptable'] };
  gens = [];
  for (const [id, vs] of Object.entries(verdicts)) {
    const seq = addPrompt(ws, id, `Review ${id}`, ['review']);
    const g = addGeneration(ws, { promptSeq: seq, modelId: m1, output: `${id}: the answer is 42` });
    gens.push(g);
    rev[id] = {};
    for (const [i, name] of ['Ada', 'Bo', 'Cy'].entries()) {
      const saved = await ok('review.save', { generationId: g, reviewerId: who[name]!, verdict: vs[i]!, submit: true });
      rev[id]![name] = saved.id;
    }
  }

  // Eng adjudicates p1 → B, p3 → B, and r1 → bad with a span on "42".
  adj.p1 = (await ok('adjudication.save', { kind: 'compare', itemId: task.p1!.id, reviewerId: eng, label: { type: 'pair', choice: 'B' }, rationale: 'B is right' })).id;
  adj.p3 = (await ok('adjudication.save', { kind: 'compare', itemId: task.p3!.id, reviewerId: eng, label: { type: 'pair', choice: 'B' }, rationale: '' })).id;
  adj.r1 = (
    await ok('adjudication.save', {
      kind: 'review',
      itemId: gens[1]!,
      reviewerId: eng,
      label: { type: 'review', verdict: 'bad', classIds: [], spans: [{ classId, start: 18, end: 20 }] },
      rationale: 'It is 41.',
    })
  ).id;
});
afterAll(() => db?.close());

let n = 0;
function exportRows(options: ExportOptionsInput): { rows: Record<string, unknown>[]; report: ExportReport; card: string } {
  const dir = path.join(t.dir, `out-${++n}`);
  const report = runExport(db, { mode: 'write', exportId: `l${n}`, options: ExportOptions.parse({ style: 'standard', provenance: true, ...options }), outDir: dir }) as ExportReport;
  const text = fs.readFileSync(path.join(dir, 'train.jsonl'), 'utf8');
  const rows = text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { created_at: _c, guideline_version: _g, model_a: _a, model_b: _b, ranking_id: _r, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
  return { rows, report, card: fs.readFileSync(path.join(dir, 'README.md'), 'utf8') };
}

const pair = (id: string, choice: 'A' | 'B', assayId: string, reviewer: string) => {
  const x = task[id]!;
  return { prompt: `Prompt ${id}`, chosen: choice === 'A' ? x.A : x.B, rejected: choice === 'A' ? x.B : x.A, margin: 0, assay_id: assayId, reviewer };
};
/** The three pairs of a ranking, best first as positions 0 > 1 > 2 (or reversed). */
const rankPairs = (assay: string, reviewer: string, reversed: boolean) => {
  const [o0, o1, o2] = rank.outputs;
  const ids = db.prepare('SELECT generation_id FROM comparison_task_outputs WHERE task_id = ? ORDER BY position').pluck().all(rank.id) as number[];
  const pairs: [number, number][] = [
    [0, 1],
    [0, 2],
    [1, 2],
  ];
  const text = [o0, o1, o2];
  return pairs.map(([i, j]) => {
    const [w, l] = reversed ? [j, i] : [i, j];
    return { prompt: 'Rank these', chosen: text[w], rejected: text[l], margin: 0, assay_id: `${assay}-g${ids[w]}-g${ids[l]}`, reviewer };
  });
};

describe('export labels: all / adjudicated / majority', () => {
  it('all: every reviewer’s own row (today’s behaviour), no label counts', () => {
    const { rows, report, card } = exportRows({ format: 'trl' });
    const L = (id: string, name: string) => `cmp-${task[id]!.labels[name]}`;
    expect(rows).toEqual([
      pair('p0', 'A', L('p0', 'Ada'), 'Ada'),
      pair('p0', 'A', L('p0', 'Bo'), 'Bo'),
      pair('p0', 'A', L('p0', 'Cy'), 'Cy'),
      pair('p1', 'A', L('p1', 'Ada'), 'Ada'),
      pair('p1', 'A', L('p1', 'Bo'), 'Bo'),
      pair('p1', 'B', L('p1', 'Cy'), 'Cy'),
      pair('p2', 'A', L('p2', 'Ada'), 'Ada'),
      pair('p2', 'B', L('p2', 'Bo'), 'Bo'),
      pair('p3', 'A', L('p3', 'Ada'), 'Ada'),
      pair('p3', 'B', L('p3', 'Bo'), 'Bo'),
      ...rankPairs(`rank-${rank.labels.Ada}`, 'Ada', false),
      ...rankPairs(`rank-${rank.labels.Bo}`, 'Bo', false),
      ...rankPairs(`rank-${rank.labels.Cy}`, 'Cy', true),
    ]);
    expect(report.counts.labels).toBeUndefined();
    expect(report.counts.skipped).toEqual({ 'tie (not a pair)': 1 });
    expect(card).toContain("Labels: every reviewer's own row (`labels: all`)");
  });

  it('majority: a strict majority per item; a three-way split, a 1–1 pair and nothing else are left out and counted', () => {
    const { rows, report, card } = exportRows({ format: 'trl', labels: 'majority' });
    expect(rows).toEqual([
      // p0 A ×3 and p1 A, A, B: the first label of the majority stands for the item.
      pair('p0', 'A', `cmp-${task.p0!.labels.Ada}`, 'Ada'),
      pair('p1', 'A', `cmp-${task.p1!.labels.Ada}`, 'Ada'),
      // p2 (A, B, tie) and p3 (A, B) have no strict majority. The ranking: Ada and Bo agree.
      ...rankPairs(`rank-${rank.labels.Ada}`, 'Ada', false),
    ]);
    expect(report.counts.labels).toEqual({ rule: 'majority', items: 5, adjudicated: 0, agreed: 0, single: 0, majority: 3, dropped: 2 });
    expect(report.counts.skipped).toEqual({ 'no strict majority of reviewers (labels: majority; item)': 2 });
    expect(report.counts.examples['no strict majority of reviewers (labels: majority; item)']).toEqual([
      `cmp-${task.p2!.labels.Ada} (prompt p2)`,
      `cmp-${task.p3!.labels.Ada} (prompt p3)`,
    ]);
    expect(card).toContain('- Labels: majority (`labels: majority`)');
    expect(card).toContain('- Items: 5; by strict majority 3; labelled by one reviewer only (kept, unchecked) 0; left out without a strict majority: 2.');
  });

  it('adjudicated: the adjudication, else the agreed label, else left out and counted', () => {
    const { rows, report, card } = exportRows({ format: 'trl', labels: 'adjudicated' });
    expect(rows).toEqual([
      pair('p0', 'A', `cmp-${task.p0!.labels.Ada}`, 'Ada'), // all agree
      pair('p1', 'B', `adj-${adj.p1}`, 'Eng'), // the majority said A; the adjudicator B
      pair('p3', 'B', `adj-${adj.p3}`, 'Eng'),
      // p2 and the ranking: reviewers disagree and nobody adjudicated.
    ]);
    expect(report.counts.labels).toEqual({ rule: 'adjudicated', items: 5, adjudicated: 2, agreed: 1, single: 0, majority: 0, dropped: 2 });
    expect(report.counts.skipped).toEqual({ 'reviewers disagree and no adjudication (labels: adjudicated; item)': 2 });
    expect(card).toContain('- Items: 5; adjudicated 2, reviewers agreed 1; labelled by one reviewer only (kept, unchecked) 0; left out because reviewers disagree and nothing was adjudicated: 2.');
  });

  it('KTO from verdicts and failure rows follow the same rules (reviews are items too)', () => {
    const kto = (labels: 'all' | 'adjudicated' | 'majority') => exportRows({ format: 'kto', ktoSources: ['reviews'], labels }).rows;
    const row = (id: string, label: boolean, assayId: string, reviewer: string) => ({ prompt: `Review ${id}`, completion: `${id}: the answer is 42`, label, assay_id: assayId, reviewer });
    expect(kto('all')).toEqual([
      row('r0', true, `rev-${rev.r0!.Ada}`, 'Ada'),
      row('r0', true, `rev-${rev.r0!.Bo}`, 'Bo'),
      row('r0', true, `rev-${rev.r0!.Cy}`, 'Cy'),
      row('r1', true, `rev-${rev.r1!.Ada}`, 'Ada'),
      row('r1', true, `rev-${rev.r1!.Bo}`, 'Bo'),
      row('r1', false, `rev-${rev.r1!.Cy}`, 'Cy'),
      row('r2', true, `rev-${rev.r2!.Ada}`, 'Ada'),
      row('r2', false, `rev-${rev.r2!.Bo}`, 'Bo'),
      // Cy's acceptable is skipped by the acceptable policy.
    ]);
    expect(kto('majority')).toEqual([row('r0', true, `rev-${rev.r0!.Ada}`, 'Ada'), row('r1', true, `rev-${rev.r1!.Ada}`, 'Ada')]);
    expect(kto('adjudicated')).toEqual([row('r0', true, `rev-${rev.r0!.Ada}`, 'Ada'), row('r1', false, `adj-${adj.r1}`, 'Eng')]);

    const failures = exportRows({ format: 'failures', labels: 'adjudicated' });
    expect(failures.rows).toEqual([
      { prompt: 'Review r0', output: 'r0: the answer is 42', verdict: 'good', classes: [], spans: [], steps: [], correction: null, comment: '', assay_id: `rev-${rev.r0!.Ada}`, reviewer: 'Ada' },
      {
        prompt: 'Review r1',
        output: 'r1: the answer is 42',
        verdict: 'bad',
        classes: [expect.any(String)],
        spans: [{ class: expect.any(String), start: 18, end: 20, quote: '42', note: '' }],
        steps: [],
        correction: null,
        comment: 'It is 41.',
        assay_id: `adj-${adj.r1}`,
        reviewer: 'Eng',
      },
    ]);
    expect(failures.report.counts.labels).toEqual({ rule: 'adjudicated', items: 3, adjudicated: 1, agreed: 1, single: 0, majority: 0, dropped: 1 });
  });

  it('reviewers’ labels are untouched by adjudication, and the CLI takes --labels', async () => {
    expect(db.prepare('SELECT count(*) FROM comparison_labels WHERE deleted_at IS NULL').pluck().get()).toBe(14);
    const out = path.join(t.dir, 'cli-out');
    const run = await runCli('export', '--workspace', t.file, '--format', 'trl', '--labels', 'adjudicated', '--style', 'standard', '--out', out);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('labels: adjudicated — 5 items: 2 adjudicated, 1 agreed, 0 labelled by one reviewer only, 2 left out');
    expect(fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    const bad = await runCli('export', '--workspace', t.file, '--format', 'trl', '--labels', 'some');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--labels must be one of all, adjudicated, majority/);
  });
});

describe('export labels: an item with one reviewer\'s label', () => {
  it('is counted as labelled by one reviewer only, not as agreement or a majority', async () => {
    const solo = newEngine('export-labels-single');
    const call = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => unwrap(await solo.engine.call(method, input));
    const ada = (await call('reviewers.create', { name: 'Ada', role: 'sme' })).id;
    const [m1, m2] = ['m1', 'm2'].map((m) => addModel(solo.workspace, m)) as [number, number];
    const seq = addPrompt(solo.workspace, 's0', 'Prompt s0', ['pair']);
    addGeneration(solo.workspace, { promptSeq: seq, modelId: m1, output: 's0 by m1' });
    addGeneration(solo.workspace, { promptSeq: seq, modelId: m2, output: 's0 by m2' });
    await call('comparisons.createTasks', { prompts: { query: '', tags: ['pair'] }, kind: 'pair' });
    const reader = openReader(solo.file);
    try {
      const taskId = reader.prepare('SELECT id FROM comparison_tasks').pluck().get() as number;
      await call('comparisons.label', { taskId, reviewerId: ada, choice: 'A' });
      for (const labels of ['adjudicated', 'majority'] as const) {
        const dir = path.join(solo.dir, `out-${labels}`);
        const report = runExport(reader, { mode: 'write', exportId: `s-${labels}`, options: ExportOptions.parse({ format: 'trl', style: 'standard', labels }), outDir: dir }) as ExportReport;
        expect(report.counts.labels).toEqual({ rule: labels, items: 1, adjudicated: 0, agreed: 0, single: 1, majority: 0, dropped: 0 });
        expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('labelled by one reviewer only (kept, unchecked) 1');
      }
    } finally {
      reader.close();
    }
  });
});
