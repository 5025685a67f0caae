/**
 * quality.report over a real workspace file with three reviewers: review labels (verdicts,
 * ratings, failure classes, spans), pairwise choices and an N-way ranking, through Engine.dispatch.
 * Expected values are worked by hand in the comments (the statistics themselves are checked
 * against published values in quality-stats.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementRow, MethodInput, MethodName, MethodOutput, QualityReport } from '../contract';
import type { Engine } from '../core/engine';
import type { Workspace } from '../core/workspace/workspace';
import { cleanupAll, failure, newEngine, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

let engine: Engine;
let ws: Workspace;

async function ok<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  return unwrap(await engine.call(method, input));
}

const row = (r: QualityReport, kind: AgreementRow['kind'], measure: string, label?: string) => {
  const found = r.agreement.find((a) => a.kind === kind && a.measure === measure && (label === undefined || a.label === label));
  if (!found) throw new Error(`no ${kind} ${measure} row`);
  return found;
};

let ids: { ada: number; bo: number; cy: number; g: number[]; cls1: number; cls2: number; criterion: number; pairTasks: number[]; lengths: Map<number, [number, number]> };

beforeAll(async () => {
  ({ engine, workspace: ws } = newEngine('quality'));
  const m1 = addModel(ws, 'model-1');
  const m2 = addModel(ws, 'model-2');
  const m3 = addModel(ws, 'model-3');
  const ada = (await ok('reviewers.create', { name: 'Ada', role: 'sme' })).id;
  const bo = (await ok('reviewers.create', { name: 'Bo', role: 'sme' })).id;
  const cy = (await ok('reviewers.create', { name: 'Cy', role: 'nlp' })).id;
  const [criterion] = await ok('rubric.list', {});
  const [cls1] = await ok('taxonomy.list', {});
  const cls2 = await ok('taxonomy.create', { name: 'Made-up citation' });

  // Review: three outputs of one prompt.
  const rseq = addPrompt(ws, 'r-1', 'Explain the sum of seven and 5.', ['review']);
  const g = [
    addGeneration(ws, { promptSeq: rseq, modelId: m1, output: '7 + 5 = 75, see Smith (2020).' }),
    addGeneration(ws, { promptSeq: rseq, modelId: m2, output: 'Seven plus five is twelve.' }),
    addGeneration(ws, { promptSeq: rseq, modelId: m3, output: 'It is 12.' }),
  ];
  const label = async (
    gen: number,
    reviewer: number,
    verdict: 'good' | 'acceptable' | 'bad',
    rating: number,
    tags: { classId: number; span?: { start: number; end: number } }[] = [],
    submit = true,
  ) => {
    for (const t of tags) await ok('review.addTag', { generationId: gen, reviewerId: reviewer, classId: t.classId, span: t.span ?? null });
    await ok('review.save', { generationId: gen, reviewerId: reviewer, verdict, ratings: { [criterion!.id]: rating }, submit });
  };
  // g0: all three say bad; Ada and Bo tag class 1 with overlapping spans, Cy tags class 1 on the
  // whole output and class 2 on "Smith (2020)".
  await label(g[0]!, ada, 'bad', 1, [{ classId: cls1!.id, span: { start: 0, end: 10 } }]);
  await label(g[0]!, bo, 'bad', 2, [{ classId: cls1!.id, span: { start: 5, end: 15 } }]);
  await label(g[0]!, cy, 'bad', 1, [{ classId: cls1!.id }, { classId: cls2.id, span: { start: 15, end: 27 } }]);
  // g1: good, good, acceptable; no tags.
  await label(g[1]!, ada, 'good', 5, []);
  await label(g[1]!, bo, 'good', 4, []);
  await label(g[1]!, cy, 'acceptable', 3, []);
  // g2: Ada good, Bo acceptable; Cy's label is a draft and counts nowhere.
  await label(g[2]!, ada, 'good', 5);
  await label(g[2]!, bo, 'acceptable', 4);
  await label(g[2]!, cy, 'bad', 1, [], false);

  // Pairwise: three prompts with two outputs each → three pair tasks.
  for (let i = 0; i < 3; i++) {
    const seq = addPrompt(ws, `c-${i}`, `Compare prompt ${i}`, ['pair']);
    addGeneration(ws, { promptSeq: seq, modelId: m1, output: 'short' });
    addGeneration(ws, { promptSeq: seq, modelId: m2, output: 'a much longer answer' });
  }
  await ok('comparisons.createTasks', { prompts: { query: '', tags: ['pair'] }, kind: 'pair' });
  const queue = await ok('comparisons.queue', { reviewerId: ada, status: 'all', kind: 'pair' });
  const pairTasks = queue.items.map((t) => t.taskId).sort((a, b) => a - b);
  expect(pairTasks).toHaveLength(3);
  const lengths = new Map<number, [number, number]>();
  for (const taskId of pairTasks) {
    const task = await ok('comparisons.task', { taskId, reviewerId: ada });
    lengths.set(taskId, [[...task.outputs[0]!.text].length, [...task.outputs[1]!.text].length]);
  }
  const choose = (taskId: number, reviewerId: number, choice: 'A' | 'B' | 'tie' | 'both_bad') => ok('comparisons.label', { taskId, reviewerId, choice });
  // Task 0: A, A, tie. Task 1: Ada B, Bo A. Task 2: Ada both_bad, Cy both_bad.
  await choose(pairTasks[0]!, ada, 'A');
  await choose(pairTasks[0]!, bo, 'A');
  await choose(pairTasks[0]!, cy, 'tie');
  await choose(pairTasks[1]!, ada, 'B');
  await choose(pairTasks[1]!, bo, 'A');
  await choose(pairTasks[2]!, ada, 'both_bad');
  await choose(pairTasks[2]!, cy, 'both_bad');

  // N-way: one prompt with three outputs → one rank task; positions ranked
  // Ada 0 > 1 > 2, Bo 0 > 2 > 1, Cy 1 > 0 > 2.
  const kseq = addPrompt(ws, 'k-1', 'Rank these', ['rank']);
  for (const m of [m1, m2, m3]) addGeneration(ws, { promptSeq: kseq, modelId: m, output: `rank output of ${m}` });
  await ok('comparisons.createTasks', { prompts: { query: '', tags: ['rank'] }, kind: 'rank', k: 3 });
  const [rankTask] = (await ok('comparisons.queue', { reviewerId: ada, status: 'all', kind: 'rank' })).items;
  await ok('comparisons.label', { taskId: rankTask!.taskId, reviewerId: ada, ranking: [[0], [1], [2]] });
  await ok('comparisons.label', { taskId: rankTask!.taskId, reviewerId: bo, ranking: [[0], [2], [1]] });
  await ok('comparisons.label', { taskId: rankTask!.taskId, reviewerId: cy, ranking: [[1], [0], [2]] });

  ids = { ada, bo, cy, g, cls1: cls1!.id, cls2: cls2.id, criterion: criterion!.id, pairTasks, lengths };
});

describe('quality.report over a workspace with three reviewers', () => {
  it('verdict agreement: ordinal α with interval beside; a draft counts nowhere', async () => {
    const r = await ok('quality.report', {});
    expect(r.scope).toMatchObject({ generations: 3, sharedGenerations: 3, tasks: 4, sharedTasks: 4 });
    // Units: g0 (bad, bad, bad), g1 (good, good, acceptable), g2 (good, acceptable).
    // n_bad = 3, n_acc = 2, n_good = 3, n = 8. Coincidences: g1 o_ga = o_ag = 2·1/2 = 1 each;
    // g2 o_ga = o_ag = 1 each → o_ga = 2. Ordinal δ²(acc, good) = (2 + 3 − 2.5)² = 6.25;
    // δ²(bad, acc) = (3 + 2 − 2.5)² = 6.25; δ²(bad, good) = (8 − 3)² = 25.
    // D_o = 2·2·6.25 / 8 = 3.125; D_e = 2·(3·2·6.25 + 3·3·25 + 2·3·6.25) / (8·7) = 2·300/56.
    // α = 1 − 3.125·56/600 = 1 − 175/600 = 17/24.
    const ordinal = row(r, 'verdict', 'α ordinal');
    expect(ordinal.value).toBeCloseTo(17 / 24, 12);
    expect(ordinal).toMatchObject({ items: 3, method: "Krippendorff's α (3 reviewers, ordinal)" });
    // Interval on bad 0, acceptable 1, good 2: D_o = 4·1/8 = 0.5; D_e = 2·(3·2·1 + 3·3·4 + 2·3·1)/56 = 96/56.
    // α = 1 − 0.5·56/96 = 1 − 28/96 = 17/24 as well (three equally spaced values, these margins).
    expect(row(r, 'verdict', 'α interval').value).toBeCloseTo(1 - 28 / 96, 12);
    const rating = row(r, 'rating', 'α ordinal');
    expect(rating.label).toMatch(/^Rating: .+ \(likert5\)$/);
    expect(rating.items).toBe(3);
  });

  it('failure classes per item and span F1, per class and overall', async () => {
    const r = await ok('quality.report', {});
    // Class 1 present on g0 for all three, absent on g1 (three) and g2 (two) → α = 1. Class 2: only
    // Cy on g0 → (0,0,1), (0,0,0), (0,0): n_0 = 7, n_1 = 1, n = 8; g0 gives o_01 = o_10 = 2·1/2 = 1,
    // so D_o = 2/8; D_e = 2·7·1/(8·7) = 1/4 → α = 0.
    const c1 = r.classes.find((c) => c.classId === ids.cls1)!;
    const c2 = r.classes.find((c) => c.classId === ids.cls2)!;
    expect(c1.presence).toMatchObject({ value: 1, items: 3 });
    expect(c2.presence.value).toBeCloseTo(0, 12);
    // g2 has only two submitted labels (Ada, Bo) with no tags: it is shared, so it counts too.
    expect(row(r, 'classes', 'α nominal').items).toBe(3);
    // Spans on g0, class 1: Ada [0,10), Bo [5,15), Cy none (a whole-output tag is not a span).
    // Pairs: (Ada, Bo) 5 of 20; (Ada, Cy) 0 of 10; (Bo, Cy) 0 of 10 → 2·5 / 40 = 0.25.
    expect(c1.spans).toMatchObject({ items: 1, pairs: 3 });
    expect(c1.spans!.value).toBeCloseTo(0.25, 12);
    // Class 2: Cy's 12 characters, with Ada and with Bo: 0 of 24 → 0.
    expect(c2.spans).toMatchObject({ value: 0, pairs: 2 });
    // Overall: 2·5 / (40 + 24) = 10/64.
    expect(row(r, 'spans', 'span F1').value).toBeCloseTo(10 / 64, 12);
  });

  it('pairwise: MT-Bench agreement with and without ties beside α; rankings: pairwise-implied and Kendall’s W', async () => {
    const r = await ok('quality.report', {});
    // Task 0: (A,A) ✓, (A,tie) ✗ ×2; task 1: (B,A) ✗; task 2: (both_bad, both_bad) ✓ → 2 of 5.
    expect(row(r, 'pairwise', 'agreement with ties')).toMatchObject({ value: 2 / 5, items: 3, pairs: 5 });
    // Without ties: (A,A) ✓ and (B,A) ✗ → 1 of 2.
    expect(row(r, 'pairwise', 'agreement without ties')).toMatchObject({ value: 1 / 2, pairs: 2 });
    expect(row(r, 'pairwise', 'α nominal').method).toBe("Krippendorff's α (3 reviewers, nominal)");
    // Ranks 1,2,3 / 1,3,2 / 2,1,3 → W = 4/9 (worked in quality-stats.test.ts).
    const w = row(r, 'ranking', "Kendall's W");
    expect(w.value).toBeCloseTo(4 / 9, 12);
    expect(w.items).toBe(1);
    // Position pairs (0,1) f f s; (0,2) f f f; (1,2) f s f → 5 of 9, no ties.
    expect(row(r, 'ranking', 'agreement with ties')).toMatchObject({ value: 5 / 9, pairs: 9, items: 1 });
  });

  it('each reviewer against the rest, and calibration', async () => {
    const r = await ok('quality.report', {});
    expect(r.reviewers.map((x) => x.name)).toEqual(['Ada', 'Bo', 'Cy']);
    const [ada, bo, cy] = r.reviewers;
    expect(ada).toMatchObject({ reviews: 3, comparisons: 4 });
    expect(cy).toMatchObject({ reviews: 2 }); // the draft is not counted
    const verdictVsRest = (x: typeof ada) => x!.vsRest.find((v) => v.kind === 'verdict')!;
    // Ada's pairs: g0 (bad,bad) ×2, g1 (good,good), (good,acc), g2 (good,acc) → 3 of 5 agree.
    expect(verdictVsRest(ada)).toMatchObject({ items: 3, pairs: 5, agreement: 3 / 5 });
    // Cy's pairs: g0 (bad,bad) ×2, g1 (acc,good) ×2 → 2 of 4.
    expect(verdictVsRest(cy)).toMatchObject({ items: 2, pairs: 4, agreement: 2 / 4 });
    // Presence is compared per (output, class) but counted in outputs: 3 shared outputs, 2 classes used.
    // Ada's pairs: g0 and g1 with Bo and Cy (2 × 2 classes each), g2 with Bo only (Cy's is a draft) → 10.
    expect(ada!.vsRest.find((v) => v.kind === 'classes')).toMatchObject({ items: 3, pairs: 10 });
    const pairVsRest = bo!.vsRest.find((v) => v.kind === 'pairwise')!;
    // Bo: task 0 (A,A) ✓, (A,tie) ✗; task 1 (A,B) ✗ → 1 of 3.
    expect(pairVsRest).toMatchObject({ items: 2, pairs: 3, agreement: 1 / 3 });
    const spansVsRest = bo!.vsRest.find((v) => v.kind === 'spans')!;
    // Bo with Ada 5 of 20, with Cy 0 of 10 (class 1) and 0 of 12 (class 2): 10 / 42.
    expect(spansVsRest.agreement).toBeCloseTo(10 / 42, 12);

    // Left side: Ada decided A on task 0 and B on task 1 → 1 of 2; Bo A twice → 2 of 2.
    expect(ada!.leftWinRate).toMatchObject({ value: 0.5, successes: 1, trials: 2 });
    expect(bo!.leftWinRate).toMatchObject({ value: 1, successes: 2, trials: 2, high: 1 });
    expect(bo!.leftWinRate.low!).toBeCloseTo(0.3424, 4); // Wilson 95% for 2 of 2
    expect(cy!.leftWinRate).toMatchObject({ value: null, trials: 0 });
    // Length: the side chosen is longer when its output is 'a much longer answer'.
    const longer = (taskId: number, side: 0 | 1) => {
      const [a, b] = ids.lengths.get(taskId)!;
      return side === 0 ? a > b : b > a;
    };
    const adaLonger = Number(longer(ids.pairTasks[0]!, 0)) + Number(longer(ids.pairTasks[1]!, 1));
    expect(ada!.lengthPreference).toMatchObject({ successes: adaLonger, trials: 2 });

    // Leniency on verdicts (bad 0, acceptable 1, good 2): Ada g0 0 − 0, g1 2 − 1.5, g2 2 − 1 → 1.5/3.
    const verdictLeniency = (x: typeof ada) => x!.leniency.find((l) => l.label === 'Verdict')!;
    expect(verdictLeniency(ada)).toMatchObject({ value: 0.5, items: 3 });
    // Cy: g0 0 − 0, g1 1 − 2 → −0.5 over 2.
    expect(verdictLeniency(cy)).toMatchObject({ value: -0.5, items: 2 });
  });

  it('a scope of chosen outputs and tasks counts only those; an unshared scope says so with nulls', async () => {
    const r = await ok('quality.report', { generationIds: [ids.g[1]!], taskIds: [ids.pairTasks[1]!] });
    expect(r.scope).toMatchObject({ generations: 1, tasks: 1 });
    expect(row(r, 'verdict', 'α ordinal').items).toBe(1);
    expect(row(r, 'pairwise', 'agreement with ties')).toMatchObject({ value: 0, pairs: 1 });
    expect(row(r, 'ranking', "Kendall's W")).toMatchObject({ value: null, items: 0 });
    const none = await ok('quality.report', { generationIds: [], taskIds: [] });
    expect(none.scope).toMatchObject({ generations: 0, tasks: 0 });
    expect(none.agreement.every((a) => a.value === null && a.items === 0)).toBe(true);
    expect(none.reviewers).toEqual([]);
    failure(await engine.dispatch('quality.report', { sessionIds: [1] }), 'invalid_input');
  });

  it("a review session's items: its outputs and tasks only (one join on review_session_items); an unknown session is refused", async () => {
    const session = await ok('sessions.create', { reviewerId: ids.cy, name: 'Sums', filter: { prompts: { query: '', tags: ['review'] }, kind: 'review' }, reviewerIds: [ids.ada, ids.bo] });
    const r = await ok('quality.report', { sessionId: session.id });
    expect(r.scope).toMatchObject({ generations: 3, tasks: 0, sharedGenerations: 3 });
    expect(r.scope.description).toContain('“Sums”');
    expect(row(r, 'verdict', 'α ordinal').value).toBeCloseTo(17 / 24, 12);
    expect(row(r, 'pairwise', 'agreement with ties')).toMatchObject({ value: null, pairs: 0 });
    // The lists narrow the session further.
    expect((await ok('quality.report', { sessionId: session.id, generationIds: [ids.g[0]!] })).scope.generations).toBe(1);
    expect(failure(await engine.call('quality.report', { sessionId: 999 }), 'not_found').message).toMatch(/no review session 999/);
  });
});
