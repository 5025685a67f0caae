/**
 * Workspace settings and blind review (issue 9, defect 6): a second reviewer saw the first one's
 * correction and edited it. Through Engine.dispatch on real workspace files, with two reviewers.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput } from '../contract';
import { Engine } from '../core/engine';
import { openWorkspace, type Workspace } from '../core/workspace/workspace';
import { cleanupAll, closeEngine, collectEvents, failure, newEngine, type TestEngine, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

let t: TestEngine;
let engine: Engine;
let ws: Workspace;

beforeEach(() => {
  t = newEngine('blind');
  engine = t.engine;
  ws = t.workspace;
});

async function ok<M extends MethodName>(method: M, input: MethodInput<M>, on = engine): Promise<MethodOutput<M>> {
  return unwrap(await on.call(method, input));
}

/** One output, and Ada's full label on it: ratings, a verdict, a span tag, a think-aloud step, a correction. */
async function adaLabels() {
  const modelId = addModel(ws, 'model-a');
  const seq = addPrompt(ws, 'p-1', 'What is seven plus 5?');
  const g = addGeneration(ws, { promptSeq: seq, modelId, output: '7 + 5 = 75' });
  const ada = await ok('reviewers.create', { name: 'Ada', role: 'sme' });
  const bo = await ok('reviewers.create', { name: 'Bo', role: 'nlp' });
  const [criterion] = await ok('rubric.list', {});
  const [cls] = await ok('taxonomy.list', {});
  await ok('review.addTag', { generationId: g, reviewerId: ada.id, classId: cls!.id, span: { start: 8, end: 10 } });
  const step = await ok('review.saveStep', { generationId: g, reviewerId: ada.id, body: 'Ada thinks 75 is concatenation.' });
  await ok('review.save', { generationId: g, reviewerId: ada.id, ratings: { [criterion!.id]: 1 }, verdict: 'bad', comment: 'Ada: wrong sum', submit: true });
  const correction = await ok('corrections.save', { generationId: g, reviewerId: ada.id, text: "Ada's fix: 7 + 5 = 12" });
  return { g, ada, bo, step, correction };
}

describe('workspace settings', () => {
  it('are blind by default, change one at a time, say so in an event, and stay in the file', async () => {
    expect(await ok('settings.get', {})).toEqual({ blindReviewers: true, blindComparisons: true });
    const seen = collectEvents(engine, 'onDidChangeSettings');
    expect(await ok('settings.update', { blindReviewers: false })).toEqual({ blindReviewers: false, blindComparisons: true });
    expect(await ok('settings.update', { blindComparisons: false })).toEqual({ blindReviewers: false, blindComparisons: false });
    expect(seen.events).toEqual([
      { blindReviewers: false, blindComparisons: true },
      { blindReviewers: false, blindComparisons: false },
    ]);
    seen.stop();

    await closeEngine(engine);
    const again = new Engine(openWorkspace(t.file), { shell: 'browser' });
    try {
      expect(await ok('settings.get', {}, again)).toEqual({ blindReviewers: false, blindComparisons: false });
    } finally {
      await again.close();
    }
  });

  it('refuses an empty change, an unknown setting and a value of the wrong type, changing nothing', async () => {
    for (const input of [{}, { blindReviewer: false }, { blindReviewers: 'no' }, { blindReviewers: true, extra: 1 }]) {
      failure(await engine.dispatch('settings.update', input), 'invalid_input');
    }
    expect(await ok('settings.get', {})).toEqual({ blindReviewers: true, blindComparisons: true });
  });

  it('reads a value this build cannot use as its default', async () => {
    ws.writer.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('blindReviewers', '\"maybe\"', 0), ('future', '1', 0)").run();
    expect(await ok('settings.get', {})).toEqual({ blindReviewers: true, blindComparisons: true });
  });
});

describe('blind reviewers (on by default)', () => {
  it("a second reviewer sees nothing of the first one's labels, correction or think-aloud", async () => {
    const { g, bo } = await adaLabels();
    const item = await ok('review.item', { generationId: g, reviewerId: bo.id });
    expect(item.review).toBeNull();
    expect(item.corrections).toEqual([]);
    expect(item.others).toEqual([]);
    expect(JSON.stringify(item)).not.toMatch(/Ada/);
    expect(await ok('corrections.history', { generationId: g, reviewerId: bo.id })).toEqual([]);
  });

  it("each reviewer's correction is their own: the second starts from the output at version 1, the first keeps theirs", async () => {
    const { g, ada, bo, correction } = await adaLabels();
    // Bo saving the very text of Ada's correction still makes Bo's own version 1 (not "no change").
    const mine = await ok('corrections.save', { generationId: g, reviewerId: bo.id, text: "Ada's fix: 7 + 5 = 12" });
    expect(mine).toMatchObject({ reviewerId: bo.id, version: 1 });
    expect(mine.id).not.toBe(correction.id);
    const v2 = await ok('corrections.save', { generationId: g, reviewerId: bo.id, text: 'Bo: twelve' });
    expect(v2.version).toBe(2);

    const adaItem = await ok('review.item', { generationId: g, reviewerId: ada.id });
    expect(adaItem.corrections.map((c) => [c.version, c.text])).toEqual([[1, "Ada's fix: 7 + 5 = 12"]]);
    const boItem = await ok('review.item', { generationId: g, reviewerId: bo.id });
    expect(boItem.corrections.map((c) => [c.reviewerId, c.version, c.text])).toEqual([
      [bo.id, 1, "Ada's fix: 7 + 5 = 12"],
      [bo.id, 2, 'Bo: twelve'],
    ]);
    expect((await ok('corrections.history', { generationId: g, reviewerId: ada.id })).map((c) => c.text)).toEqual(["Ada's fix: 7 + 5 = 12"]);
    // Stored: every save on the output is numbered in order (exports take the newest).
    expect(ws.reader.prepare('SELECT reviewer_id, version FROM corrections WHERE generation_id = ? ORDER BY version').raw().all(g)).toEqual([
      [ada.id, 1],
      [bo.id, 2],
      [bo.id, 3],
    ]);
  });

  it("a reviewer cannot edit another's think-aloud step, and their own label on the output starts empty", async () => {
    const { g, ada, bo, step } = await adaLabels();
    const error = failure(await engine.call('review.saveStep', { generationId: g, reviewerId: bo.id, stepId: step.id, body: 'Bo overwrites' }), 'invalid_input');
    expect(error.message).toMatch(/another label/);
    const adaItem = await ok('review.item', { generationId: g, reviewerId: ada.id });
    expect(adaItem.review!.steps.map((s) => s.body)).toEqual(['Ada thinks 75 is concatenation.']);
    // Bo's attempt made Bo an empty draft of Bo's own, nothing more.
    const boItem = await ok('review.item', { generationId: g, reviewerId: bo.id });
    expect(boItem.review?.steps ?? []).toEqual([]);
    expect(boItem.review?.tags ?? []).toEqual([]);
  });
});

describe("another reviewer's tags and steps cannot be edited", () => {
  it('refuses removing, restoring, deleting or moving them by id, and leaves them as they were', async () => {
    const { g, ada, bo, step } = await adaLabels();
    const before = await ok('review.item', { generationId: g, reviewerId: ada.id });
    const tagId = before.review!.tags[0]!.id;
    for (const [method, input] of [
      ['review.removeTag', { id: tagId, reviewerId: bo.id }],
      ['review.restoreTag', { id: tagId, reviewerId: bo.id }],
      ['review.deleteStep', { id: step.id, reviewerId: bo.id }],
      ['review.restoreStep', { id: step.id, reviewerId: bo.id }],
      ['review.moveStep', { id: step.id, reviewerId: bo.id, position: 0 }],
    ] as const) {
      const error = failure(await engine.dispatch(method, input), 'invalid_input');
      expect(error.message).toMatch(/belongs to another reviewer's label/);
    }
    // Without the reviewer the call is not even valid.
    failure(await engine.dispatch('review.removeTag', { id: tagId }), 'invalid_input');
    expect(await ok('review.item', { generationId: g, reviewerId: ada.id })).toEqual(before);
    // The owner still can.
    expect((await ok('review.removeTag', { id: tagId, reviewerId: ada.id })).tags).toEqual([]);
  });
});

describe('reviewers not blind (setting off)', () => {
  it("shows the others' labels, steps and corrections by name, apart from the reviewer's own", async () => {
    const { g, ada, bo } = await adaLabels();
    await ok('settings.update', { blindReviewers: false });
    await ok('review.save', { generationId: g, reviewerId: bo.id, verdict: 'acceptable' });

    const item = await ok('review.item', { generationId: g, reviewerId: bo.id });
    expect(item.review).toMatchObject({ reviewerId: bo.id, verdict: 'acceptable', status: 'draft' });
    expect(item.corrections).toEqual([]);
    expect(item.others).toHaveLength(1);
    const [other] = item.others;
    expect(other).toMatchObject({ reviewerId: ada.id, reviewerName: 'Ada' });
    expect(other!.review).toMatchObject({ reviewerId: ada.id, verdict: 'bad', status: 'submitted', comment: 'Ada: wrong sum' });
    expect(other!.review!.tags).toHaveLength(1);
    expect(other!.review!.steps.map((s) => s.body)).toEqual(['Ada thinks 75 is concatenation.']);
    expect(other!.corrections.map((c) => [c.version, c.text])).toEqual([[1, "Ada's fix: 7 + 5 = 12"]]);

    // And Ada sees Bo's draft the same way; a reviewer who did nothing on the output is not listed.
    await ok('reviewers.create', { name: 'Cy', role: 'sme' });
    const adaItem = await ok('review.item', { generationId: g, reviewerId: ada.id });
    expect(adaItem.others.map((o) => [o.reviewerName, o.review?.verdict])).toEqual([['Bo', 'acceptable']]);

    // Back on: gone again.
    await ok('settings.update', { blindReviewers: true });
    expect((await ok('review.item', { generationId: g, reviewerId: bo.id })).others).toEqual([]);
  });
});
