/**
 * Review sessions through Engine.dispatch on real workspace files: items from a filter, overlap k
 * with several reviewers, reservations that expire on an injected clock, gold placement and
 * accuracy, swap re-shows and the swap-flip rate, the seeded per-reviewer order, blind review.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { MethodInput, NextItem } from '../contract';
import type { Engine } from '../core/engine';
import { reviewerOrder, swapGap } from '../core/sessions/order';
import type { Workspace } from '../core/workspace/workspace';
import { cleanupAll, failure, newEngine, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

interface World {
  engine: Engine;
  ws: Workspace;
  clock: { t: number };
  engineer: number;
  reviewers: number[];
  models: number[];
}

/** `prompts` prompts (tagged even/odd) with one output per model, an engineer and `reviewers` SMEs, on a clock the test moves. */
async function world(options: { prompts: number; models?: number; reviewers?: number }): Promise<World> {
  const clock = { t: 1_700_000_000_000 };
  const { engine, workspace: ws } = newEngine('sessions', { now: () => clock.t, runJobs: false });
  const models = Array.from({ length: options.models ?? 1 }, (_, i) => addModel(ws, `m${i}`));
  for (let i = 0; i < options.prompts; i++) {
    const seq = addPrompt(ws, `p${i}`, `Question ${i}?`, [i % 2 === 0 ? 'even' : 'odd']);
    for (const [j, m] of models.entries()) addGeneration(ws, { promptSeq: seq, modelId: m, output: `model ${j} answers ${i}` });
  }
  const engineer = unwrap(await engine.call('reviewers.create', { name: 'eng', role: 'nlp' })).id;
  const reviewers: number[] = [];
  for (let i = 0; i < (options.reviewers ?? 3); i++) reviewers.push(unwrap(await engine.call('reviewers.create', { name: `sme${i}`, role: 'sme' })).id);
  return { engine, ws, clock, engineer, reviewers, models };
}

const create = async (w: World, input: Partial<MethodInput<'sessions.create'>> = {}) =>
  unwrap(await w.engine.call('sessions.create', { reviewerId: w.engineer, name: 'S', filter: {}, reviewerIds: w.reviewers, seed: 7, ...input }));

const next = async (w: World, sessionId: number, reviewerId: number, kind: 'review' | 'compare' = 'review'): Promise<NextItem | null> =>
  unwrap(await w.engine.call('sessions.next', { sessionId, reviewerId, kind })).item;

const submit = async (w: World, generationId: number, reviewerId: number, verdict: 'good' | 'bad' = 'good', addTimeSpentMs = 1000) =>
  unwrap(await w.engine.call('review.save', { generationId, reviewerId, verdict, submit: true, addTimeSpentMs }));

describe('review sessions', () => {
  it('materializes the filter into review_session_items and previews the same count', async () => {
    const w = await world({ prompts: 6, models: 2 });
    const filter = { prompts: { query: '', tags: ['even'] }, modelIds: [w.models[0]!] };
    expect(unwrap(await w.engine.call('sessions.preview', { filter }))).toEqual({ prompts: 3, review: 3, compare: 0 });
    const s = await create(w, { filter });
    expect(s.items).toEqual({ review: 3, compare: 0, gold: 0 });
    const rows = w.ws.reader.prepare('SELECT kind, item_id, is_gold FROM review_session_items WHERE session_id = ? ORDER BY item_id').all(s.id) as { kind: string }[];
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.kind === 'review')).toBe(true);

    // Compare: tasks made with the comparisons design, then taken as items; ids filter narrows prompts.
    const both = await create(w, { filter: { kind: 'both', prompts: { query: '', tags: [], ids: ['p0', 'p1'] }, makeTasks: { kind: 'pair' } } });
    expect(both.items).toEqual({ review: 4, compare: 2, gold: 0 });
    expect(failure(await w.engine.call('sessions.create', { reviewerId: w.engineer, name: 'none', filter: { prompts: { query: 'zebra', tags: [] } } }), 'not_found').message).toMatch(/No prompts match/);
    expect(failure(await w.engine.call('sessions.create', { reviewerId: w.engineer, name: 'x', filter: { prompts: { query: '', tags: [], ids: ['nope'] } } }), 'not_found').message).toMatch(/nope/);
  });

  it('a session with no reviewers is refused on create and on update, and nothing is written', async () => {
    const w = await world({ prompts: 3 });
    const before = unwrap(await w.engine.call('sessions.list', {})).length;
    for (const input of [{}, { reviewerIds: [] }]) {
      const refused = failure(await w.engine.call('sessions.create', { reviewerId: w.engineer, name: 'nobody', filter: {}, ...input }), 'invalid_input');
      expect(refused.message).toMatch(/at least one reviewer/);
    }
    expect(unwrap(await w.engine.call('sessions.list', {}))).toHaveLength(before);
    const s = await create(w);
    const refused = failure(await w.engine.call('sessions.update', { reviewerId: w.engineer, sessionId: s.id, reviewerIds: [] }), 'invalid_input');
    expect(refused.message).toMatch(/at least one reviewer/);
    expect(unwrap(await w.engine.call('sessions.get', { sessionId: s.id })).reviewers).toHaveLength(w.reviewers.length);
  });

  it('overlap k = 2 with 3 reviewers: every item gets exactly 2 distinct labels, and no one is handed an item twice', async () => {
    const w = await world({ prompts: 9 });
    const s = await create(w, { overlap: 2 });
    const handed = new Map<number, number[]>(w.reviewers.map((r) => [r, []]));
    // Round-robin: each reviewer takes an item and submits it, until no one gets one.
    for (let round = 0; round < 50; round++) {
      let any = false;
      for (const r of w.reviewers) {
        const item = await next(w, s.id, r);
        if (!item) continue;
        any = true;
        expect(handed.get(r)).not.toContain(item.itemId);
        handed.get(r)!.push(item.itemId);
        await submit(w, item.itemId, r);
      }
      if (!any) break;
    }
    const counts = w.ws.reader
      .prepare("SELECT item_id, (SELECT count(*) FROM reviews r WHERE r.generation_id = i.item_id AND r.status = 'submitted' AND r.deleted_at IS NULL) AS n FROM review_session_items i WHERE session_id = ?")
      .all(s.id) as { n: number }[];
    expect(counts.map((c) => c.n)).toEqual(Array(9).fill(2));
    expect([...handed.values()].reduce((n, l) => n + l.length, 0)).toBe(18);
    const progress = unwrap(await w.engine.call('sessions.progress', { sessionId: s.id }));
    expect(progress).toMatchObject({ needed: 18, done: 18, itemsComplete: 9, items: 9, etaMs: 0 });
    expect(progress.reviewers.map((r) => r.assigned)).toEqual([6, 6, 6]);
    expect(progress.reviewers.every((r) => r.meanTimeMs === 1000)).toBe(true);
  });

  it('a reviewer whose invite was revoked is shown revoked and left out of the ETA (issue 10)', async () => {
    const w = await world({ prompts: 6 });
    const s = await create(w, { overlap: 2 });
    const [gone, kept, never] = w.reviewers as [number, number, number];
    for (let i = 0; i < 2; i++) await submit(w, (await next(w, s.id, gone))!.itemId, gone);
    const before = unwrap(await w.engine.call('sessions.progress', { sessionId: s.id }));
    expect(before).toMatchObject({ needed: 12, done: 2, meanTimeMs: 1000 });
    expect(before.etaMs).toBeCloseTo((10 * 1000) / 3);
    expect(before.reviewers.map((r) => r.revoked)).toEqual([false, false, false]);

    const { invite } = unwrap(await w.engine.call('team.invite', { reviewer: { id: gone }, role: 'sme', expiresInHours: 24 }));
    unwrap(await w.engine.call('team.invite', { reviewer: { id: kept }, role: 'sme', expiresInHours: 24 }));
    unwrap(await w.engine.call('team.revoke', { id: invite.id }));
    const after = unwrap(await w.engine.call('sessions.progress', { sessionId: s.id }));
    const byId = new Map(after.reviewers.map((r) => [r.reviewerId, r]));
    expect(byId.get(gone)).toMatchObject({ revoked: true, done: 2, etaMs: null });
    expect(byId.get(kept)).toMatchObject({ revoked: false });
    expect(byId.get(never)).toMatchObject({ revoked: false });
    // The work left is the two others', in parallel.
    expect(after.etaMs).toBe((10 * 1000) / 2);

    // Re-invited: active again.
    unwrap(await w.engine.call('team.invite', { reviewer: { id: gone }, role: 'sme', expiresInHours: 24 }));
    expect(unwrap(await w.engine.call('sessions.progress', { sessionId: s.id })).reviewers.find((r) => r.reviewerId === gone)!.revoked).toBe(false);
  });

  it('an active reservation counts against k; it expires after N minutes (injected clock) and a submit ends it', async () => {
    const w = await world({ prompts: 2 });
    const s = await create(w, { overlap: 1, reservationMinutes: 30 });
    const [a, b, c] = w.reviewers as [number, number, number];
    const x = (await next(w, s.id, a))!;
    expect(x.reservedUntil).toBe(w.clock.t + 30 * 60_000);
    // Asking again gives the same reserved item.
    expect((await next(w, s.id, a))!.itemId).toBe(x.itemId);
    const y = (await next(w, s.id, b))!;
    expect(y.itemId).not.toBe(x.itemId);
    expect(await next(w, s.id, c)).toBeNull();
    w.clock.t += 29 * 60_000;
    expect(await next(w, s.id, c)).toBeNull();
    w.clock.t += 2 * 60_000;
    // Both reservations ran out: c gets one of them, and the other is free again.
    const z = (await next(w, s.id, c))!;
    expect([x.itemId, y.itemId]).toContain(z.itemId);
    // c submits: the reservation is over, k is reached, c is not handed it again.
    await submit(w, z.itemId, c);
    const after = await next(w, s.id, c);
    expect(after?.itemId).not.toBe(z.itemId);
    // a's old item went to c (if it was z) or is still free; either way, nothing is handed twice over k.
    const labels = w.ws.reader.prepare("SELECT count(*) AS n FROM reviews WHERE status = 'submitted'").get() as { n: number };
    expect(labels.n).toBe(1);
    // Release gives an item back at once.
    expect(unwrap(await w.engine.call('sessions.release', { sessionId: s.id, reviewerId: c, kind: 'review', itemId: after!.itemId })).released).toBe(true);
    expect((await next(w, s.id, a))!.itemId).toBe(after!.itemId);
  });

  it('refuses a reviewer who is not assigned, and a closed session hands out nothing until reopened', async () => {
    const w = await world({ prompts: 2 });
    const s = await create(w, { reviewerIds: [w.reviewers[0]!] });
    expect(failure(await w.engine.call('sessions.next', { sessionId: s.id, reviewerId: w.reviewers[1]!, kind: 'review' }), 'conflict').message).toMatch(/not assigned/);
    unwrap(await w.engine.call('sessions.close', { sessionId: s.id, reviewerId: w.engineer }));
    expect(await next(w, s.id, w.reviewers[0]!)).toBeNull();
    unwrap(await w.engine.call('sessions.reopen', { sessionId: s.id, reviewerId: w.engineer }));
    expect(await next(w, s.id, w.reviewers[0]!)).not.toBeNull();
    const updated = unwrap(await w.engine.call('sessions.update', { sessionId: s.id, reviewerId: w.engineer, reviewerIds: w.reviewers, overlap: 3 }));
    expect(updated.reviewers).toHaveLength(3);
    expect(updated.overlap).toBe(3);
    expect(unwrap(await w.engine.call('sessions.list', { assignedTo: w.reviewers[2]! })).map((x) => x.id)).toEqual([s.id]);
  });

  it('gold: the first few of a new reviewer, then mixed in at the rate, to every reviewer whatever k; accuracy per reviewer with n', async () => {
    const w = await world({ prompts: 12, reviewers: 2 });
    const s = await create(w, { overlap: 1, goldFirst: 2, goldRate: 0.25 });
    const items = unwrap(await w.engine.call('sessions.items', { sessionId: s.id })).items;
    // Each item carries its output's text, so the gold answer is set while reading it (issue 10).
    for (const i of items.slice(0, 3)) expect(i.outputs).toEqual([w.ws.reader.prepare('SELECT output FROM generations WHERE id = ?').pluck().get(i.itemId)]);
    const cls = unwrap(await w.engine.call('taxonomy.create', { name: 'Wrong fact' }));
    const gold = items.slice(0, 4).map((i) => i.itemId);
    for (const id of gold.slice(0, 3)) unwrap(await w.engine.call('sessions.setGold', { sessionId: s.id, reviewerId: w.engineer, kind: 'review', itemId: id, answer: { verdict: 'good' } }));
    const withClass = unwrap(await w.engine.call('sessions.setGold', { sessionId: s.id, reviewerId: w.engineer, kind: 'review', itemId: gold[3]!, answer: { verdict: 'bad', classId: cls.id } }));
    expect(withClass.gold).toEqual({ verdict: 'bad', classId: cls.id, choice: null });
    expect(failure(await w.engine.call('sessions.setGold', { sessionId: s.id, reviewerId: w.engineer, kind: 'review', itemId: gold[0]!, answer: { choice: 'A' } }), 'invalid_input').message).toMatch(/verdict/);

    const [a, b] = w.reviewers as [number, number];
    const seen = { [a]: [] as number[], [b]: [] as number[] };
    // Work both queues to the end; a answers gold right but for one verdict, b tags the class too.
    for (const r of [a, b]) {
      for (let i = 0; i < 30; i++) {
        const item = await next(w, s.id, r);
        if (!item) break;
        seen[r]!.push(item.itemId);
        const isGold = gold.indexOf(item.itemId);
        if (isGold === 3) {
          if (r === b) unwrap(await w.engine.call('review.addTag', { generationId: item.itemId, reviewerId: r, classId: cls.id }));
          await submit(w, item.itemId, r, 'bad');
        } else await submit(w, item.itemId, r, r === a && isGold === 0 ? 'bad' : 'good');
      }
    }
    // The first two of each queue are gold; every reviewer gets all 4 gold items even with k = 1.
    for (const r of [a, b]) {
      expect(gold).toContain(seen[r]![0]);
      expect(gold).toContain(seen[r]![1]);
      expect(seen[r]!.filter((id) => gold.includes(id)).sort()).toEqual([...gold].sort());
    }
    // Regular items were split between the two (k = 1): 8 in all.
    const regularSeen = [...seen[a]!, ...seen[b]!].filter((id) => !gold.includes(id));
    expect(new Set(regularSeen).size).toBe(8);
    expect(regularSeen).toHaveLength(8);

    const progress = unwrap(await w.engine.call('sessions.progress', { sessionId: s.id }));
    const pa = progress.reviewers.find((r) => r.reviewerId === a)!;
    const pb = progress.reviewers.find((r) => r.reviewerId === b)!;
    // a: gold 0 wrong (bad for good), gold 3 wrong (no class tag) → 2 of 4. b: all 4.
    expect(pa.gold).toMatchObject({ successes: 2, n: 4, value: 0.5 });
    expect(pa.gold.low!).toBeLessThan(0.5);
    expect(pa.gold.high!).toBeGreaterThan(0.5);
    expect(pb.gold).toMatchObject({ successes: 4, n: 4, value: 1, high: 1 });
    expect(progress).toMatchObject({ needed: 8 + 4 * 2, done: 16 });
    // The reviewer's own progress says nothing about gold.
    const own = unwrap(await w.engine.call('sessions.next', { sessionId: s.id, reviewerId: a, kind: 'review' })).progress;
    expect(own).not.toHaveProperty('gold');
  });

  it('gold is mixed in at the rate in the order itself', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, gold: i < 10, swappable: false }));
    const order = reviewerOrder(items, { seed: 3, reviewerId: 5, kind: 'review', goldFirst: 2, goldRate: 0.2, swapShare: 0 });
    expect(order).toHaveLength(40);
    const isGold = order.map((e) => e.id <= 10);
    expect(isGold.slice(0, 2)).toEqual([true, true]);
    // After the first two: one gold after every 4 regular items (rate 0.2), while gold lasts.
    expect(isGold.slice(2, 12)).toEqual([false, false, false, false, true, false, false, false, false, true]);
    expect(isGold.filter(Boolean)).toHaveLength(10);
  });

  it('swap re-shows: a later re-show with sides swapped, stored apart; the flip rate per reviewer with n and interval', async () => {
    const w = await world({ prompts: 8, models: 2, reviewers: 2 });
    const s = await create(w, { overlap: 2, swapShare: 1, filter: { kind: 'compare', makeTasks: { kind: 'pair' } } });
    expect(s.items.compare).toBe(8);
    const [a, b] = w.reviewers as [number, number];
    // a always picks the left side as shown (position bias: every re-show flips); b picks model 0's output wherever it is.
    const modelOf = (taskId: number) =>
      w.ws.reader.prepare('SELECT o.position, g.model_id FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id WHERE o.task_id = ? ORDER BY o.position').all(taskId) as { position: number; model_id: number }[];
    const sequence: Record<number, NextItem[]> = { [a]: [], [b]: [] };
    for (const r of [a, b]) {
      for (let i = 0; i < 40; i++) {
        const item = await next(w, s.id, r, 'compare');
        if (!item) break;
        sequence[r]!.push(item);
        const sides = modelOf(item.itemId);
        const storedChoice = sides[0]!.model_id === w.models[0] ? 'A' : 'B';
        if (!item.swapped) {
          unwrap(await w.engine.call('comparisons.label', { taskId: item.itemId, reviewerId: r, choice: r === a ? 'A' : storedChoice }));
        } else {
          const shown = r === a ? 'A' : storedChoice === 'A' ? 'B' : 'A';
          const saved = unwrap(await w.engine.call('sessions.saveSwap', { sessionId: s.id, taskId: item.itemId, reviewerId: r, choice: shown, addTimeSpentMs: 500 }));
          expect(saved).toEqual({ saved: true, flipped: r === a });
        }
      }
    }
    for (const r of [a, b]) {
      const seq = sequence[r]!;
      expect(seq).toHaveLength(16);
      for (const [i, item] of seq.entries()) {
        if (!item.swapped) continue;
        // The re-show comes at least the gap later than its first showing.
        const first = seq.findIndex((x) => x.itemId === item.itemId && !x.swapped);
        expect(i - first).toBeGreaterThan(swapGap(8));
      }
    }
    // The first labels are untouched: a's are all A.
    const aChoices = w.ws.reader.prepare('SELECT choice FROM comparison_labels WHERE reviewer_id = ? AND deleted_at IS NULL').pluck().all(a);
    expect(aChoices).toEqual(Array(8).fill('A'));
    const progress = unwrap(await w.engine.call('sessions.progress', { sessionId: s.id }));
    const pa = progress.reviewers.find((r) => r.reviewerId === a)!;
    const pb = progress.reviewers.find((r) => r.reviewerId === b)!;
    expect(pa.swapFlip).toMatchObject({ successes: 8, n: 8, value: 1 });
    expect(pa.swapFlip.low!).toBeGreaterThan(0.6);
    expect(pb.swapFlip).toMatchObject({ successes: 0, n: 8, value: 0, low: 0 });
    expect(pa.reshows).toBe(8);
    // Saving a re-show twice keeps the first; a re-show of a task not yet labelled is refused.
    const again = unwrap(await w.engine.call('sessions.saveSwap', { sessionId: s.id, taskId: sequence[a]![0]!.itemId, reviewerId: a, choice: 'B' }));
    expect(again.saved).toBe(false);
  });

  it('the order is deterministic from the session seed and the reviewer, and differs between reviewers', async () => {
    const w = await world({ prompts: 20, reviewers: 2 });
    const take = async (sessionId: number, r: number) => {
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        const item = await next(w, sessionId, r);
        if (!item) break;
        ids.push(item.itemId);
        await submit(w, item.itemId, r);
      }
      return ids;
    };
    const s1 = await create(w, { overlap: 2, seed: 11, reviewerIds: [w.reviewers[0]!] });
    const first = await take(s1.id, w.reviewers[0]!);
    expect(first).toHaveLength(20);
    // The same seed for the other reviewer gives another order.
    const s2 = await create(w, { overlap: 2, seed: 11, reviewerIds: [w.reviewers[1]!] });
    const second = await take(s2.id, w.reviewers[1]!);
    expect(second).not.toEqual(first);
    expect([...second].sort()).toEqual([...first].sort());
    // The pure order: the same inputs give the same order.
    const items = first.map((id) => ({ id, gold: false, swappable: false }));
    const settings = { seed: 11, reviewerId: w.reviewers[0]!, kind: 'review', goldFirst: 0, goldRate: 0, swapShare: 0 };
    expect(reviewerOrder(items, settings).map((e) => e.id)).toEqual(first);
    expect(reviewerOrder([...items].reverse(), settings).map((e) => e.id)).toEqual(first);
  });

  it('blind: a reviewer working an open session sees no other labels on its items, even with blindReviewers off', async () => {
    const w = await world({ prompts: 1 });
    unwrap(await w.engine.call('settings.update', { blindReviewers: false }));
    const [a, b] = w.reviewers as [number, number];
    const gen = (w.ws.reader.prepare('SELECT id FROM generations').pluck().get() as number);
    await submit(w, gen, a);
    expect(unwrap(await w.engine.call('review.item', { generationId: gen, reviewerId: b })).others).toHaveLength(1);
    const s = await create(w, { reviewerIds: [b] });
    expect(unwrap(await w.engine.call('review.item', { generationId: gen, reviewerId: b })).others).toEqual([]);
    unwrap(await w.engine.call('sessions.close', { sessionId: s.id, reviewerId: w.engineer }));
    expect(unwrap(await w.engine.call('review.item', { generationId: gen, reviewerId: b })).others).toHaveLength(1);
  });
});
