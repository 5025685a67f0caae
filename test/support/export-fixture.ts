/**
 * A small workspace whose every exported row can be written by hand: known prompts, outputs,
 * shown orders, labels, reviews, tags, steps and corrections. Labels go through the engine (so
 * they are validated and stamped as the app stamps them); tasks are inserted with a fixed shown
 * order so "A" and "B" are known. Timestamps are then pinned so provenance is predictable too.
 */
import type { Engine } from '../../core/engine';
import type { Workspace } from '../../core/workspace/workspace';
import { insertTask } from '../../db/comparisons';
import { addGeneration, addModel, addPrompt } from './review-fixtures';

export interface ExportFixture {
  reviewers: { alice: number; bob: number };
  models: { small: number; large: number; third: number };
  gens: Record<string, number>;
  tasks: Record<string, number>;
}

async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** 2024-01-01T00:00:00Z plus `minutes`. */
export const T0 = Date.UTC(2024, 0, 1);
export const at = (minutes: number) => T0 + minutes * 60_000;

export async function buildExportFixture(engine: Engine, ws: Workspace): Promise<ExportFixture> {
  const alice = (await ok(engine.call('reviewers.create', { name: 'alice', role: 'sme' }))).id;
  const bob = (await ok(engine.call('reviewers.create', { name: 'bob', role: 'nlp' }))).id;
  await ok(engine.call('guidelines.save', { body: 'Prefer correct answers.', reviewerId: alice }));

  const small = addModel(ws, 'm-small');
  const large = addModel(ws, 'm-large');
  const third = addModel(ws, 'm-third');

  const p1 = addPrompt(ws, 'p1', 'What is 2+2?', ['math']);
  const p2 = addPrompt(ws, 'p2', [{ role: 'user', content: 'Name a color.' }], ['chat']);
  const p3 = addPrompt(ws, 'p3', [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hi.' }], ['chat']);
  const p4 = addPrompt(ws, 'p4', 'Rank these.', ['rank']);
  const p5 = addPrompt(ws, 'p5', 'Tie prompt', []);
  const p6 = addPrompt(ws, 'p6', 'Both bad', []);

  const g = (promptSeq: number, modelId: number, output: string) => addGeneration(ws, { promptSeq, modelId, output });
  const gens = {
    g1: g(p1, small, ' 4'),
    g2: g(p1, large, ' 5'),
    g3: g(p2, small, 'Blue.'),
    g4: g(p2, large, 'Purple.'),
    g5: g(p3, small, 'Hi!'),
    g6: g(p3, large, 'Hello there, friend.'),
    g7: g(p4, small, 'A'),
    g8: g(p4, large, 'B'),
    g9: g(p4, third, 'C'),
    g10: g(p5, small, 'x'),
    g11: g(p5, large, 'y'),
    g12: g(p6, small, 'bad1'),
    g13: g(p6, large, 'bad2'),
  };

  const task = (promptSeq: number, kind: 'pair' | 'rank', order: number[]) =>
    insertTask(ws.writer, { promptSeq, kind, design: 'all-pairs', seed: 0, generationIds: order }, Date.now())!;
  const tasks = {
    t1: task(p1, 'pair', [gens.g2, gens.g1]),
    t2: task(p2, 'pair', [gens.g3, gens.g4]),
    t3: task(p3, 'pair', [gens.g5, gens.g6]),
    t4: task(p5, 'pair', [gens.g10, gens.g11]),
    t5: task(p6, 'pair', [gens.g12, gens.g13]),
    t6: task(p4, 'rank', [gens.g7, gens.g8, gens.g9]),
  };

  const label = (taskId: number, reviewerId: number, fields: Record<string, unknown>) =>
    ok(engine.call('comparisons.label', { taskId, reviewerId, ...fields }));
  await label(tasks.t1, alice, { choice: 'B', strength: 'clearly' });
  await label(tasks.t1, bob, { choice: 'B', strength: 'much' });
  await label(tasks.t2, alice, { choice: 'A', strength: 'slightly' });
  await label(tasks.t2, bob, { choice: 'B', strength: 'clearly' });
  await label(tasks.t3, alice, { choice: 'A' });
  await label(tasks.t4, alice, { choice: 'tie' });
  await label(tasks.t5, alice, { choice: 'both_bad', correction: 'good answer' });
  await label(tasks.t6, alice, { ranking: [[1], [0, 2]] });
  await label(tasks.t6, bob, { ranking: [[2], [0], [1]] });

  // Reviews: alice says g1 good, g2 bad (with a span tag and a step), bob says g2 bad and g4 acceptable.
  const review = (generationId: number, reviewerId: number, verdict: string, comment = '') =>
    ok(engine.call('review.save', { generationId, reviewerId, verdict: verdict as 'good', comment, submit: true }));
  await review(gens.g1, alice, 'good');
  await ok(engine.call('review.save', { generationId: gens.g2, reviewerId: alice, verdict: 'bad', comment: 'wrong sum', submit: false }));
  const tagged = await ok(engine.call('review.addTag', { generationId: gens.g2, reviewerId: alice, classId: 1, span: { start: 1, end: 2 }, note: 'off by one' }));
  const tagId = tagged.tags[0]!.id;
  await ok(engine.call('review.saveStep', { generationId: gens.g2, reviewerId: alice, body: 'Adds 2 and 2, gets 5.', tagId }));
  await ok(engine.call('review.saveStep', { generationId: gens.g2, reviewerId: alice, body: 'Should be 4.' }));
  await review(gens.g2, alice, 'bad', 'wrong sum');
  await review(gens.g2, bob, 'bad');
  await review(gens.g4, bob, 'acceptable');
  // A draft is not exported.
  await ok(engine.call('review.save', { generationId: gens.g5, reviewerId: alice, verdict: 'good', submit: false }));

  // Corrections: alice fixes g2; bob rewrites g3 twice, the second time back to the output itself.
  await ok(engine.call('corrections.save', { generationId: gens.g2, reviewerId: alice, text: ' 4' }));
  await ok(engine.call('corrections.save', { generationId: gens.g3, reviewerId: bob, text: 'Blue!' }));
  await ok(engine.call('corrections.save', { generationId: gens.g3, reviewerId: bob, text: 'Blue.' }));

  // Pin the times so provenance is predictable: the n-th label/review/correction at T0 + n minutes.
  const w = ws.writer;
  w.prepare('UPDATE comparison_labels SET created_at = ? + id * 60000, updated_at = ? + id * 60000').run(T0, T0);
  w.prepare('UPDATE reviews SET created_at = ? + (100 + id) * 60000').run(T0);
  w.prepare('UPDATE corrections SET created_at = ? + (200 + id) * 60000').run(T0);

  return { reviewers: { alice, bob }, models: { small, large, third }, gens, tasks };
}
