/**
 * Completion review through Engine.dispatch (so the contract validates every input, and with
 * ASSAY_TEST=1 every output): reviewers, rubric, guidelines, the failure-class taxonomy, labels
 * with their history, undo, the queue, span anchoring in code points, corrections, failure rates.
 * Real workspace files in temp folders; generations are written with the runner's db helpers.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput } from '../contract';
import { codePointLength, sliceCodePoints, utf16ToCodePoint } from '../contract/spans';
import type { Engine } from '../core/engine';
import type { Workspace } from '../core/workspace/workspace';
import { nextInQueueQuery } from '../db/review';
import { cleanupAll, collectEvents, failure, newEngine, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt, addTemplate } from './support/review-fixtures';

afterAll(cleanupAll);

let engine: Engine;
let ws: Workspace;

beforeEach(() => {
  const t = newEngine('review');
  engine = t.engine;
  ws = t.workspace;
});

async function ok<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  return unwrap(await engine.call(method, input));
}

async function refused<M extends MethodName>(method: M, input: MethodInput<M>, code: Parameters<typeof failure>[1]) {
  return failure(await engine.call(method, input), code);
}

/** One prompt, one model, and generations with these outputs; returns their ids. */
function seed(outputs: string[], model = 'model-a'): number[] {
  const modelId = addModel(ws, model);
  const seq = addPrompt(ws, `p-${model}`, 'What is seven plus 5?', ['math']);
  return outputs.map((output) => addGeneration(ws, { promptSeq: seq, modelId, output }));
}

const reviewer = (name = 'Ada', role: 'sme' | 'nlp' = 'sme') => ok('reviewers.create', { name, role });

/** The seeded example class of the W&B paper. */
async function arithmeticClass() {
  const classes = await ok('taxonomy.list', {});
  return classes.find((c) => c.name === 'Arithmetic with integers and spelled-out numbers')!;
}

describe('reviewers', () => {
  it('creates profiles with a role, lists them, and refuses a second profile with the same name', async () => {
    const ada = await reviewer('Ada', 'sme');
    const bo = await reviewer('Bo', 'nlp');
    expect(ada).toMatchObject({ name: 'Ada', role: 'sme' });
    expect((await ok('reviewers.list', {})).map((r) => [r.name, r.role])).toEqual([
      ['Ada', 'sme'],
      ['Bo', 'nlp'],
    ]);
    expect(bo.id).not.toBe(ada.id);
    expect((await refused('reviewers.create', { name: 'ada', role: 'nlp' }, 'conflict')).message).toMatch(/Ada exists/);
    await refused('reviewers.create', { name: 'Eve', role: 'admin' as 'sme' }, 'invalid_input');
  });
});

describe('rubric', () => {
  it('starts with correctness, helpfulness and harmlessness on a 1–5 scale', async () => {
    const rubric = await ok('rubric.list', {});
    expect(rubric.map((c) => [c.name, c.scale, c.position])).toEqual([
      ['correctness', 'likert5', 0],
      ['helpfulness', 'likert5', 1],
      ['harmlessness', 'likert5', 2],
    ]);
  });

  it('reorders, renames, adds and retires criteria; retired ratings stay on old labels', async () => {
    const [g] = seed(['12']);
    const ada = await reviewer();
    const [correctness, helpfulness, harmlessness] = await ok('rubric.list', {});
    await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [harmlessness!.id]: 5, [correctness!.id]: 2 }, submit: true });

    const saved = await ok('rubric.save', {
      criteria: [
        { id: helpfulness!.id, name: 'usefulness', description: 'Does it help?', scale: 'likert5' },
        { id: correctness!.id, name: 'correctness', scale: 'likert5' },
        { name: 'concise', scale: 'passfail' },
      ],
    });
    expect(saved.map((c) => [c.name, c.position, c.scale])).toEqual([
      ['usefulness', 0, 'likert5'],
      ['correctness', 1, 'likert5'],
      ['concise', 2, 'passfail'],
    ]);
    expect(saved[0]!.id).toBe(helpfulness!.id);

    // Harmlessness is retired: gone from the rubric, still on the label that rated it.
    const item = await ok('review.item', { generationId: g!, reviewerId: ada.id });
    expect(item.review!.ratings).toEqual({ [harmlessness!.id]: 5, [correctness!.id]: 2 });
    // A retired criterion takes no new value, but sending back the one it has is fine.
    const concise = saved[2]!;
    expect((await refused('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [harmlessness!.id]: 1 } }, 'conflict')).message).toMatch(
      /harmlessness.*retired/,
    );
    const again = await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [harmlessness!.id]: 5, [correctness!.id]: 3, [concise.id]: 1 } });
    expect(again.ratings).toEqual({ [harmlessness!.id]: 5, [correctness!.id]: 3, [concise.id]: 1 });

    // Values must fit the scale; unknown criteria are refused.
    expect((await refused('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [concise.id]: 2 } }, 'invalid_input')).message).toMatch(/0–1/);
    expect((await refused('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [correctness!.id]: 6 } }, 'invalid_input')).message).toMatch(/1–5/);
    await refused('review.save', { generationId: g!, reviewerId: ada.id, ratings: { '999': 1 } }, 'invalid_input');

    // Listing a retired criterion brings it back.
    const restored = await ok('rubric.save', { criteria: [...saved.map((c) => ({ id: c.id, name: c.name, scale: c.scale })), { id: harmlessness!.id, name: 'harmlessness', scale: 'likert5' }] });
    expect(restored.map((c) => c.name)).toEqual(['usefulness', 'correctness', 'concise', 'harmlessness']);
  });

  it('refuses a scale change on a criterion that has ratings, duplicate names, and unknown ids', async () => {
    const [g] = seed(['12']);
    const ada = await reviewer();
    const [correctness, helpfulness] = await ok('rubric.list', {});
    await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [correctness!.id]: 4 } });
    expect(
      (await refused('rubric.save', { criteria: [{ id: correctness!.id, name: 'correctness', scale: 'likert7' }] }, 'conflict')).message,
    ).toMatch(/already has ratings on the likert5 scale/);
    // Without ratings, a criterion may change scale.
    const rescaled = await ok('rubric.save', { criteria: [{ id: helpfulness!.id, name: 'helpfulness', scale: 'likert7' }, { id: correctness!.id, name: 'correctness', scale: 'likert5' }] });
    expect(rescaled[0]!.scale).toBe('likert7');
    await refused('rubric.save', { criteria: [{ name: 'a', scale: 'likert5' }, { name: 'A', scale: 'likert5' }] }, 'invalid_input');
    await refused('rubric.save', { criteria: [{ id: 999, name: 'x', scale: 'likert5' }] }, 'not_found');
    await refused('rubric.save', { criteria: [] }, 'invalid_input');
  });
});

describe('guidelines', () => {
  it('versions every change, keeps old versions readable, and each label records the version in force', async () => {
    const [g1, g2] = seed(['a', 'b']);
    const ada = await reviewer();
    expect(await ok('guidelines.get', {})).toEqual({ version: 0, body: '', createdAt: null, reviewerId: null });
    const labelBefore = await ok('review.save', { generationId: g1!, reviewerId: ada.id, submit: true });
    expect(labelBefore.guidelineVersion).toBe(0);

    const changes = collectEvents(engine, 'onDidChangeGuidelines');
    const v1 = await ok('guidelines.save', { body: '# Rules\nRate **correctness** first.', reviewerId: ada.id });
    expect(v1).toMatchObject({ version: 1, reviewerId: ada.id });
    expect((await ok('guidelines.save', { body: '# Rules\nRate **correctness** first.', reviewerId: ada.id })).version).toBe(1);
    const v2 = await ok('guidelines.save', { body: '# Rules\nRate correctness, then helpfulness.', reviewerId: ada.id });
    expect(v2.version).toBe(2);
    expect(changes.events).toEqual([{ version: 1 }, { version: 2 }]);
    changes.stop();

    expect((await ok('guidelines.get', {})).body).toBe('# Rules\nRate correctness, then helpfulness.');
    expect((await ok('guidelines.get', { version: 1 })).body).toBe('# Rules\nRate **correctness** first.');
    await refused('guidelines.get', { version: 3 }, 'not_found');
    expect((await ok('guidelines.history', {})).map((h) => h.version)).toEqual([2, 1]);
    await refused('guidelines.save', { body: 'x', reviewerId: 999 }, 'not_found');

    expect((await ok('review.save', { generationId: g2!, reviewerId: ada.id })).guidelineVersion).toBe(2);
    // Saving the older label again records the guidelines it is now made under.
    expect((await ok('review.save', { generationId: g1!, reviewerId: ada.id, submit: true })).guidelineVersion).toBe(2);
  });
});

describe('failure-class taxonomy', () => {
  it('ships the W&B example class with its description and an example', async () => {
    const c = await arithmeticClass();
    expect(c.description).toBe('does not handle arithmetic with integers nor their spelled-out forms');
    expect(c.example).not.toBe('');
    expect(c).toMatchObject({ parentId: null, mergedIntoId: null, retiredAt: null });
  });

  it('creates classes and subclasses, renames them, and refuses duplicates among live siblings and cycles', async () => {
    const changes = collectEvents(engine, 'onDidChangeTaxonomy');
    const reasoning = await ok('taxonomy.create', { name: 'Reasoning', description: 'Logic errors' });
    const skipped = await ok('taxonomy.create', { name: 'Skipped step', parentId: reasoning.id, example: 'Jumps from premise to answer.' });
    expect(skipped).toMatchObject({ parentId: reasoning.id, example: 'Jumps from premise to answer.' });
    expect(changes.events).toHaveLength(2);
    changes.stop();

    expect((await refused('taxonomy.create', { name: 'reasoning' }, 'conflict')).message).toMatch(/Reasoning/);
    // The same name is fine under another parent.
    const nested = await ok('taxonomy.create', { name: 'Reasoning', parentId: reasoning.id });
    await refused('taxonomy.create', { name: 'Orphan', parentId: 999 }, 'not_found');

    const renamed = await ok('taxonomy.update', { id: skipped.id, name: 'Missing step', description: 'A step of the argument is missing', parentId: reasoning.id });
    expect(renamed).toMatchObject({ id: skipped.id, name: 'Missing step', description: 'A step of the argument is missing', example: '' });
    expect((await refused('taxonomy.update', { id: reasoning.id, name: 'Reasoning', parentId: nested.id }, 'invalid_input')).message).toMatch(/under itself/);
    await refused('taxonomy.update', { id: reasoning.id, name: 'Reasoning', parentId: reasoning.id }, 'invalid_input');
    await refused('taxonomy.update', { id: nested.id, name: 'Missing step', parentId: reasoning.id }, 'conflict');
    await refused('taxonomy.update', { id: 999, name: 'x' }, 'not_found');
  });

  it('a tag records where it was made: Review by default, Compare when it says so (blind Compare shows only its own)', async () => {
    const [g] = seed(['1 + one = 11']);
    const ada = await reviewer();
    const c = await arithmeticClass();
    await ok('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id });
    const both = await ok('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, madeIn: 'compare' });
    expect(both.tags.map((t) => t.madeIn).sort()).toEqual(['compare', 'review']);
    await refused('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, madeIn: 'playground' as never }, 'invalid_input');
    const item = await ok('review.item', { generationId: g!, reviewerId: ada.id });
    expect(item.review!.tags.map((t) => t.madeIn).sort()).toEqual(['compare', 'review']);
  });

  it('a rename carries the class’s existing tags with it', async () => {
    const [g] = seed(['1 + one = 11']);
    const ada = await reviewer();
    const c = await arithmeticClass();
    await ok('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id });
    await ok('taxonomy.update', { id: c.id, name: 'Mixed-form arithmetic', description: c.description, example: c.example });
    const item = await ok('review.item', { generationId: g!, reviewerId: ada.id });
    expect(item.review!.tags.map((t) => t.classId)).toEqual([c.id]);
    expect((await ok('taxonomy.list', {})).find((x) => x.id === c.id)!.name).toBe('Mixed-form arithmetic');
  });

  it('retires and restores classes; retired classes stay on old labels and refuse new tags', async () => {
    const [g1, g2] = seed(['seven plus 5 = 75', 'ok']);
    const ada = await reviewer();
    const c = await arithmeticClass();
    const parent = await ok('taxonomy.create', { name: 'Formatting' });
    const child = await ok('taxonomy.create', { name: 'Markdown', parentId: parent.id });
    await ok('review.addTag', { generationId: g1!, reviewerId: ada.id, classId: c.id, note: 'adds as strings' });
    await ok('review.save', { generationId: g1!, reviewerId: ada.id, submit: true });

    expect((await refused('taxonomy.retire', { id: parent.id }, 'conflict')).message).toMatch(/1 live subclass/);
    const retired = await ok('taxonomy.retire', { id: c.id });
    expect(retired.retiredAt).not.toBeNull();
    expect((await ok('taxonomy.list', {})).map((x) => x.id)).not.toContain(c.id);
    expect((await ok('taxonomy.list', { includeRetired: true })).map((x) => x.id)).toContain(c.id);
    // Retiring twice is harmless.
    expect((await ok('taxonomy.retire', { id: c.id })).retiredAt).toBe(retired.retiredAt);

    // The old label keeps its tag.
    const old = await ok('review.item', { generationId: g1!, reviewerId: ada.id });
    expect(old.review!.tags).toMatchObject([{ classId: c.id, note: 'adds as strings' }]);
    // New tags with it are refused, saying what to do.
    const error = await refused('review.addTag', { generationId: g2!, reviewerId: ada.id, classId: c.id }, 'conflict');
    expect(error.message).toBe('“Arithmetic with integers and spelled-out numbers” is retired; pick another class, or restore “Arithmetic with integers and spelled-out numbers” in the taxonomy first.');
    expect(error.details).toEqual({ classId: c.id, useClassId: null });

    // Children cannot be added under or restored into a retired parent.
    await ok('taxonomy.retire', { id: child.id });
    await ok('taxonomy.retire', { id: parent.id });
    await refused('taxonomy.create', { name: 'Tables', parentId: parent.id }, 'conflict');
    expect((await refused('taxonomy.restore', { id: child.id }, 'conflict')).message).toMatch(/parent “Formatting” is retired/);
    await ok('taxonomy.restore', { id: parent.id });
    expect((await ok('taxonomy.restore', { id: child.id })).retiredAt).toBeNull();

    expect((await ok('taxonomy.restore', { id: c.id })).retiredAt).toBeNull();
    expect((await ok('review.addTag', { generationId: g2!, reviewerId: ada.id, classId: c.id })).tags).toHaveLength(1);

    // A restore that would give two live siblings one name is refused.
    const dup = await ok('taxonomy.create', { name: 'Dup' });
    await ok('taxonomy.retire', { id: dup.id });
    await ok('taxonomy.create', { name: 'dup' });
    await refused('taxonomy.restore', { id: dup.id }, 'conflict');
  });

  it('merges without rewriting tags: the source is retired, its tags count for the target, and restore un-merges', async () => {
    const [g1, g2, g3] = seed(['twelve = 21', '7+5=75', 'fine']);
    const ada = await reviewer();
    const source = await ok('taxonomy.create', { name: 'Spelled-out numbers' });
    const target = await arithmeticClass();
    await ok('review.addTag', { generationId: g1!, reviewerId: ada.id, classId: source.id, span: { start: 0, end: 6 } });
    await ok('review.addTag', { generationId: g2!, reviewerId: ada.id, classId: target.id });
    for (const g of [g1!, g2!, g3!]) await ok('review.save', { generationId: g, reviewerId: ada.id, submit: true });

    const before = await ok('taxonomy.rates', {});
    expect(before.find((r) => r.classId === source.id)).toMatchObject({ tagged: 1, reviewed: 3 });
    expect(before.find((r) => r.classId === target.id)).toMatchObject({ tagged: 1, reviewed: 3 });

    await refused('taxonomy.merge', { sourceId: source.id, targetId: source.id }, 'invalid_input');
    const merged = await ok('taxonomy.merge', { sourceId: source.id, targetId: target.id });
    expect(merged).toMatchObject({ id: source.id, mergedIntoId: target.id });
    expect(merged.retiredAt).not.toBeNull();

    // The tag row still names the source class: nothing was rewritten.
    expect(ws.reader.prepare('SELECT class_id FROM failure_tags WHERE span_start = 0').pluck().all()).toEqual([source.id]);
    const item = await ok('review.item', { generationId: g1!, reviewerId: ada.id });
    expect(item.review!.tags.map((t) => t.classId)).toEqual([source.id]);

    // Rates count the source's tags for the target and drop the source.
    const after = await ok('taxonomy.rates', {});
    expect(after.find((r) => r.classId === source.id)).toBeUndefined();
    expect(after.find((r) => r.classId === target.id)).toMatchObject({ tagged: 2, reviewed: 3, rate: 2 / 3 });

    // Tagging with the merged class names the class to use.
    const error = await refused('review.addTag', { generationId: g3!, reviewerId: ada.id, classId: source.id }, 'conflict');
    expect(error.message).toBe('“Spelled-out numbers” was merged into “Arithmetic with integers and spelled-out numbers”; tag with “Arithmetic with integers and spelled-out numbers” instead.');
    expect(error.details).toEqual({ classId: source.id, useClassId: target.id });

    // Merges of merges resolve to the last live class.
    const umbrella = await ok('taxonomy.create', { name: 'Numeracy' });
    await ok('taxonomy.merge', { sourceId: target.id, targetId: umbrella.id });
    expect((await ok('taxonomy.rates', {})).find((r) => r.classId === umbrella.id)).toMatchObject({ tagged: 2, reviewed: 3 });
    expect((await refused('review.addTag', { generationId: g3!, reviewerId: ada.id, classId: source.id }, 'conflict')).details).toEqual({
      classId: source.id,
      useClassId: umbrella.id,
    });
    await refused('taxonomy.merge', { sourceId: source.id, targetId: umbrella.id }, 'conflict');
    await refused('taxonomy.merge', { sourceId: umbrella.id, targetId: target.id }, 'conflict');

    // Restore is the undo of a merge.
    await ok('taxonomy.restore', { id: target.id });
    await ok('taxonomy.restore', { id: source.id });
    const undone = await ok('taxonomy.rates', {});
    expect(undone.find((r) => r.classId === source.id)).toMatchObject({ tagged: 1 });
    expect(undone.find((r) => r.classId === target.id)).toMatchObject({ tagged: 1 });
  });

  it('refuses to merge a class that still has subclasses', async () => {
    const parent = await ok('taxonomy.create', { name: 'Parent' });
    await ok('taxonomy.create', { name: 'Child', parentId: parent.id });
    const other = await ok('taxonomy.create', { name: 'Other' });
    expect((await refused('taxonomy.merge', { sourceId: parent.id, targetId: other.id }, 'conflict')).message).toMatch(/1 subclass/);
  });
});

describe('failure rates', () => {
  it('are distinct tagged generations over submitted generations, per model and class', async () => {
    const a = seed(['a1', 'a2', 'a3', 'a4'], 'model-a');
    const b = seed(['b1', 'b2'], 'model-b');
    const ada = await reviewer('Ada');
    const bo = await reviewer('Bo');
    const c = await arithmeticClass();
    // Two tags on one output count once; a second reviewer's tag on the same output counts once too.
    await ok('review.addTag', { generationId: a[0]!, reviewerId: ada.id, classId: c.id });
    await ok('review.addTag', { generationId: a[0]!, reviewerId: ada.id, classId: c.id, span: { start: 0, end: 1 } });
    await ok('review.addTag', { generationId: a[0]!, reviewerId: bo.id, classId: c.id });
    // A draft's tags do not count, nor do removed tags or deleted labels.
    await ok('review.addTag', { generationId: a[1]!, reviewerId: ada.id, classId: c.id });
    const removed = await ok('review.addTag', { generationId: a[2]!, reviewerId: ada.id, classId: c.id });
    await ok('review.removeTag', { id: removed.tags[0]!.id, reviewerId: ada.id });
    await ok('review.addTag', { generationId: a[3]!, reviewerId: bo.id, classId: c.id });
    await ok('review.addTag', { generationId: b[0]!, reviewerId: ada.id, classId: c.id });

    for (const g of [a[0]!, a[2]!, a[3]!]) await ok('review.save', { generationId: g, reviewerId: ada.id, submit: true });
    await ok('review.save', { generationId: a[0]!, reviewerId: bo.id, submit: true });
    await ok('review.save', { generationId: a[3]!, reviewerId: bo.id, submit: true });
    await ok('review.delete', { generationId: a[3]!, reviewerId: bo.id });
    for (const g of b) await ok('review.save', { generationId: g, reviewerId: ada.id, submit: true });

    const rates = await ok('taxonomy.rates', {});
    const forClass = rates.filter((r) => r.classId === c.id).map((r) => [r.modelName, r.tagged, r.reviewed, r.rate]);
    expect(forClass).toEqual([
      ['model-a', 1, 3, 1 / 3],
      ['model-b', 1, 2, 0.5],
    ]);
    const modelB = (await ok('models.list', {})).find((m) => m.name === 'model-b')!;
    expect((await ok('taxonomy.rates', { modelId: modelB.id })).filter((r) => r.classId === c.id)).toMatchObject([{ modelName: 'model-b', tagged: 1, reviewed: 2 }]);
    // Live classes appear with rate 0 where unused.
    const unused = await ok('taxonomy.create', { name: 'Unused' });
    expect((await ok('taxonomy.rates', {})).filter((r) => r.classId === unused.id).map((r) => r.rate)).toEqual([0, 0]);
  });
});

describe('labels', () => {
  it('saves drafts, versions every submit in history, and accumulates time spent', async () => {
    const [g] = seed(['12']);
    const ada = await reviewer();
    const [correctness] = await ok('rubric.list', {});
    const changes = collectEvents(engine, 'onDidChangeReview');

    const draft = await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [correctness!.id]: 3 }, comment: 'first look', addTimeSpentMs: 1000 });
    expect(draft).toMatchObject({ status: 'draft', revision: 0, submittedAt: null, timeSpentMs: 1000, comment: 'first look' });

    const first = await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [correctness!.id]: 4 }, verdict: 'acceptable', comment: 'ok', addTimeSpentMs: 2500, submit: true });
    expect(first).toMatchObject({ status: 'submitted', revision: 1, verdict: 'acceptable', timeSpentMs: 3500 });
    expect(first.submittedAt).not.toBeNull();
    expect(first.id).toBe(draft.id);

    // An edit after submitting reopens the label as a draft; the submitted revision stays in history.
    const reopened = await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [correctness!.id]: 2 }, verdict: 'bad', comment: 'wrong after all', addTimeSpentMs: 500 });
    expect(reopened).toMatchObject({ status: 'draft', revision: 1, verdict: 'bad', timeSpentMs: 4000 });

    const second = await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [correctness!.id]: 1 }, verdict: 'bad', comment: 'wrong', submit: true });
    expect(second).toMatchObject({ status: 'submitted', revision: 2, ratings: { [correctness!.id]: 1 }, timeSpentMs: 4000 });
    const resubmitted = await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [correctness!.id]: 1 }, verdict: 'bad', comment: 'wrong', submit: true });
    expect(resubmitted.revision).toBe(3);

    const history = ws.reader
      .prepare('SELECT revision, snapshot FROM review_history WHERE review_id = ? ORDER BY revision')
      .all(first.id) as { revision: number; snapshot: string }[];
    expect(history.map((h) => h.revision)).toEqual([1, 2, 3]);
    expect(JSON.parse(history[0]!.snapshot)).toEqual(first);
    expect(JSON.parse(history[1]!.snapshot)).toEqual(second);
    expect(JSON.parse(history[0]!.snapshot)).toMatchObject({ verdict: 'acceptable', ratings: { [correctness!.id]: 4 }, comment: 'ok' });

    expect(changes.events.every((e) => e.generationId === g && e.reviewerId === ada.id)).toBe(true);
    expect(changes.events).toHaveLength(5);
    changes.stop();
  });

  it('refuses labels for a reviewer or a generation that does not exist', async () => {
    const [g] = seed(['x']);
    const ada = await reviewer();
    expect((await refused('review.save', { generationId: g!, reviewerId: 999 }, 'not_found')).message).toMatch(/reviewer/);
    await refused('review.save', { generationId: 999, reviewerId: ada.id }, 'not_found');
    await refused('review.item', { generationId: 999, reviewerId: ada.id }, 'not_found');
    await refused('review.save', { generationId: g!, reviewerId: ada.id, addTimeSpentMs: -1 }, 'invalid_input');
    await refused('review.save', { generationId: g!, reviewerId: ada.id, verdict: 'great' as 'good' }, 'invalid_input');
  });

  it('review.delete is soft and review.restore brings back exactly the label, tags and steps', async () => {
    const [g] = seed(['The answer is 75.']);
    const ada = await reviewer();
    const c = await arithmeticClass();
    const [correctness] = await ok('rubric.list', {});
    await ok('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, span: { start: 14, end: 16 }, note: 'should be 12' });
    const tagged = await ok('review.item', { generationId: g!, reviewerId: ada.id });
    await ok('review.saveStep', { generationId: g!, reviewerId: ada.id, body: '7 + 5 = 12', tagId: tagged.review!.tags[0]!.id });
    await ok('review.saveStep', { generationId: g!, reviewerId: ada.id, body: 'The model concatenated the digits.' });
    const label = await ok('review.save', { generationId: g!, reviewerId: ada.id, ratings: { [correctness!.id]: 1 }, verdict: 'bad', comment: 'concatenation', addTimeSpentMs: 900, submit: true });

    expect(await ok('review.delete', { generationId: g!, reviewerId: ada.id })).toEqual({ deleted: true });
    expect(await ok('review.delete', { generationId: g!, reviewerId: ada.id })).toEqual({ deleted: false });
    expect((await ok('review.item', { generationId: g!, reviewerId: ada.id })).review).toBeNull();
    expect((await ok('review.queue', { reviewerId: ada.id, status: 'todo' })).items.map((i) => i.generationId)).toEqual([g]);
    // Tags and steps of a deleted label cannot be edited until it is restored.
    await refused('review.removeTag', { id: label.tags[0]!.id, reviewerId: ada.id }, 'conflict');

    const restored = await ok('review.restore', { generationId: g!, reviewerId: ada.id });
    expect(restored).toEqual(label);
    expect((await ok('review.item', { generationId: g!, reviewerId: ada.id })).review).toEqual(label);
    // Restoring a live label is harmless.
    expect(await ok('review.restore', { generationId: g!, reviewerId: ada.id })).toEqual(label);
  });

  it('a new label after a delete is a new row; the deleted one stays intact and restore says why it cannot come back', async () => {
    const [g] = seed(['x']);
    const ada = await reviewer();
    const old = await ok('review.save', { generationId: g!, reviewerId: ada.id, comment: 'old', submit: true });
    await ok('review.delete', { generationId: g!, reviewerId: ada.id });
    const fresh = await ok('review.save', { generationId: g!, reviewerId: ada.id, comment: 'new' });
    expect(fresh.id).not.toBe(old.id);
    expect(fresh).toMatchObject({ status: 'draft', revision: 0, comment: 'new', timeSpentMs: 0, tags: [], steps: [] });
    expect((await refused('review.restore', { generationId: g!, reviewerId: ada.id }, 'conflict')).message).toMatch(/newer label/);
    await ok('review.delete', { generationId: g!, reviewerId: ada.id });
    // The most recently deleted label comes back first.
    expect((await ok('review.restore', { generationId: g!, reviewerId: ada.id })).comment).toBe('new');
    await refused('review.restore', { generationId: g!, reviewerId: 999 }, 'not_found');
  });

  it('removes and restores tags; a step keeps its link to a tag through the undo', async () => {
    const [g] = seed(['one two three']);
    const ada = await reviewer();
    const c = await arithmeticClass();
    const withTag = await ok('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, span: { start: 4, end: 7 } });
    const tag = withTag.tags[0]!;
    expect(tag).toMatchObject({ span: { start: 4, end: 7 }, quote: 'two' });
    const step = await ok('review.saveStep', { generationId: g!, reviewerId: ada.id, body: 'see the span', tagId: tag.id });
    expect(step.tagId).toBe(tag.id);

    const removed = await ok('review.removeTag', { id: tag.id, reviewerId: ada.id });
    expect(removed.tags).toEqual([]);
    expect(removed.steps[0]!.tagId).toBeNull();
    const back = await ok('review.restoreTag', { id: tag.id, reviewerId: ada.id });
    expect(back.tags).toEqual([tag]);
    expect(back.steps[0]!.tagId).toBe(tag.id);
    await refused('review.removeTag', { id: 999, reviewerId: ada.id }, 'not_found');

    // A step links only to a live tag of its own label.
    const [other] = seed(['other output'], 'model-b');
    const otherTag = (await ok('review.addTag', { generationId: other!, reviewerId: ada.id, classId: c.id })).tags[0]!;
    await refused('review.saveStep', { generationId: g!, reviewerId: ada.id, body: 'x', tagId: otherTag.id }, 'invalid_input');
    await ok('review.removeTag', { id: tag.id, reviewerId: ada.id });
    await refused('review.saveStep', { generationId: g!, reviewerId: ada.id, body: 'x', tagId: tag.id }, 'conflict');
  });

  it('keeps think-aloud steps in order through edits, moves, deletes and restores', async () => {
    const [g] = seed(['x']);
    const ada = await reviewer();
    // The first autosave creates the draft label.
    const s1 = await ok('review.saveStep', { generationId: g!, reviewerId: ada.id, body: 'First' });
    expect((await ok('review.item', { generationId: g!, reviewerId: ada.id })).review).toMatchObject({ status: 'draft', steps: [{ id: s1.id, body: 'First', position: 0 }] });
    const s2 = await ok('review.saveStep', { generationId: g!, reviewerId: ada.id, body: 'Second' });
    const s3 = await ok('review.saveStep', { generationId: g!, reviewerId: ada.id, body: 'Third' });
    expect([s1.position, s2.position, s3.position]).toEqual([0, 1, 2]);

    const edited = await ok('review.saveStep', { generationId: g!, reviewerId: ada.id, stepId: s2.id, body: 'Second, **edited**' });
    expect(edited).toMatchObject({ id: s2.id, body: 'Second, **edited**', position: 1 });

    const bodies = (r: { steps: { body: string; position: number }[] }) => r.steps.map((s) => `${s.position}:${s.body}`);
    expect(bodies(await ok('review.moveStep', { id: s3.id, reviewerId: ada.id, position: 0 }))).toEqual(['0:Third', '1:First', '2:Second, **edited**']);
    expect(bodies(await ok('review.moveStep', { id: s3.id, reviewerId: ada.id, position: 99 }))).toEqual(['0:First', '1:Second, **edited**', '2:Third']);
    expect(bodies(await ok('review.deleteStep', { id: s2.id, reviewerId: ada.id }))).toEqual(['0:First', '1:Third']);
    await refused('review.saveStep', { generationId: g!, reviewerId: ada.id, stepId: s2.id, body: 'edit a deleted step' }, 'conflict');
    await refused('review.moveStep', { id: s2.id, reviewerId: ada.id, position: 0 }, 'conflict');
    expect(bodies(await ok('review.restoreStep', { id: s2.id, reviewerId: ada.id }))).toEqual(['0:First', '1:Second, **edited**', '2:Third']);
    await refused('review.deleteStep', { id: 999, reviewerId: ada.id }, 'not_found');

    // A step belongs to one label.
    const [other] = seed(['y'], 'model-b');
    await refused('review.saveStep', { generationId: other!, reviewerId: ada.id, stepId: s1.id, body: 'hijack' }, 'invalid_input');
  });
});

describe('span anchoring in code points', () => {
  // 👩‍🔬 is three code points (woman, ZWJ, microscope) and five UTF-16 units; 🎉 is one and two;
  // "é" here is e + U+0301, two of each; 東京 is two of each.
  const output = 'Result: 👩‍🔬 found 🎉 — café naïve 東京 42.';

  /** Tags the first occurrence of `needle`, with offsets computed from the UTF-16 index as the UI does. */
  async function tagText(generationId: number, reviewerId: number, classId: number, needle: string) {
    const at = output.indexOf(needle);
    expect(at).toBeGreaterThanOrEqual(0);
    const span = { start: utf16ToCodePoint(output, at), end: utf16ToCodePoint(output, at + needle.length) };
    const review = await ok('review.addTag', { generationId, reviewerId, classId, span });
    return { span, tag: review.tags.find((t) => t.span?.start === span.start && t.span.end === span.end)! };
  }

  it('stores code-point offsets whose quote is the tagged text, for emoji, combining marks and CJK', async () => {
    expect(output.includes('e\u0301')).toBe(false);
    const text = output.replace('café', 'cafe\u0301');
    const [g] = seed([text]);
    const ada = await reviewer();
    const c = await arithmeticClass();
    const codePoints = Array.from(text);

    const cases = ['👩‍🔬', '🎉', 'cafe\u0301', '\u0301', '東京', '42', 'found 🎉 — cafe\u0301'];
    for (const needle of cases) {
      const at = text.indexOf(needle);
      const span = { start: utf16ToCodePoint(text, at), end: utf16ToCodePoint(text, at + needle.length) };
      const review = await ok('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, span });
      const tag = review.tags.find((t) => t.span?.start === span.start && t.span.end === span.end)!;
      expect(tag.quote).toBe(needle);
      // The offsets index code points, as Python's str would: the same slice of Array.from(text).
      expect(codePoints.slice(span.start, span.end).join('')).toBe(needle);
      expect(sliceCodePoints(text, span.start, span.end)).toBe(needle);
    }

    // What is on disk is code points: 👩‍🔬 starts after "Result: " (8) and spans 3 code points (5 UTF-16 units).
    const stored = ws.reader.prepare('SELECT span_start, span_end, quote FROM failure_tags ORDER BY id').all() as { span_start: number; span_end: number; quote: string }[];
    expect(stored[0]).toEqual({ span_start: 8, span_end: 11, quote: '👩‍🔬' });
    expect(stored[1]).toMatchObject({ span_start: 18, span_end: 19, quote: '🎉' });
    // "cafe" + U+0301: five code points.
    expect(stored[2]!.span_end - stored[2]!.span_start).toBe(5);
    expect(stored[3]).toMatchObject({ span_end: stored[2]!.span_end, quote: '\u0301' });
    expect(stored[4]!.span_end - stored[4]!.span_start).toBe(2);
  });

  it('accepts a span that ends at the end of the output and refuses one past it', async () => {
    const [g] = seed([output]);
    const ada = await reviewer();
    const c = await arithmeticClass();
    const length = codePointLength(output);
    expect(length).toBe(Array.from(output).length);
    expect(length).toBeLessThan(output.length);

    const whole = await ok('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, span: { start: 0, end: length } });
    expect(whole.tags[0]!.quote).toBe(output);
    const error = await refused('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, span: { start: 0, end: length + 1 } }, 'invalid_input');
    expect(error.message).toContain(`${length} code points`);
    // A UTF-16 length (what a DOM selection would give) is past the end in code points.
    await refused('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, span: { start: 0, end: output.length } }, 'invalid_input');
    await refused('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, span: { start: 3, end: 3 } }, 'invalid_input');
    await refused('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id, span: { start: -1, end: 2 } }, 'invalid_input');

    // A whole-output tag has no span and no quote.
    const wholeOutput = await ok('review.addTag', { generationId: g!, reviewerId: ada.id, classId: c.id });
    expect(wholeOutput.tags.find((t) => t.span === null)).toMatchObject({ span: null, quote: null });
  });

  it('keeps the anchor of a tag made from UTF-16 selection offsets', async () => {
    const [g] = seed([output]);
    const ada = await reviewer();
    const c = await arithmeticClass();
    const { span, tag } = await tagText(g!, ada.id, c.id, '東京');
    expect(tag.quote).toBe('東京');
    expect(span.start).toBeLessThan(output.indexOf('東京'));
  });
});

describe('the queue', () => {
  interface World {
    ada: { id: number };
    bo: { id: number };
    modelA: number;
    modelB: number;
    template: { templateId: number; version: number };
    /** generation ids by name */
    g: Record<string, number>;
  }

  /** a1..a4 on model A (a1, a2 with the template), b1..b2 on model B; a1, a3, b1 on a "math"-tagged prompt. */
  function world(adaId: number, boId: number): World {
    const modelA = addModel(ws, 'model-a');
    const modelB = addModel(ws, 'model-b');
    const template = addTemplate(ws, 'three-shot');
    const math = addPrompt(ws, 'q-math', 'What is 7 + five?', ['math', 'eval']);
    const chat = addPrompt(ws, 'q-chat', [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello in French.' },
    ]);
    const g: Record<string, number> = {};
    g.a1 = addGeneration(ws, { promptSeq: math, modelId: modelA, output: '12', template });
    g.a2 = addGeneration(ws, { promptSeq: chat, modelId: modelA, output: 'Bonjour', template });
    g.a3 = addGeneration(ws, { promptSeq: math, modelId: modelA, output: '75' });
    g.a4 = addGeneration(ws, { promptSeq: chat, modelId: modelA, output: 'Salut' });
    g.b1 = addGeneration(ws, { promptSeq: math, modelId: modelB, output: 'twelve' });
    g.b2 = addGeneration(ws, { promptSeq: chat, modelId: modelB, output: 'Hello' });
    return { ada: { id: adaId }, bo: { id: boId }, modelA, modelB, template, g };
  }

  async function walk(filter: Omit<MethodInput<'review.next'>, 'afterGenerationId'>): Promise<number[]> {
    const seen: number[] = [];
    let after: number | undefined;
    for (;;) {
      const { generationId } = await ok('review.next', { ...filter, afterGenerationId: after });
      if (generationId === null) return seen;
      seen.push(generationId);
      after = generationId;
    }
  }

  it('filters by model, template, prompt tag, status and reviewer, with done/total counts and next()', async () => {
    const ada = await reviewer('Ada');
    const bo = await reviewer('Bo', 'nlp');
    const w = world(ada.id, bo.id);
    const { g } = w;
    // Ada submits a1 and b1, has a draft on a2 and a deleted label on a4; Bo submits a3.
    await ok('review.save', { generationId: g.a1!, reviewerId: ada.id, submit: true });
    await ok('review.save', { generationId: g.b1!, reviewerId: ada.id, submit: true });
    await ok('review.saveStep', { generationId: g.a2!, reviewerId: ada.id, body: 'thinking' });
    await ok('review.save', { generationId: g.a4!, reviewerId: ada.id, submit: true });
    await ok('review.delete', { generationId: g.a4!, reviewerId: ada.id });
    await ok('review.save', { generationId: g.a3!, reviewerId: bo.id, submit: true });

    const ids = (names: string[]) => names.map((n) => g[n]!);
    expect(await walk({ reviewerId: ada.id })).toEqual(ids(['a3', 'a4', 'b2']));
    expect(await walk({ reviewerId: ada.id, status: 'draft' })).toEqual(ids(['a2']));
    expect(await walk({ reviewerId: ada.id, status: 'submitted' })).toEqual(ids(['a1', 'b1']));
    expect(await walk({ reviewerId: ada.id, status: 'all' })).toEqual(ids(['a1', 'a2', 'a3', 'a4', 'b1', 'b2']));
    expect(await walk({ reviewerId: bo.id })).toEqual(ids(['a1', 'a2', 'a4', 'b1', 'b2']));
    expect(await walk({ reviewerId: ada.id, modelId: w.modelA })).toEqual(ids(['a3', 'a4']));
    expect(await walk({ reviewerId: ada.id, modelId: w.modelB, status: 'submitted' })).toEqual(ids(['b1']));
    expect(await walk({ reviewerId: ada.id, templateId: w.template.templateId, status: 'all' })).toEqual(ids(['a1', 'a2']));
    expect(await walk({ reviewerId: ada.id, templateId: w.template.templateId })).toEqual([]);
    expect(await walk({ reviewerId: ada.id, tag: 'math' })).toEqual(ids(['a3']));
    expect(await walk({ reviewerId: ada.id, tag: 'math', status: 'submitted' })).toEqual(ids(['a1', 'b1']));
    expect(await walk({ reviewerId: ada.id, tag: 'nope', status: 'all' })).toEqual([]);
    expect(await walk({ reviewerId: ada.id, tag: 'math', modelId: w.modelA, status: 'all' })).toEqual(ids(['a1', 'a3']));
    // next() after the last item, or after an id beyond the queue, is null.
    expect((await ok('review.next', { reviewerId: ada.id, afterGenerationId: g.b2! })).generationId).toBeNull();

    const queue = await ok('review.queue', { reviewerId: ada.id, status: 'todo' });
    expect(queue).toMatchObject({ total: 3, done: 2 });
    expect(queue.items.map((i) => [i.generationId, i.status, i.modelName])).toEqual([
      [g.a3, 'todo', 'model-a'],
      [g.a4, 'todo', 'model-a'],
      [g.b2, 'todo', 'model-b'],
    ]);
    expect(queue.items[0]!).toMatchObject({ promptId: 'q-math', preview: 'What is 7 + five?' });
    expect(queue.items[1]!.preview).toBe('Say hello in French.');

    const all = await ok('review.queue', { reviewerId: ada.id, status: 'all', limit: 2, offset: 1 });
    expect(all).toMatchObject({ total: 6, done: 2 });
    expect(all.items.map((i) => [i.generationId, i.status])).toEqual([
      [g.a2, 'draft'],
      [g.a3, 'todo'],
    ]);
    expect(await ok('review.queue', { reviewerId: ada.id, status: 'submitted', modelId: w.modelA })).toMatchObject({ total: 1, done: 1 });
    expect(await ok('review.queue', { reviewerId: ada.id, status: 'draft' })).toMatchObject({ total: 1, done: 2 });
    expect(await ok('review.queue', { reviewerId: bo.id, status: 'todo', tag: 'math' })).toMatchObject({ total: 2, done: 1 });
    await refused('review.queue', { reviewerId: 999 }, 'not_found');
    await refused('review.next', { reviewerId: ada.id, status: 'later' as 'todo' }, 'invalid_input');
  });

  it('keeps queue totals right as generations are added after a count, per filter', async () => {
    const ada = await reviewer('Ada');
    const bo = await reviewer('Bo');
    const w = world(ada.id, bo.id);
    const total = async (filter: Partial<MethodInput<'review.queue'>> = {}) => (await ok('review.queue', { reviewerId: ada.id, status: 'all', limit: 1, ...filter })).total;
    expect([await total(), await total({ modelId: w.modelA }), await total({ templateId: w.template.templateId }), await total({ tag: 'math' })]).toEqual([6, 4, 2, 3]);
    const seq = ws.reader.prepare("SELECT seq FROM prompts WHERE id = 'q-math'").pluck().get() as number;
    addGeneration(ws, { promptSeq: seq, modelId: w.modelA, output: 'again', template: w.template });
    addGeneration(ws, { promptSeq: seq, modelId: w.modelB, output: 'again' });
    expect([await total(), await total({ modelId: w.modelA }), await total({ templateId: w.template.templateId }), await total({ tag: 'math' })]).toEqual([8, 5, 3, 5]);
    expect(await total({ modelId: w.modelB, templateId: w.template.templateId })).toBe(0);
    expect((await ok('review.queue', { reviewerId: ada.id, status: 'todo', modelId: w.modelB })).total).toBe(3);
  });

  it('review.item has the prompt, the output, its provenance, this reviewer’s label and every correction', async () => {
    const ada = await reviewer('Ada');
    const bo = await reviewer('Bo');
    const w = world(ada.id, bo.id);
    const item = await ok('review.item', { generationId: w.g.a2!, reviewerId: ada.id });
    expect(item).toMatchObject({
      generationId: w.g.a2,
      promptId: 'q-chat',
      prompt: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello in French.' }] },
      output: 'Bonjour',
      modelId: w.modelA,
      modelName: 'model-a',
      templateId: w.template.templateId,
      templateVersion: w.template.version,
      promptTags: [],
      review: null,
      corrections: [],
    });
    expect((await ok('review.item', { generationId: w.g.a1!, reviewerId: ada.id })).promptTags).toEqual(['eval', 'math']);

    // Labels are per reviewer.
    await ok('review.save', { generationId: w.g.a2!, reviewerId: bo.id, comment: 'Bo’s' });
    expect((await ok('review.item', { generationId: w.g.a2!, reviewerId: ada.id })).review).toBeNull();
    expect((await ok('review.item', { generationId: w.g.a2!, reviewerId: bo.id })).review!.comment).toBe('Bo’s');
  });

  it('answers next() with an index seek, never a scan of the generations', () => {
    const plan = (q: Parameters<typeof nextInQueueQuery>[0]) => {
      const { sql, params } = nextInQueueQuery(q, 10);
      return (ws.reader.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join('\n');
    };
    const todo = plan({ reviewerId: 1, status: 'todo' });
    expect(todo).toMatch(/SEARCH g USING INTEGER PRIMARY KEY \(rowid>\?\)/);
    expect(todo).toMatch(/SEARCH r USING (COVERING )?INDEX reviews_live \(generation_id=\? AND reviewer_id=\?\)/);
    expect(plan({ reviewerId: 1, status: 'todo', modelId: 1 })).toMatch(/SEARCH g USING (COVERING )?INDEX generations_by_model \(model_id=\? AND rowid>\?\)/);
    expect(plan({ reviewerId: 1, status: 'all', templateId: 1 })).toMatch(/SEARCH g USING (COVERING )?INDEX generations_by_template \(template_id=\? AND rowid>\?\)/);
    expect(plan({ reviewerId: 1, status: 'submitted' })).toMatch(/SEARCH r USING (COVERING )?INDEX reviews_live_by_reviewer \(reviewer_id=\? AND status=\? AND generation_id>\?\)/);
    for (const status of ['todo', 'all', 'draft', 'submitted'] as const) {
      for (const filter of [{}, { modelId: 1 }, { templateId: 1 }, { tag: 'math' }]) {
        const detail = plan({ reviewerId: 1, status, ...filter });
        expect(detail, `${status} ${JSON.stringify(filter)}`).not.toMatch(/SCAN (g|r)\b/);
        expect(detail).not.toMatch(/TEMP B-TREE/);
      }
    }
  });
});

describe('corrections', () => {
  it('saves every edit as a new version, skips an unchanged save, and shows them on the item', async () => {
    const [g] = seed(['7 + 5 = 75']);
    const ada = await reviewer('Ada');
    const bo = await reviewer('Bo');
    const v1 = await ok('corrections.save', { generationId: g!, reviewerId: ada.id, text: '7 + 5 = 12' });
    expect(v1).toMatchObject({ version: 1, reviewerId: ada.id, text: '7 + 5 = 12' });
    expect(await ok('corrections.save', { generationId: g!, reviewerId: ada.id, text: '7 + 5 = 12' })).toEqual(v1);
    const v2 = await ok('corrections.save', { generationId: g!, reviewerId: ada.id, text: 'Seven plus five is 12.' });
    expect(v2.version).toBe(2);
    expect((await ok('corrections.history', { generationId: g!, reviewerId: ada.id })).map((c) => [c.version, c.text])).toEqual([
      [1, '7 + 5 = 12'],
      [2, 'Seven plus five is 12.'],
    ]);
    expect((await ok('review.item', { generationId: g!, reviewerId: ada.id })).corrections.map((c) => c.version)).toEqual([1, 2]);
    // Another reviewer's correction is their own, from version 1 (test/blind-reviewers.test.ts has the rest).
    expect(await ok('corrections.save', { generationId: g!, reviewerId: bo.id, text: '12' })).toMatchObject({ version: 1, reviewerId: bo.id });
    await refused('corrections.save', { generationId: 999, reviewerId: ada.id, text: 'x' }, 'not_found');
    await refused('corrections.history', { generationId: 999, reviewerId: ada.id }, 'not_found');
  });
});
