/**
 * adjudication.* over a real workspace file: each kind's disagreement rule, and saving/revising an
 * adjudication with its history (reviewers' labels untouched).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput } from '../contract';
import type { Engine } from '../core/engine';
import type { Workspace } from '../core/workspace/workspace';
import { spanDice, spansDisagree } from '../core/adjudication/service';
import { cleanupAll, failure, newEngine, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

let engine: Engine;
let ws: Workspace;
const ok = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => unwrap(await engine.call(method, input));

let ids: { ada: number; bo: number; eng: number; g: number[]; cls: number; pairs: number[]; rank: number };

beforeAll(async () => {
  ({ engine, workspace: ws } = newEngine('adjudication'));
  const m1 = addModel(ws, 'm1');
  const m2 = addModel(ws, 'm2');
  const m3 = addModel(ws, 'm3');
  const ada = (await ok('reviewers.create', { name: 'Ada', role: 'sme' })).id;
  const bo = (await ok('reviewers.create', { name: 'Bo', role: 'sme' })).id;
  const eng = (await ok('reviewers.create', { name: 'Eng', role: 'nlp' })).id;
  const [cls] = await ok('taxonomy.list', {});
  const seq = addPrompt(ws, 'r-1', 'Say something.', ['review']);
  const g = [0, 1, 2, 3, 4].map((i) => addGeneration(ws, { promptSeq: seq, modelId: m1, output: `output number ${i} is twenty chars long` }));
  const save = async (gen: number, who: number, verdict: 'good' | 'bad', tags: { start: number; end: number }[] | 'whole' | [] = []) => {
    if (tags === 'whole') await ok('review.addTag', { generationId: gen, reviewerId: who, classId: cls!.id, span: null });
    else for (const span of tags) await ok('review.addTag', { generationId: gen, reviewerId: who, classId: cls!.id, span });
    await ok('review.save', { generationId: gen, reviewerId: who, verdict, submit: true });
  };
  await save(g[0]!, ada, 'good'); // g0: agree
  await save(g[0]!, bo, 'good');
  await save(g[1]!, ada, 'good'); // g1: verdict differs
  await save(g[1]!, bo, 'bad');
  await save(g[2]!, ada, 'bad', 'whole'); // g2: class tagged by Ada only
  await save(g[2]!, bo, 'bad');
  await save(g[3]!, ada, 'bad', [{ start: 0, end: 10 }]); // g3: spans overlap 2/20 → Dice 0.1
  await save(g[3]!, bo, 'bad', [{ start: 9, end: 19 }]);
  await save(g[4]!, ada, 'bad', [{ start: 0, end: 10 }]); // g4: spans overlap 8/10 → Dice 0.8, agree
  await save(g[4]!, bo, 'bad', [{ start: 2, end: 10 }]);

  for (let i = 0; i < 2; i++) {
    const s = addPrompt(ws, `c-${i}`, `Compare ${i}`, ['pair']);
    addGeneration(ws, { promptSeq: s, modelId: m1, output: 'left' });
    addGeneration(ws, { promptSeq: s, modelId: m2, output: 'right' });
  }
  await ok('comparisons.createTasks', { prompts: { query: '', tags: ['pair'] }, kind: 'pair' });
  const pairs = (await ok('comparisons.queue', { reviewerId: ada, status: 'all', kind: 'pair' })).items.map((t) => t.taskId).sort((a, b) => a - b);
  await ok('comparisons.label', { taskId: pairs[0]!, reviewerId: ada, choice: 'A', rationale: 'A is right' });
  await ok('comparisons.label', { taskId: pairs[0]!, reviewerId: bo, choice: 'B', rationale: 'B is kinder' });
  await ok('comparisons.label', { taskId: pairs[1]!, reviewerId: ada, choice: 'tie' });
  await ok('comparisons.label', { taskId: pairs[1]!, reviewerId: bo, choice: 'tie' });
  const k = addPrompt(ws, 'k-1', 'Rank', ['rank']);
  for (const m of [m1, m2, m3]) addGeneration(ws, { promptSeq: k, modelId: m, output: `rank ${m}` });
  await ok('comparisons.createTasks', { prompts: { query: '', tags: ['rank'] }, kind: 'rank', k: 3 });
  const [rank] = (await ok('comparisons.queue', { reviewerId: ada, status: 'all', kind: 'rank' })).items;
  await ok('comparisons.label', { taskId: rank!.taskId, reviewerId: ada, ranking: [[0], [1], [2]] });
  await ok('comparisons.label', { taskId: rank!.taskId, reviewerId: bo, ranking: [[0], [1, 2]] });
  ids = { ada, bo, eng, g, cls: cls!.id, pairs, rank: rank!.taskId };
});

describe('adjudication', () => {
  it('span overlap is Dice over code points', () => {
    expect(spanDice([{ start: 0, end: 10 }], [{ start: 9, end: 19 }])).toBeCloseTo(0.1, 12);
    expect(spansDisagree([new Map([[1, [{ start: 0, end: 10 }]]]), new Map([[1, [{ start: 2, end: 10 }]]])])).toBe(false);
  });

  it('the queue lists each disagreement with its reason, and nothing where reviewers agree', async () => {
    const q = await ok('adjudication.queue', {});
    expect(q.items.map((i) => [i.kind, i.itemId, i.reasons])).toEqual([
      ['review', ids.g[1], ['verdict']],
      ['review', ids.g[2], ['classes']],
      ['review', ids.g[3], ['spans']],
      ['compare', ids.pairs[0], ['pairwise']],
      ['compare', ids.rank, ['ranking']],
    ]);
    expect(q).toMatchObject({ pending: 5, adjudicated: 0 });
    expect(failure(await engine.call('adjudication.queue', { sessionId: 999 }), 'not_found').message).toMatch(/no review session 999/);
  });

  it('the item\'s prompt is the text the output was made from, as the review view shows it; the rendered template (special tokens) apart (issue 10)', async () => {
    // A model's template renders its BOS token as text: the prompt shown is not that.
    ws.writer.prepare('UPDATE generations SET rendered_prompt = ? WHERE id = ?').run('<s>Input: Say something.\nOutput:', ids.g[1]!);
    const item = await ok('adjudication.item', { kind: 'review', itemId: ids.g[1]!, reviewerId: ids.eng });
    expect(item.prompt).toEqual({ text: 'Say something.' });
    expect(item.renderedPrompt).toBe('<s>Input: Say something.\nOutput:');
    const pair = await ok('adjudication.item', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng });
    expect(pair.prompt).toEqual({ text: 'Compare 0' });
  });

  it('the item shows every reviewer label side by side with rationales', async () => {
    const item = await ok('adjudication.item', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng });
    expect(item.labels.map((l) => [l.reviewerName, l.choice, l.rationale])).toEqual([
      ['Ada', 'A', 'A is right'],
      ['Bo', 'B', 'B is kinder'],
    ]);
    expect(item.outputs).toHaveLength(2);
    expect(item.adjudication).toBeNull();
  });

  it('saving and revising keeps history, refuses stale revisions and misfit labels, and leaves reviewers alone', async () => {
    const before = await ok('adjudication.item', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng });
    const first = await ok('adjudication.save', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng, label: { type: 'pair', choice: 'A' }, rationale: 'correct beats kind', expectedRevision: 0 });
    expect(first).toMatchObject({ revision: 1, adjudicatorName: 'Eng', label: { type: 'pair', choice: 'A' } });
    expect(failure(await engine.call('adjudication.save', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng, label: { type: 'pair', choice: 'B' }, rationale: '', expectedRevision: 0 }), 'conflict').message).toMatch(/revision 1/);
    await ok('adjudication.save', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng, label: { type: 'pair', choice: 'tie' }, rationale: 'on reflection', expectedRevision: 1 });
    const after = await ok('adjudication.item', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng });
    expect(after.adjudication).toMatchObject({ revision: 2, label: { choice: 'tie' }, rationale: 'on reflection' });
    expect(after.history.map((h) => [h.revision, h.rationale])).toEqual([[2, 'on reflection'], [1, 'correct beats kind']]);
    expect(after.labels).toEqual(before.labels);

    expect(failure(await engine.call('adjudication.save', { kind: 'compare', itemId: ids.rank, reviewerId: ids.eng, label: { type: 'rank', ranks: [0, 1] }, rationale: '' }), 'invalid_input').message).toMatch(/shows 3 outputs/);
    expect(failure(await engine.call('adjudication.save', { kind: 'review', itemId: ids.g[3]!, reviewerId: ids.eng, label: { type: 'review', verdict: 'bad', classIds: [], spans: [{ classId: ids.cls, start: 0, end: 500 }] }, rationale: '' }), 'invalid_input').message).toMatch(/not inside the output/);
    await ok('adjudication.save', { kind: 'review', itemId: ids.g[3]!, reviewerId: ids.eng, label: { type: 'review', verdict: 'bad', classIds: [], spans: [{ classId: ids.cls, start: 0, end: 19 }] }, rationale: 'both halves' });
    const q = await ok('adjudication.queue', { pendingOnly: true });
    expect(q).toMatchObject({ pending: 3, adjudicated: 2 });
    expect(q.items.map((i) => i.itemId)).not.toContain(ids.pairs[0]);
  });

  it('a session scopes the queue and the item, and a reviewer still working on the item in an open session stays blind', async () => {
    const session = await ok('sessions.create', { reviewerId: ids.eng, name: 'Pairs', filter: { prompts: { query: '', tags: ['pair'] }, kind: 'compare' }, reviewerIds: [ids.ada, ids.bo] });
    const q = await ok('adjudication.queue', { sessionId: session.id });
    expect(q.items.map((i) => [i.kind, i.itemId, i.reasons])).toEqual([['compare', ids.pairs[0], ['pairwise']]]);
    const item = await ok('adjudication.item', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng, sessionId: session.id });
    expect(item.reasons).toEqual(['pairwise']);
    expect(failure(await engine.call('adjudication.item', { kind: 'review', itemId: ids.g[1]!, reviewerId: ids.eng, sessionId: session.id }), 'not_found').message).toMatch(/does not hold output/);
    // Ada is assigned to the open session holding the task: she may not see Bo's label through adjudication.
    expect(failure(await engine.call('adjudication.item', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.ada }), 'conflict').message).toMatch(/stay blind/);
    expect(failure(await engine.call('adjudication.save', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.ada, label: { type: 'pair', choice: 'A' }, rationale: '' }), 'conflict').message).toMatch(/stay blind/);
    await ok('sessions.close', { reviewerId: ids.eng, sessionId: session.id });
    expect((await ok('adjudication.item', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.ada })).labels).toHaveLength(2);
    // The item's reasons are its own, not the workspace's: an agreed item has none.
    expect((await ok('adjudication.item', { kind: 'review', itemId: ids.g[0]!, reviewerId: ids.eng })).reasons).toEqual([]);
    expect((await ok('adjudication.item', { kind: 'review', itemId: ids.g[3]!, reviewerId: ids.eng })).reasons).toEqual(['spans']);
  });

  it('undo takes back exactly the latest save, only by its adjudicator', async () => {
    const item = { kind: 'compare' as const, itemId: ids.pairs[0]! };
    const before = await ok('adjudication.item', { ...item, reviewerId: ids.eng });
    expect(before.adjudication?.revision).toBe(2);
    expect(failure(await engine.call('adjudication.undo', { ...item, reviewerId: ids.bo, revision: 2 }), 'conflict').message).toMatch(/only they can undo/);
    expect(failure(await engine.call('adjudication.undo', { ...item, reviewerId: ids.eng, revision: 1 }), 'conflict').message).toMatch(/revision 2, not 1/);
    expect((await ok('adjudication.undo', { ...item, reviewerId: ids.eng, revision: 2 })).adjudication).toMatchObject({ revision: 1, label: { choice: 'A' }, rationale: 'correct beats kind' });
    expect((await ok('adjudication.undo', { ...item, reviewerId: ids.eng, revision: 1 })).adjudication).toBeNull();
    const after = await ok('adjudication.item', { ...item, reviewerId: ids.eng });
    expect(after.adjudication).toBeNull();
    expect(after.history).toEqual([]);
    expect(after.labels).toEqual(before.labels);
    expect((await ok('adjudication.queue', { pendingOnly: true })).items.map((i) => i.itemId)).toContain(ids.pairs[0]);
  });
});

describe('adjudication: outputs name their model, ratings are adjudicable (issue 10, a new user)', () => {
  it('the item names each output\'s model; a rating disagreement lists the criteria, and a final label rates them on their scales', async () => {
    const pair = await ok('adjudication.item', { kind: 'compare', itemId: ids.pairs[0]!, reviewerId: ids.eng });
    expect(pair.outputs.map((o) => o.modelName).sort()).toEqual(['m1', 'm2']);
    expect(pair.criteria).toEqual([]);

    const [first, second] = await ok('rubric.list', {});
    const m = addModel(ws, 'rated-model');
    const seq = addPrompt(ws, 'rate-1', 'Rate me.', ['rated']);
    const gen = addGeneration(ws, { promptSeq: seq, modelId: m, output: 'a rated output' });
    await ok('review.save', { generationId: gen, reviewerId: ids.ada, verdict: 'good', ratings: { [first!.id]: 5, [second!.id]: 4 }, submit: true });
    await ok('review.save', { generationId: gen, reviewerId: ids.bo, verdict: 'good', ratings: { [first!.id]: 2, [second!.id]: 4 }, submit: true });
    expect((await ok('adjudication.queue', {})).items.find((i) => i.itemId === gen)?.reasons).toEqual(['rating']);
    const item = await ok('adjudication.item', { kind: 'review', itemId: gen, reviewerId: ids.eng });
    expect(item.outputs).toEqual([{ generationId: gen, text: 'a rated output', modelName: 'rated-model' }]);
    expect(item.criteria.map((c) => c.id)).toEqual([first!.id, second!.id]);
    expect(item.labels.map((l) => l.ratings.map((r) => [r.criterionId, r.value]))).toEqual([
      [[first!.id, 5], [second!.id, 4]],
      [[first!.id, 2], [second!.id, 4]],
    ]);

    const save = (ratings: { criterionId: number; value: number }[]) =>
      engine.call('adjudication.save', { kind: 'review', itemId: gen, reviewerId: ids.eng, label: { type: 'review', verdict: 'good', classIds: [], spans: [], ratings }, rationale: '' });
    const { max } = first!.scale === 'likert7' ? { max: 7 } : first!.scale === 'passfail' ? { max: 1 } : { max: 5 };
    expect(failure(await save([{ criterionId: first!.id, value: max + 1 }]), 'invalid_input').message).toMatch(/not on .*scale/);
    expect(failure(await save([{ criterionId: first!.id, value: 3 }, { criterionId: first!.id, value: 3 }]), 'invalid_input').message).toMatch(/rated twice/);
    expect(failure(await save([{ criterionId: 9999, value: 3 }]), 'invalid_input').message).toMatch(/no rubric criterion 9999/);
    const saved = unwrap(await save([{ criterionId: first!.id, value: 3 }, { criterionId: second!.id, value: 4 }]));
    expect(saved.label).toEqual({ type: 'review', verdict: 'good', classIds: [], spans: [], ratings: [{ criterionId: first!.id, value: 3 }, { criterionId: second!.id, value: 4 }] });
    expect((await ok('adjudication.queue', { pendingOnly: true })).items.map((i) => i.itemId)).not.toContain(gen);
  });
});
