/**
 * RLHF comparisons through Engine.dispatch on real workspace files: building tasks, the stored
 * side randomization and its undoing, labels (pairwise, N-way, ties, both bad, strength), history,
 * delete/restore, the leaderboard with its filters, agreement, and refused input.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Leaderboard, MethodInput } from '../contract';
import type { Engine } from '../core/engine';
import { expandLabel } from '../core/comparisons/outcomes';
import type { Workspace } from '../core/workspace/workspace';
import { labelHistory, liveLabelRow } from '../db/comparisons';
import { cleanupAll, collectEvents, failure, newEngine, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt, addTemplate } from './support/review-fixtures';

afterAll(cleanupAll);

interface World {
  engine: Engine;
  ws: Workspace;
  models: Record<string, number>;
  reviewer: number;
}

/** A workspace with `models` and `prompts` prompts (tagged `even`/`odd`), each with one generation per model. */
async function world(options: { models: string[]; prompts: number; tag?: (i: number) => string[]; template?: boolean }): Promise<World> {
  const { engine, workspace: ws } = newEngine('cmp');
  const models: Record<string, number> = {};
  for (const name of options.models) models[name] = addModel(ws, name);
  const template = options.template ? addTemplate(ws, 'tmpl') : null;
  for (let i = 0; i < options.prompts; i++) {
    const seq = addPrompt(ws, `p${i}`, `Question ${i}?`, options.tag ? options.tag(i) : [i % 2 === 0 ? 'even' : 'odd']);
    for (const name of options.models) addGeneration(ws, { promptSeq: seq, modelId: models[name]!, output: `${name} answers ${i}`, template });
  }
  const reviewer = unwrap(await engine.call('reviewers.create', { name: 'ann', role: 'sme' })).id;
  return { engine, ws, models, reviewer };
}

const create = (engine: Engine, input: Partial<MethodInput<'comparisons.createTasks'>> = {}) =>
  engine.call('comparisons.createTasks', { prompts: { query: '', tags: [] }, ...input });

/** Every task id, in queue order. */
async function taskIds(engine: Engine, reviewerId: number, kind?: 'pair' | 'rank'): Promise<number[]> {
  const page = unwrap(await engine.call('comparisons.queue', { reviewerId, status: 'all', kind, limit: 500 }));
  return page.items.map((i) => i.taskId);
}

async function task(engine: Engine, taskId: number, reviewerId: number) {
  return unwrap(await engine.call('comparisons.task', { taskId, reviewerId }));
}

const label = (engine: Engine, input: MethodInput<'comparisons.label'>) => engine.call('comparisons.label', input);

const board = async (engine: Engine, input: MethodInput<'comparisons.leaderboard'> = {}): Promise<Leaderboard> =>
  unwrap(await engine.call('comparisons.leaderboard', { bootstrap: 0, ...input }));

/** winRate and count of model `a` over model `b` in a leaderboard. */
function cell(lb: Leaderboard, a: number, b: number): { rate: number | null; count: number } {
  const i = lb.models.findIndex((m) => m.modelId === a);
  const j = lb.models.findIndex((m) => m.modelId === b);
  expect(i).toBeGreaterThanOrEqual(0);
  expect(j).toBeGreaterThanOrEqual(0);
  return { rate: lb.winRate[i]![j]!, count: lb.counts[i]![j]! };
}

describe('comparison tasks', () => {
  it('all pairs: n(n−1)/2 per prompt among non-error generations, idempotent, filtered by prompts and models', async () => {
    const { engine, ws, models, reviewer } = await world({ models: ['m1', 'm2', 'm3', 'm4'], prompts: 3 });
    // A failed generation and a prompt with a single output take no part.
    const seq0 = ws.writer.prepare("SELECT seq FROM prompts WHERE id = 'p0'").pluck().get() as number;
    const failed = addGeneration(ws, { promptSeq: seq0, modelId: models.m1!, output: '' });
    ws.writer.prepare("UPDATE generations SET error = 'boom', finish_reason = 'error' WHERE id = ?").run(failed);
    const lone = addPrompt(ws, 'lone', 'Alone?', ['even']);
    addGeneration(ws, { promptSeq: lone, modelId: models.m1!, output: 'only one' });

    const events = collectEvents(engine, 'onDidChangeComparisons');
    // Only the even prompts (p0, p2), only three models: 3 pairs each.
    expect(unwrap(await create(engine, { prompts: { query: '', tags: ['even'] }, modelIds: [models.m1!, models.m2!, models.m3!] }))).toEqual({ created: 6, prompts: 2 });
    // Then everything: 6 pairs per prompt, the 6 already made are not made again.
    expect(unwrap(await create(engine))).toEqual({ created: 3 * 6 - 6, prompts: 3 });
    expect(unwrap(await create(engine))).toEqual({ created: 0, prompts: 0 });
    expect(unwrap(await create(engine, { seed: 99 }))).toEqual({ created: 0, prompts: 0 });
    expect(events.events).toEqual([{ reason: 'tasks' }, { reason: 'tasks' }]);
    expect(unwrap(await engine.call('comparisons.stats', {}))).toEqual({ tasks: 18, labels: 0 });

    const ids = await taskIds(engine, reviewer);
    expect(ids).toHaveLength(18);
    const sets = new Set<string>();
    for (const id of ids) {
      const t = await task(engine, id, reviewer);
      expect(t.kind).toBe('pair');
      expect(t.outputs.map((o) => o.position)).toEqual([0, 1]);
      expect(t.outputs.some((o) => o.generationId === failed)).toBe(false);
      const models = t.outputs.map((o) => o.modelName);
      expect(new Set(models).size).toBe(2);
      sets.add(`${t.promptId}:${t.outputs.map((o) => o.generationId).sort((a, b) => a - b).join(',')}`);
    }
    expect(sets.size).toBe(18);
  });

  it('across models only: no pair of two outputs of one model, in all pairs and in the balanced design', async () => {
    const { engine, ws, models, reviewer } = await world({ models: ['m1', 'm2'], prompts: 3 });
    // A second sample of m1 on every prompt: three outputs, three pairs, one of them m1 against m1.
    for (let i = 0; i < 3; i++) {
      const seq = ws.writer.prepare('SELECT seq FROM prompts WHERE id = ?').pluck().get(`p${i}`) as number;
      addGeneration(ws, { promptSeq: seq, modelId: models.m1!, output: `m1 again ${i}` });
    }
    const modelsOf = async () => {
      const out: string[] = [];
      for (const id of await taskIds(engine, reviewer)) out.push((await task(engine, id, reviewer)).outputs.map((o) => o.modelName).sort().join('-'));
      return out.sort();
    };
    expect(unwrap(await create(engine, { acrossModelsOnly: true }))).toEqual({ created: 6, prompts: 3 });
    expect(await modelsOf()).toEqual(Array(6).fill('m1-m2'));
    expect(unwrap(await create(engine, { acrossModelsOnly: true, design: 'balanced', perPrompt: 3 }))).toEqual({ created: 0, prompts: 0 });
    // Without the option the same-model pairs are made too (one per prompt).
    expect(unwrap(await create(engine))).toEqual({ created: 3, prompts: 3 });
    expect((await modelsOf()).filter((m) => m === 'm1-m1')).toHaveLength(3);
  });

  it('across models only with one model makes nothing', async () => {
    const { engine, ws, models } = await world({ models: ['solo'], prompts: 2 });
    const seq = ws.writer.prepare("SELECT seq FROM prompts WHERE id = 'p0'").pluck().get() as number;
    addGeneration(ws, { promptSeq: seq, modelId: models.solo!, output: 'solo again' });
    expect(unwrap(await create(engine, { acrossModelsOnly: true, design: 'balanced', perPrompt: 2 }))).toEqual({ created: 0, prompts: 0 });
    expect(unwrap(await create(engine, { acrossModelsOnly: true }))).toEqual({ created: 0, prompts: 0 });
    expect(unwrap(await create(engine))).toEqual({ created: 1, prompts: 1 });
  });

  it('balanced design: perPrompt pairs per prompt that even out the model pairs, idempotent, topped up', async () => {
    const { engine, reviewer } = await world({ models: ['a', 'b', 'c', 'd'], prompts: 12 });
    expect(unwrap(await create(engine, { design: 'balanced', perPrompt: 1, seed: 5 }))).toEqual({ created: 12, prompts: 12 });
    expect(unwrap(await create(engine, { design: 'balanced', perPrompt: 1, seed: 5 }))).toEqual({ created: 0, prompts: 0 });

    const pairCounts = async () => {
      const counts = new Map<string, number>();
      const perPrompt = new Map<string, number>();
      for (const id of await taskIds(engine, reviewer)) {
        const t = await task(engine, id, reviewer);
        const key = t.outputs
          .map((o) => o.modelName)
          .sort()
          .join('-');
        counts.set(key, (counts.get(key) ?? 0) + 1);
        perPrompt.set(t.promptId, (perPrompt.get(t.promptId) ?? 0) + 1);
      }
      return { counts, perPrompt };
    };
    // 12 pairs over the 6 model pairs: each exactly twice.
    let { counts, perPrompt } = await pairCounts();
    expect([...counts.keys()].sort()).toEqual(['a-b', 'a-c', 'a-d', 'b-c', 'b-d', 'c-d']);
    expect([...counts.values()]).toEqual([2, 2, 2, 2, 2, 2]);
    expect([...perPrompt.values()].every((n) => n === 1)).toBe(true);

    // Raising perPrompt tops each prompt up to 3, still even (6 per model pair).
    expect(unwrap(await create(engine, { design: 'balanced', perPrompt: 3, seed: 5 }))).toEqual({ created: 24, prompts: 12 });
    ({ counts, perPrompt } = await pairCounts());
    expect([...counts.values()]).toEqual([6, 6, 6, 6, 6, 6]);
    expect([...perPrompt.values()].every((n) => n === 3)).toBe(true);
  });

  it('N-way: picks k outputs of distinct models per prompt, shown in a stored random order; sets are not made twice', async () => {
    const { engine, reviewer } = await world({ models: ['a', 'b', 'c', 'd', 'e'], prompts: 6 });
    expect(unwrap(await create(engine, { kind: 'rank', k: 4, seed: 1 }))).toEqual({ created: 6, prompts: 6 });
    expect(unwrap(await create(engine, { kind: 'rank', k: 4, seed: 1 }))).toEqual({ created: 0, prompts: 0 });
    const ids = await taskIds(engine, reviewer, 'rank');
    expect(ids).toHaveLength(6);
    const orders = new Set<string>();
    for (const id of ids) {
      const t = await task(engine, id, reviewer);
      expect(t.kind).toBe('rank');
      expect(t.outputs.map((o) => o.position)).toEqual([0, 1, 2, 3]);
      expect(new Set(t.outputs.map((o) => o.modelName)).size).toBe(4);
      orders.add(t.outputs.map((o) => o.modelName).join(''));
      // The order is stored: asking again gives the same.
      expect((await task(engine, id, reviewer)).outputs).toEqual(t.outputs);
    }
    expect(orders.size).toBeGreaterThan(1);
    // Balanced N-way: 2 sets per prompt; every model appears about equally (12 sets × 4 = 48 = 5 models × ~9.6).
    expect(unwrap(await create(engine, { kind: 'rank', k: 4, design: 'balanced', perPrompt: 3, seed: 2 }))).toEqual({ created: 12, prompts: 6 });
    const appearances = new Map<string, number>();
    for (const id of await taskIds(engine, reviewer, 'rank')) {
      for (const o of (await task(engine, id, reviewer)).outputs) appearances.set(o.modelName, (appearances.get(o.modelName) ?? 0) + 1);
    }
    const values = [...appearances.values()];
    expect(values.reduce((a, b) => a + b, 0)).toBe(18 * 4);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  });
});

describe('side randomization', () => {
  it('is recorded per task and undone in the leaderboard: a side counts for the model shown there', async () => {
    const { engine, models, reviewer } = await world({ models: ['X', 'Y'], prompts: 40 });
    unwrap(await create(engine, { seed: 7 }));
    const ids = await taskIds(engine, reviewer);
    expect(ids).toHaveLength(40);
    let xLeft = 0;
    for (const id of ids) {
      const t = await task(engine, id, reviewer);
      if (t.outputs[0]!.modelName === 'X') xLeft++;
      // Always "A": the left side wins, whichever model is there.
      unwrap(await label(engine, { taskId: id, reviewerId: reviewer, choice: 'A', strength: 'clearly' }));
    }
    // Both orders occur, about half each.
    expect(xLeft).toBeGreaterThan(8);
    expect(xLeft).toBeLessThan(32);

    let lb = await board(engine);
    expect(lb.comparisons).toBe(40);
    expect(cell(lb, models.X!, models.Y!)).toEqual({ rate: xLeft / 40, count: 40 });
    expect(cell(lb, models.Y!, models.X!)).toEqual({ rate: (40 - xLeft) / 40, count: 40 });
    expect(lb.positionBias).toMatchObject({ leftWinRate: 1, decided: 40 });
    expect(lb.positionBias.low).toBeGreaterThan(0.9);

    // Now always the side where X is: X wins every comparison, and the left wins xLeft of 40.
    for (const id of ids) {
      const t = await task(engine, id, reviewer);
      unwrap(await label(engine, { taskId: id, reviewerId: reviewer, choice: t.outputs[0]!.modelName === 'X' ? 'A' : 'B' }));
    }
    lb = await board(engine);
    expect(cell(lb, models.X!, models.Y!)).toEqual({ rate: 1, count: 40 });
    expect(lb.models[0]!.name).toBe('X');
    expect(lb.models[0]!.strength).toBeGreaterThan(lb.models[1]!.strength);
    expect(lb.positionBias).toMatchObject({ leftWinRate: xLeft / 40, decided: 40 });
    expect(lb.positionBias.low!).toBeLessThan(xLeft / 40);
    expect(lb.positionBias.high!).toBeGreaterThan(xLeft / 40);
  });
});

describe('labels', () => {
  it('pairwise: strength only with A/B, ties and both_bad (with a correction), time accumulates, edits keep history', async () => {
    const { engine, ws, reviewer } = await world({ models: ['X', 'Y'], prompts: 1 });
    unwrap(await create(engine));
    const [id] = await taskIds(engine, reviewer);
    const guidelines = unwrap(await engine.call('guidelines.save', { body: 'Prefer the correct answer.', reviewerId: reviewer }));
    const events = collectEvents(engine, 'onDidChangeComparisons');

    const first = unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, choice: 'A', strength: 'much', rationale: 'A is right', addTimeSpentMs: 4000 }));
    expect(first).toMatchObject({ taskId: id, reviewerId: reviewer, choice: 'A', strength: 'much', ranking: null, rationale: 'A is right', correction: null, timeSpentMs: 4000, guidelineVersion: guidelines.version });
    expect(first.revision).toBe(1);
    // The same content again (an autosave): time adds, no new revision.
    const again = unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, choice: 'A', strength: 'much', rationale: 'A is right', addTimeSpentMs: 500 }));
    expect(again.revision).toBe(1);
    const tie = unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, choice: 'tie', rationale: 'equal', addTimeSpentMs: 1000 }));
    // The answer names the revision it saved: the history row a client can point at.
    expect(tie).toMatchObject({ id: first.id, choice: 'tie', strength: null, timeSpentMs: 5500, createdAt: first.createdAt, revision: 2 });
    const bad = unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, choice: 'both_bad', correction: 'The right answer.' }));
    expect(bad).toMatchObject({ id: first.id, choice: 'both_bad', correction: 'The right answer.', timeSpentMs: 5500 });
    // A blank correction is no correction.
    expect(unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, choice: 'both_bad', correction: '  \n' })).correction).toBeNull();
    expect(events.events).toHaveLength(5);

    // The task shows the reviewer's label; another reviewer sees none.
    expect((await task(engine, id!, reviewer)).label).toMatchObject({ id: first.id, choice: 'both_bad' });
    const bob = unwrap(await engine.call('reviewers.create', { name: 'bob', role: 'nlp' })).id;
    expect((await task(engine, id!, bob)).label).toBeNull();

    const history = labelHistory(ws.reader, first.id);
    expect(history.map((h) => h.revision)).toEqual([1, 2, 3, 4]);
    expect(history.map((h) => [h.snapshot.choice, h.snapshot.strength, h.snapshot.correction, h.snapshot.timeSpentMs])).toEqual([
      ['A', 'much', null, 4000],
      ['tie', null, null, 5500],
      ['both_bad', null, 'The right answer.', 5500],
      ['both_bad', null, null, 5500],
    ]);
    expect(history.every((h) => h.snapshot.guidelineVersion === guidelines.version)).toBe(true);
  });

  it('N-way: a ranking with ties covering every shown position once, normalized and kept in history', async () => {
    const { engine, ws, reviewer } = await world({ models: ['a', 'b', 'c', 'd'], prompts: 1 });
    unwrap(await create(engine, { kind: 'rank', k: 4 }));
    const [id] = await taskIds(engine, reviewer, 'rank');
    const saved = unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, ranking: [[2], [3, 0], [1]], rationale: 'c best' }));
    expect(saved).toMatchObject({ choice: null, strength: null, ranking: [[2], [0, 3], [1]] });
    const edited = unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, ranking: [[0, 1, 2, 3]] }));
    expect(edited.ranking).toEqual([[0, 1, 2, 3]]);
    expect((await task(engine, id!, reviewer)).label!.ranking).toEqual([[0, 1, 2, 3]]);
    expect(labelHistory(ws.reader, saved.id).map((h) => h.snapshot.ranking)).toEqual([[[2], [0, 3], [1]], [[0, 1, 2, 3]]]);
  });

  it('delete and restore are exact, and a newer label blocks restoring an older one', async () => {
    const { engine, ws, reviewer } = await world({ models: ['X', 'Y'], prompts: 2 });
    unwrap(await create(engine));
    const [id, other] = await taskIds(engine, reviewer);
    const before = unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, choice: 'B', strength: 'slightly', rationale: 'B', addTimeSpentMs: 1200 }));
    expect(unwrap(await engine.call('comparisons.queue', { reviewerId: reviewer }))).toMatchObject({ total: 1, done: 1 });

    expect(unwrap(await engine.call('comparisons.deleteLabel', { taskId: id!, reviewerId: reviewer }))).toEqual({ deleted: true });
    expect(unwrap(await engine.call('comparisons.deleteLabel', { taskId: id!, reviewerId: reviewer }))).toEqual({ deleted: false });
    expect((await task(engine, id!, reviewer)).label).toBeNull();
    expect(unwrap(await engine.call('comparisons.queue', { reviewerId: reviewer }))).toMatchObject({ total: 2, done: 0 });
    expect(unwrap(await engine.call('comparisons.stats', {}))).toEqual({ tasks: 2, labels: 0 });

    expect(unwrap(await engine.call('comparisons.restoreLabel', { taskId: id!, reviewerId: reviewer }))).toEqual(before);
    expect((await task(engine, id!, reviewer)).label).toEqual(before);
    failure(await engine.call('comparisons.restoreLabel', { taskId: other!, reviewerId: reviewer }), 'not_found');

    // Delete, label afresh (a new row), then restore: refused while the newer label is live.
    unwrap(await engine.call('comparisons.deleteLabel', { taskId: id!, reviewerId: reviewer }));
    const fresh = unwrap(await label(engine, { taskId: id!, reviewerId: reviewer, choice: 'A' }));
    expect(fresh.id).not.toBe(before.id);
    expect(fresh.timeSpentMs).toBe(0);
    expect(failure(await engine.call('comparisons.restoreLabel', { taskId: id!, reviewerId: reviewer }), 'conflict').message).toMatch(/newer label/);
    expect(liveLabelRow(ws.reader, id!, reviewer)!.id).toBe(fresh.id);
  });

  it('refuses bad input with messages that say what to do', async () => {
    const { engine, reviewer } = await world({ models: ['a', 'b', 'c'], prompts: 1 });
    unwrap(await create(engine));
    unwrap(await create(engine, { kind: 'rank', k: 3 }));
    const [pair] = await taskIds(engine, reviewer, 'pair');
    const [rank] = await taskIds(engine, reviewer, 'rank');
    const refused = async (input: MethodInput<'comparisons.label'>, code: 'invalid_input' | 'not_found', pattern: RegExp) =>
      expect(failure(await label(engine, input), code).message).toMatch(pattern);

    await refused({ taskId: pair!, reviewerId: reviewer }, 'invalid_input', /Choose A, B, tie or both_bad/);
    await refused({ taskId: pair!, reviewerId: reviewer, choice: 'tie', strength: 'much' }, 'invalid_input', /goes with A or B, not with tie/);
    await refused({ taskId: pair!, reviewerId: reviewer, choice: 'both_bad', strength: 'slightly' }, 'invalid_input', /not with both_bad/);
    await refused({ taskId: pair!, reviewerId: reviewer, choice: 'A', correction: 'x' }, 'invalid_input', /only when both outputs are bad/);
    await refused({ taskId: pair!, reviewerId: reviewer, ranking: [[0], [1]] }, 'invalid_input', /not a ranking/);
    await refused({ taskId: rank!, reviewerId: reviewer, choice: 'A' }, 'invalid_input', /takes a ranking of its 3 outputs/);
    await refused({ taskId: rank!, reviewerId: reviewer }, 'invalid_input', /Rank the 3 outputs/);
    await refused({ taskId: rank!, reviewerId: reviewer, ranking: [[0], [1], [3]] }, 'invalid_input', /Position 3 is not shown in this task \(positions 0–2\)/);
    await refused({ taskId: rank!, reviewerId: reviewer, ranking: [[0, 1], [1, 2]] }, 'invalid_input', /Position 1 appears twice/);
    await refused({ taskId: rank!, reviewerId: reviewer, ranking: [[2]] }, 'invalid_input', /leaves out positions 0, 1/);
    await refused({ taskId: 999, reviewerId: reviewer, choice: 'A' }, 'not_found', /No comparison task 999/);
    await refused({ taskId: pair!, reviewerId: 999, choice: 'A' }, 'not_found', /No reviewer 999/);
    // The contract refuses what is not a choice, a strength or a position.
    expect(failure(await engine.dispatch('comparisons.label', { taskId: pair, reviewerId: reviewer, choice: 'C' }), 'invalid_input').message).toMatch(/comparisons\.label \(choice\)/);
    expect(failure(await engine.dispatch('comparisons.label', { taskId: rank, reviewerId: reviewer, ranking: [[-1]] }), 'invalid_input').message).toMatch(/ranking/);
    expect(failure(await engine.dispatch('comparisons.createTasks', { prompts: {}, kind: 'rank', k: 12 }), 'invalid_input').message).toMatch(/\(k\)/);
    expect(failure(await create(engine, { prompts: { query: 'nothing-like-this', tags: [] } }), 'not_found').message).toMatch(/No prompts match/);
    failure(await engine.call('comparisons.task', { taskId: 999, reviewerId: reviewer }), 'not_found');
    failure(await engine.call('comparisons.queue', { reviewerId: 999 }), 'not_found');
    // Nothing was stored by any of it.
    expect(unwrap(await engine.call('comparisons.stats', {}))).toEqual({ tasks: 4, labels: 0 });
  });
});

describe('the queue', () => {
  it('walks todo, done and all tasks in order, by kind, with counts', async () => {
    const { engine, reviewer } = await world({ models: ['a', 'b', 'c'], prompts: 2 });
    unwrap(await create(engine));
    unwrap(await create(engine, { kind: 'rank', k: 3 }));
    const pairs = await taskIds(engine, reviewer, 'pair');
    const ranks = await taskIds(engine, reviewer, 'rank');
    expect(pairs).toHaveLength(6);
    expect(ranks).toHaveLength(2);
    unwrap(await label(engine, { taskId: pairs[0]!, reviewerId: reviewer, choice: 'A' }));
    unwrap(await label(engine, { taskId: pairs[2]!, reviewerId: reviewer, choice: 'B' }));
    unwrap(await label(engine, { taskId: ranks[1]!, reviewerId: reviewer, ranking: [[0], [1], [2]] }));

    const q = unwrap(await engine.call('comparisons.queue', { reviewerId: reviewer, kind: 'pair' }));
    expect(q).toMatchObject({ total: 4, done: 2 });
    expect(q.items.map((i) => i.taskId)).toEqual([pairs[1], pairs[3], pairs[4], pairs[5]]);
    expect(q.items[0]).toMatchObject({ kind: 'pair', promptId: 'p0', preview: 'Question 0?', outputs: 2, labeled: false });
    const done = unwrap(await engine.call('comparisons.queue', { reviewerId: reviewer, status: 'done' }));
    expect(done).toMatchObject({ total: 3, done: 3 });
    expect(done.items.map((i) => [i.taskId, i.labeled, i.outputs])).toEqual([
      [pairs[0], true, 2],
      [pairs[2], true, 2],
      [ranks[1], true, 3],
    ]);
    const page = unwrap(await engine.call('comparisons.queue', { reviewerId: reviewer, status: 'all', offset: 1, limit: 2 }));
    expect(page).toMatchObject({ total: 8, done: 3 });
    expect(page.items.map((i) => [i.taskId, i.labeled])).toEqual([
      [pairs[1], false],
      [pairs[2], true],
    ]);

    const next = async (input: Omit<MethodInput<'comparisons.next'>, 'reviewerId'>) => unwrap(await engine.call('comparisons.next', { reviewerId: reviewer, ...input })).taskId;
    expect(await next({})).toBe(pairs[1]);
    expect(await next({ afterTaskId: pairs[1] })).toBe(pairs[3]);
    expect(await next({ kind: 'rank' })).toBe(ranks[0]);
    expect(await next({ kind: 'rank', afterTaskId: ranks[0] })).toBeNull();
    expect(await next({ status: 'done', afterTaskId: pairs[0] })).toBe(pairs[2]);
    expect(await next({ status: 'all', afterTaskId: pairs[0] })).toBe(pairs[1]);
  });
});

/** Labels every pair task so that the side showing `winner(modelNames)` wins (null: tie). */
async function labelEach(engine: Engine, reviewerId: number, ids: number[], pick: (left: string, right: string, promptId: string) => 'A' | 'B' | 'tie' | 'both_bad') {
  for (const id of ids) {
    const t = await task(engine, id, reviewerId);
    unwrap(await label(engine, { taskId: id, reviewerId, choice: pick(t.outputs[0]!.modelName, t.outputs[1]!.modelName, t.promptId) }));
  }
}

const sideOf = (name: string, left: string) => (left === name ? 'A' : 'B');

describe('leaderboard', () => {
  it('is empty without labels', async () => {
    const { engine } = await world({ models: ['X', 'Y'], prompts: 2 });
    unwrap(await create(engine));
    const lb = await board(engine, { bootstrap: 50 });
    expect(lb).toMatchObject({ models: [], winRate: [], counts: [], comparisons: 0, reviewers: [] });
    expect(lb.positionBias).toEqual({ leftWinRate: null, low: null, high: null, decided: 0 });
  });

  it('counts a tie as half and leaves both_bad out of the fit', async () => {
    const { engine, models, reviewer } = await world({ models: ['X', 'Y'], prompts: 10 });
    unwrap(await create(engine, { seed: 3 }));
    const ids = await taskIds(engine, reviewer);
    await labelEach(engine, reviewer, ids, (left, _right, promptId) => {
      const i = Number(promptId.slice(1));
      return i < 4 ? sideOf('X', left) : i < 6 ? 'tie' : 'both_bad';
    });
    const lb = await board(engine);
    expect(lb.comparisons).toBe(6);
    expect(cell(lb, models.X!, models.Y!)).toEqual({ rate: 5 / 6, count: 6 });
    expect(cell(lb, models.Y!, models.X!)).toEqual({ rate: 1 / 6, count: 6 });
    expect(lb.models.map((m) => [m.name, m.comparisons])).toEqual([
      ['X', 6],
      ['Y', 6],
    ]);
    // Only decided pairs (A or B) count for position bias.
    expect(lb.positionBias.decided).toBe(4);
    expect(lb.reviewers).toEqual([{ reviewerId: reviewer, name: 'ann', labels: 10, medianTimeMs: null }]);
  });

  it('expands an N-way ranking into K(K−1)/2 pairs, the same group a tie', async () => {
    const { engine, models, reviewer } = await world({ models: ['a', 'b', 'c', 'd'], prompts: 3 });
    unwrap(await create(engine, { kind: 'rank', k: 4, seed: 4 }));
    const ids = await taskIds(engine, reviewer, 'rank');
    const order = { a: 0, b: 1, c: 1, d: 2 } as Record<string, number>;
    for (const [n, id] of ids.entries()) {
      const t = await task(engine, id, reviewer);
      const groups: number[][] = [[], [], []];
      for (const o of t.outputs) groups[order[o.modelName]!]!.push(o.position);
      unwrap(await label(engine, { taskId: id, reviewerId: reviewer, ranking: groups, addTimeSpentMs: 1000 * (n + 1) }));
    }
    const lb = await board(engine, { bootstrap: 100 });
    expect(lb.comparisons).toBe(3 * 6);
    expect(cell(lb, models.a!, models.b!)).toEqual({ rate: 1, count: 3 });
    expect(cell(lb, models.b!, models.c!)).toEqual({ rate: 0.5, count: 3 });
    expect(cell(lb, models.c!, models.d!)).toEqual({ rate: 1, count: 3 });
    expect(cell(lb, models.d!, models.a!)).toEqual({ rate: 0, count: 3 });
    expect(lb.models.map((m) => m.comparisons)).toEqual([9, 9, 9, 9]);
    expect(lb.models[0]!.name).toBe('a');
    expect(lb.models[3]!.name).toBe('d');
    const [b, c] = [lb.models.find((m) => m.name === 'b')!, lb.models.find((m) => m.name === 'c')!];
    expect(Math.abs(b.strength - c.strength)).toBeLessThan(1e-6);
    // Strengths are centred; the rating is the same scale in Elo points; intervals hold the estimate.
    expect(Math.abs(lb.models.reduce((s, m) => s + m.strength, 0))).toBeLessThan(1e-6);
    for (const m of lb.models) {
      expect(m.low).toBeLessThanOrEqual(m.strength + 1e-9);
      expect(m.high).toBeGreaterThanOrEqual(m.strength - 1e-9);
    }
    expect(lb.models[0]!.rating).toBeGreaterThan(lb.models[3]!.rating);
    // No pairwise labels: no position bias to report.
    expect(lb.positionBias).toEqual({ leftWinRate: null, low: null, high: null, decided: 0 });
    expect(lb.reviewers).toEqual([{ reviewerId: reviewer, name: 'ann', labels: 3, medianTimeMs: 2000 }]);
  });

  it('filters by prompt tag, reviewer and template', async () => {
    const { engine, ws, models, reviewer } = await world({ models: ['X', 'Y'], prompts: 6 });
    // A second pair of outputs per prompt, made with a template.
    const template = addTemplate(ws, 'tmpl');
    for (let i = 0; i < 6; i++) {
      const seq = ws.reader.prepare('SELECT seq FROM prompts WHERE id = ?').pluck().get(`p${i}`) as number;
      for (const name of ['X', 'Y']) addGeneration(ws, { promptSeq: seq, modelId: models[name]!, output: `${name} templated ${i}`, template });
    }
    unwrap(await create(engine, { seed: 11 }));
    const ids = await taskIds(engine, reviewer);
    expect(ids).toHaveLength(6 * 6);
    const bob = unwrap(await engine.call('reviewers.create', { name: 'bob', role: 'nlp' })).id;
    // ann: X wins on even prompts, Y on odd ones, except between templated outputs, where Y always wins.
    for (const id of ids) {
      const t = await task(engine, id, reviewer);
      const [l, r] = t.outputs;
      const templated = l!.text.includes('templated') && r!.text.includes('templated');
      const even = Number(t.promptId.slice(1)) % 2 === 0;
      const choice = l!.modelName === r!.modelName ? 'tie' : sideOf(templated || !even ? 'Y' : 'X', l!.modelName);
      unwrap(await label(engine, { taskId: id, reviewerId: reviewer, choice }));
      // bob labels only the first prompt's tasks, always a tie.
      if (t.promptId === 'p0') unwrap(await label(engine, { taskId: id, reviewerId: bob, choice: 'tie' }));
    }

    const all = await board(engine);
    // Per prompt: 4 cross-model pairs by ann (2 same-model pairs carry nothing), 4 by bob on p0.
    expect(all.comparisons).toBe(6 * 4 + 4);

    const even = await board(engine, { tag: 'even' });
    expect(even.comparisons).toBe(3 * 4 + 4);
    const evenAnn = await board(engine, { tag: 'even', reviewerId: reviewer });
    expect(evenAnn.comparisons).toBe(12);
    // Even prompts: X wins 3 of 4 cross pairs (the templated one goes to Y).
    expect(cell(evenAnn, models.X!, models.Y!)).toEqual({ rate: 9 / 12, count: 12 });
    expect(evenAnn.reviewers.map((r) => r.name)).toEqual(['ann']);
    const odd = await board(engine, { tag: 'odd' });
    expect(cell(odd, models.Y!, models.X!)).toEqual({ rate: 1, count: 12 });

    const bobs = await board(engine, { reviewerId: bob });
    expect(cell(bobs, models.X!, models.Y!)).toEqual({ rate: 0.5, count: 4 });

    // A deleted prompt's labels count nowhere until it is restored.
    unwrap(await engine.call('prompts.delete', { ids: ['p1'] }));
    expect((await board(engine, { tag: 'odd' })).comparisons).toBe(8);
    unwrap(await engine.call('prompts.restore', { ids: ['p1'] }));
    expect((await board(engine, { tag: 'odd' })).comparisons).toBe(12);

    const templated = await board(engine, { templateId: template.templateId });
    expect(templated.comparisons).toBe(6 + 1);
    expect(cell(templated, models.Y!, models.X!)).toEqual({ rate: (6 + 0.5) / 7, count: 7 });
    failure(await engine.call('comparisons.leaderboard', { reviewerId: 999 }), 'not_found');
  });

  it("reports agreement with its method: Cohen's κ for two reviewers, Krippendorff's α for more", async () => {
    const { engine, reviewer: ann } = await world({ models: ['X', 'Y'], prompts: 10 });
    unwrap(await create(engine, { seed: 2 }));
    const ids = await taskIds(engine, ann);
    const bob = unwrap(await engine.call('reviewers.create', { name: 'bob', role: 'nlp' })).id;
    const annSays = ['A', 'A', 'A', 'A', 'B', 'B', 'B', 'B', 'tie', 'tie'] as const;
    const bobSays = ['A', 'A', 'A', 'B', 'B', 'B', 'B', 'A', 'tie', 'B'] as const;
    for (const [i, id] of ids.entries()) {
      unwrap(await label(engine, { taskId: id, reviewerId: ann, choice: annSays[i]! }));
      unwrap(await label(engine, { taskId: id, reviewerId: bob, choice: bobSays[i]! }));
    }
    // p_o = 0.7; p_e = (4·4 + 4·5 + 2·1) / 100 = 0.38; κ = 0.32 / 0.62.
    let lb = await board(engine);
    const pair = lb.agreement.find((a) => a.method.includes('pairwise'))!;
    expect(pair.method).toMatch(/^Cohen's κ/);
    expect(pair.items).toBe(10);
    expect(pair.value!).toBeCloseTo(0.32 / 0.62, 10);

    // A third reviewer who agrees with ann on the first four: Krippendorff's α over all three.
    const cy = unwrap(await engine.call('reviewers.create', { name: 'cy', role: 'sme' })).id;
    for (const [i, id] of ids.slice(0, 4).entries()) unwrap(await label(engine, { taskId: id, reviewerId: cy, choice: annSays[i]! }));
    lb = await board(engine);
    const three = lb.agreement.find((a) => a.method.includes('pairwise'))!;
    expect(three.method).toMatch(/^Krippendorff's α/);
    expect(three.items).toBe(10);
    expect(three.value!).toBeGreaterThan(0);
    expect(three.value!).toBeLessThan(1);

    // With one reviewer in the filter there is nothing to agree on.
    lb = await board(engine, { reviewerId: ann });
    expect(lb.agreement.every((a) => a.items === 0 && a.value === null)).toBe(true);
  });

  it('agreement on N-way rankings compares each pair of positions, and counts tasks as its items', async () => {
    const { engine, ws, models, reviewer: ann } = await world({ models: ['a', 'b', 'c'], prompts: 4 });
    unwrap(await create(engine, { kind: 'rank', k: 3 }));
    const bob = unwrap(await engine.call('reviewers.create', { name: 'bob', role: 'nlp' })).id;
    for (const [i, id] of (await taskIds(engine, ann, 'rank')).entries()) {
      const ranking = i % 2 === 0 ? [[0], [1], [2]] : [[2], [0, 1]];
      unwrap(await label(engine, { taskId: id, reviewerId: ann, ranking }));
      unwrap(await label(engine, { taskId: id, reviewerId: bob, ranking }));
    }
    // A fifth task labeled by ann alone is no item of agreement.
    const seq = addPrompt(ws, 'p4', 'Question 4?', ['even']);
    for (const name of ['a', 'b', 'c']) addGeneration(ws, { promptSeq: seq, modelId: models[name]!, output: `${name} answers 4` });
    unwrap(await create(engine, { kind: 'rank', k: 3 }));
    const ids = await taskIds(engine, ann, 'rank');
    expect(ids).toHaveLength(5);
    const lone = (await Promise.all(ids.map((id) => task(engine, id, ann)))).find((t) => t.promptId === 'p4')!;
    expect(lone.label).toBeNull();
    unwrap(await label(engine, { taskId: lone.id, reviewerId: ann, ranking: [[0], [1], [2]] }));
    // The items are the 4 tasks both labeled, not their 4 × 3 pairs of positions (those are in the method).
    const rank = (await board(engine)).agreement.find((a) => a.method.includes('N-way'))!;
    expect(rank).toMatchObject({ value: 1, items: 4 });
    expect(rank.method).toMatch(/^Cohen's κ/);
    expect(rank.method).toContain('12 position pairs');

    // Three reviewers (α): still counted in tasks. cy labels two of the tasks.
    const cy = unwrap(await engine.call('reviewers.create', { name: 'cy', role: 'sme' })).id;
    for (const id of ids.slice(0, 2)) unwrap(await label(engine, { taskId: id, reviewerId: cy, ranking: [[0], [1], [2]] }));
    const three = (await board(engine)).agreement.find((a) => a.method.includes('N-way'))!;
    expect(three.method).toMatch(/^Krippendorff's α/);
    expect(three.items).toBe(4);
  });
});

describe('outcomes as exports read them', () => {
  const side = (position: number, generationId: number, modelId: number) => ({ position, generationId, modelId });
  const pair = [side(0, 20, 2), side(1, 10, 1)];

  it('a pairwise label is one outcome between the shown sides, with the strength as margin', () => {
    expect(expandLabel({ kind: 'pair', choice: 'A', strength: 'much', ranks: null }, pair)).toEqual([{ first: pair[0], second: pair[1], score: 1, bothBad: false, margin: 3 }]);
    expect(expandLabel({ kind: 'pair', choice: 'B', strength: 'slightly', ranks: null }, pair)[0]).toMatchObject({ score: 0, margin: 1 });
    expect(expandLabel({ kind: 'pair', choice: 'B', strength: null, ranks: null }, pair)[0]).toMatchObject({ score: 0, margin: null });
    expect(expandLabel({ kind: 'pair', choice: 'tie', strength: null, ranks: null }, pair)[0]).toMatchObject({ score: 0.5, bothBad: false, margin: 0 });
    // both_bad stays visible to exports (a correction wins over both), flagged so the leaderboard can leave it out.
    expect(expandLabel({ kind: 'pair', choice: 'both_bad', strength: null, ranks: null }, pair)[0]).toMatchObject({ score: 0.5, bothBad: true });
  });

  it('a ranking of K is K(K−1)/2 outcomes in shown order', () => {
    const outputs = [side(0, 1, 1), side(1, 2, 2), side(2, 3, 3), side(3, 4, 4), side(4, 5, 5)];
    const out = expandLabel({ kind: 'rank', choice: null, strength: null, ranks: [1, 0, 2, 0, 1] }, outputs);
    expect(out).toHaveLength(10);
    expect(out.map((o) => [o.first.position, o.second.position, o.score])).toEqual([
      [0, 1, 0],
      [0, 2, 1],
      [0, 3, 0],
      [0, 4, 0.5],
      [1, 2, 1],
      [1, 3, 0.5],
      [1, 4, 1],
      [2, 3, 0],
      [2, 4, 0],
      [3, 4, 1],
    ]);
  });
});
