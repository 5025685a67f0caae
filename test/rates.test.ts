/**
 * rates.get and rates.sampleSize (core/rates/) on a real workspace file whose probe rows are
 * written by test/support/probe-fixture.ts. Expected intervals were worked out by hand from the
 * formulas (Wilson 1927; Newcombe 1998 method 10), not by calling core/stats.
 *
 * The fixture, failures of checked (after overrules):
 *   class "Arithmetic words" ← suites add-words and count-words (set form: digits, words; digits the reference)
 *     add-words   Model A 0-shot: digits 2/20, words 7/20 (8 failed checks, one overruled to a pass;
 *                 one more overrule agrees with its check, one was undone) → 9/40
 *                 Model A 2-shot: digits 0/10, words 1/10
 *                 Model B 0-shot: digits 0/5, words 5/5
 *     count-words Model A 0-shot: digits 1/10, words 4/10 → 5/20
 *   → class × Model A × 0-shot pools 14/60.
 *   free-text (no class, no sets) Model A 0-shot: 3/7.
 *   gone (deleted suite) Model A 0-shot: 4/4, counted nowhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput, Rates } from '../contract';
import { gatherModelCard } from '../core/model-card/data';
import { cleanupAll, failure, newEngine, unwrap, type TestEngine } from './helpers';
import { probeFixture } from './support/probe-fixture';
import { addModel } from './support/review-fixtures';

afterAll(cleanupAll);

let t: TestEngine;
let ids: { a: number; b: number; addWords: number; countWords: number; freeText: number; gone: number; classId: number };
const call = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => unwrap(await t.engine.call(method, input));

beforeAll(async () => {
  t = newEngine('rates', { runJobs: false });
  const ws = t.workspace;
  const a = addModel(ws, 'Model A');
  const b = addModel(ws, 'Model B');
  const classId = (await call('taxonomy.create', { name: 'Arithmetic words', description: '', example: '' })).id;
  const ada = (await call('reviewers.create', { name: 'Ada', role: 'sme' })).id;
  const f = probeFixture(ws);
  const form = [{ name: 'form', values: ['digits', 'words'] }];
  const addWords = f.suite('add-words', classId, form);
  const countWords = f.suite('count-words', classId, form);
  const freeText = f.suite('free-text', null);
  const gone = f.suite('gone', classId, form);

  const pair = (suite: number, draw: number) => ({ digits: f.probe(suite, draw, { form: 'digits' }), words: f.probe(suite, draw, { form: 'words' }) });
  const aw = pair(addWords, 0);
  f.checks(aw.digits, a, 0, 20, 2);
  // Words: 8 failed checks and 12 passes; a reviewer passes one failed output, agrees with one pass, and undoes a third overrule.
  const failed = f.check(aw.words, a, 0, false);
  f.checks(aw.words, a, 0, 7, 7);
  const passed = f.check(aw.words, a, 0, true);
  f.checks(aw.words, a, 0, 11, 0);
  f.overrule(failed, ada, true);
  f.overrule(passed, ada, true);
  f.undoOverrule(f.overrule(f.check(aw.digits, a, 2, true), ada, false));
  f.checks(aw.digits, a, 2, 9, 0);
  f.checks(aw.words, a, 2, 10, 1);
  f.checks(aw.digits, b, 0, 5, 0);
  f.checks(aw.words, b, 0, 5, 5);
  const cw = pair(countWords, 0);
  f.checks(cw.digits, a, 0, 10, 1);
  f.checks(cw.words, a, 0, 10, 4);
  f.checks(f.probe(freeText, 0), a, 0, 7, 3);
  const g = pair(gone, 0);
  f.checks(g.digits, a, 0, 2, 2);
  f.checks(g.words, a, 0, 2, 2);
  ws.writer.prepare('UPDATE probe_suites SET deleted_at = 1 WHERE id = ?').run(gone);
  ids = { a, b, addWords, countWords, freeText, gone, classId };
});

const row = (rates: Rates, name: string, modelId: number, shots: number) => rates.rows.find((r) => r.name === name && r.modelId === modelId && r.shots === shots);
const gapOf = (rates: Rates, suiteId: number, modelId: number, shots: number) => rates.gaps.find((g) => g.suiteId === suiteId && g.modelId === modelId && g.shots === shots);

describe('rates.get', () => {
  it('pools the suites of a class per model × shots, with the Wilson 95% interval worked by hand', async () => {
    const rates = await call('rates.get', {});
    expect(rates.available).toBe(true);
    const pooled = row(rates, 'Arithmetic words', ids.a, 0)!;
    expect(pooled).toMatchObject({ classId: ids.classId, modelName: 'Model A', checked: 60, failures: 14, overruled: 2 });
    // 14/60: p̂ = 0.2333…, Wilson (0.14440, 0.35436).
    expect(pooled.rate).toBeCloseTo(0.233333, 6);
    expect(pooled.low).toBeCloseTo(0.1443956, 6);
    expect(pooled.high).toBeCloseTo(0.3543627, 6);
    // Each suite inside the class: add-words 9/40 → (0.12316, 0.37503); count-words 5/20.
    expect(pooled.suites.map((s) => [s.suiteName, s.failures, s.checked])).toEqual([
      ['add-words', 9, 40],
      ['count-words', 5, 20],
    ]);
    expect(pooled.suites[0]!.low).toBeCloseTo(0.1231609, 6);
    expect(pooled.suites[0]!.high).toBeCloseTo(0.375031, 6);
    expect(row(rates, 'Arithmetic words', ids.a, 2)).toMatchObject({ checked: 20, failures: 1 });
    expect(row(rates, 'Arithmetic words', ids.b, 0)).toMatchObject({ checked: 10, failures: 5 });
  });

  it('gives a suite without a class its own row, named after the suite; a deleted suite counts nowhere', async () => {
    const rates = await call('rates.get', {});
    const free = row(rates, 'free-text', ids.a, 0)!;
    expect(free).toMatchObject({ classId: null, checked: 7, failures: 3 });
    // 3/7: Wilson (0.15822, 0.74954).
    expect(free.low).toBeCloseTo(0.1582199, 6);
    expect(free.high).toBeCloseTo(0.7495416, 6);
    expect(rates.rows.map((r) => `${r.name}/${r.modelName}/${r.shots}`)).toEqual([
      'Arithmetic words/Model A/0',
      'Arithmetic words/Model A/2',
      'Arithmetic words/Model B/0',
      'free-text/Model A/0',
    ]);
    expect(rates.rows.flatMap((r) => r.suites).some((s) => s.suiteId === ids.gone)).toBe(false);
    expect(rates.gaps.some((g) => g.suiteId === ids.gone)).toBe(false);
  });

  it('counts what probe_verdicts says: a live overrule over its check, an undone one not at all', async () => {
    const rates = await call('rates.get', {});
    const view = t.workspace.reader
      .prepare(
        `SELECT suite_id, model_id, shots, count(*) AS checked, sum(passed = 0) AS failures FROM probe_verdicts
         WHERE suite_id IN (SELECT id FROM probe_suites WHERE deleted_at IS NULL) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      )
      .all() as { suite_id: number; model_id: number; shots: number; checked: number; failures: number }[];
    const ours = rates.rows
      .flatMap((r) => r.suites.map((s) => ({ suite_id: s.suiteId, model_id: r.modelId, shots: r.shots, checked: s.checked, failures: s.failures })))
      .sort((x, y) => x.suite_id - y.suite_id || x.model_id - y.model_id || x.shots - y.shots);
    expect(ours).toEqual(view);
    // The checks alone say 8 of add-words' 20 words outputs failed; the overrule makes it 7.
    expect(gapOf(rates, ids.addWords, ids.a, 0)!.a).toMatchObject({ checked: 20, failures: 7 });
  });

  it('gives each minimal-pair gap against the set’s first value, with Newcombe’s interval worked by hand', async () => {
    const rates = await call('rates.get', {});
    const g = gapOf(rates, ids.addWords, ids.a, 0)!;
    expect(g).toMatchObject({ suiteName: 'add-words', set: 'form', value: 'words', reference: 'digits', modelName: 'Model A', a: { checked: 20, failures: 7 }, b: { checked: 20, failures: 2 } });
    // 7/20 − 2/20 = 0.25, (−0.01251, 0.47881): the interval includes 0.
    expect(g.gap).toBeCloseTo(0.25, 9);
    expect(g.low).toBeCloseTo(-0.0125085, 6);
    expect(g.high).toBeCloseTo(0.4788133, 6);
    // 5/5 − 0/5 = 1, (0.38555, 1): excludes 0.
    const b = gapOf(rates, ids.addWords, ids.b, 0)!;
    expect([b.gap, b.low, b.high].map((x) => Number(x!.toFixed(6)))).toEqual([1, 0.385549, 1]);
    const c = gapOf(rates, ids.countWords, ids.a, 0)!;
    expect(c.low).toBeCloseTo(-0.0824233, 6);
    expect(c.high).toBeCloseTo(0.5988322, 6);
    expect(rates.gaps).toHaveLength(4);
  });

  it('filters by suite, model and shots', async () => {
    const bySuite = await call('rates.get', { suiteIds: [ids.countWords] });
    expect(bySuite.rows.map((r) => [r.name, r.modelId, r.shots, r.failures, r.checked])).toEqual([['Arithmetic words', ids.a, 0, 5, 20]]);
    expect(bySuite.gaps.map((g) => g.suiteId)).toEqual([ids.countWords]);
    const byModel = await call('rates.get', { modelIds: [ids.b] });
    expect(byModel.rows.map((r) => [r.modelId, r.failures, r.checked])).toEqual([[ids.b, 5, 10]]);
    expect(byModel.gaps.map((g) => g.modelId)).toEqual([ids.b]);
    const byShots = await call('rates.get', { shots: [2] });
    expect(byShots.rows.map((r) => [r.name, r.shots, r.failures, r.checked])).toEqual([['Arithmetic words', 2, 1, 20]]);
    const g = byShots.gaps[0]!;
    // 1/10 − 0/10 = 0.1, (−0.18943, 0.40415).
    expect(g.low).toBeCloseTo(-0.1894284, 6);
    expect(g.high).toBeCloseTo(0.40415, 5);
    expect((await call('rates.get', { modelIds: [ids.a], shots: [7] })).rows).toEqual([]);
  });

  it('is empty, not an error, on a workspace with no checks', async () => {
    const empty = newEngine('rates-empty', { runJobs: false });
    expect(unwrap(await empty.engine.call('rates.get', {}))).toEqual({ available: true, rows: [], gaps: [] });
  });
});

describe('the model card’s gaps', () => {
  // The card reads a generation's shots from its template version; the fixture's generations have none, so one gap over all.
  it('come from the same pairs: add-words for Model A over all its outputs', () => {
    const card = gatherModelCard(t.workspace.reader, { modelId: ids.a, intendedUse: '', limitations: '' });
    const suite = card.suites!.find((s) => s.id === ids.addWords)!;
    expect(suite.gaps.map((g) => [g.value, g.reference, g.shots, g.gap.a.successes, g.gap.a.trials, g.gap.b.successes, g.gap.b.trials])).toEqual([
      ['words', 'digits', null, 8, 30, 2, 30],
    ]);
  });
});

describe('rates.sampleSize', () => {
  it('answers the probes per variant a Wilson interval of that width needs (hand-checked against the width formula)', async () => {
    expect(await call('rates.sampleSize', { width: 0.1 })).toEqual({ n: 381, variants: 1, total: 381 });
    expect(await call('rates.sampleSize', { width: 0.05, rate: 0.5, variants: 2 })).toEqual({ n: 1533, variants: 2, total: 3066 });
    expect((await call('rates.sampleSize', { width: 0.1, rate: 0.1 })).n).toBe(141);
    failure(await t.engine.call('rates.sampleSize', { width: 0 }), 'invalid_input');
  });
});
