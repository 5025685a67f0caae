/**
 * Review sessions, continued: reservations of a fraction of a minute (migration 0015 stores them in
 * milliseconds; one test waits on the real clock), and skips remembered per reviewer per session
 * (`sessions.skip`, `sessions.next {revisitSkipped}`), with the overlap rule and progress unchanged.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MethodInput, NextItem } from '../contract';
import type { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import { openWriter } from '../db/handles';
import { migrate } from '../db/migrate';
import { cleanupAll, failure, newEngine, tempDir, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

interface World {
  engine: Engine;
  clock: { t: number } | null;
  engineer: number;
  reviewers: number[];
}

/** `prompts` prompts with one output each, an engineer and `reviewers` SMEs; `realClock` leaves the engine on Date.now. */
async function world(options: { prompts: number; reviewers?: number; realClock?: boolean }): Promise<World> {
  const clock = options.realClock ? null : { t: 1_700_000_000_000 };
  const { engine, workspace: ws } = newEngine('skips', { ...(clock ? { now: () => clock.t } : {}), runJobs: false });
  const model = addModel(ws, 'm0');
  for (let i = 0; i < options.prompts; i++) addGeneration(ws, { promptSeq: addPrompt(ws, `p${i}`, `Question ${i}?`, []), modelId: model, output: `answer ${i}` });
  const engineer = unwrap(await engine.call('reviewers.create', { name: 'eng', role: 'nlp' })).id;
  const reviewers: number[] = [];
  for (let i = 0; i < (options.reviewers ?? 2); i++) reviewers.push(unwrap(await engine.call('reviewers.create', { name: `sme${i}`, role: 'sme' })).id);
  return { engine, clock, engineer, reviewers };
}

const create = async (w: World, input: Partial<MethodInput<'sessions.create'>> = {}) =>
  unwrap(await w.engine.call('sessions.create', { reviewerId: w.engineer, name: 'S', filter: {}, reviewerIds: w.reviewers, seed: 7, ...input }));

const next = async (w: World, sessionId: number, reviewerId: number, revisitSkipped = false): Promise<NextItem | null> =>
  unwrap(await w.engine.call('sessions.next', { sessionId, reviewerId, kind: 'review', revisitSkipped })).item;

const skip = async (w: World, sessionId: number, reviewerId: number, itemId: number) =>
  unwrap(await w.engine.call('sessions.skip', { sessionId, reviewerId, kind: 'review', itemId }));

const submit = async (w: World, generationId: number, reviewerId: number) =>
  unwrap(await w.engine.call('review.save', { generationId, reviewerId, verdict: 'good', submit: true, addTimeSpentMs: 1000 }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fractional reservation minutes', () => {
  it('takes a fraction of a minute, kept to the millisecond, within 3 s … 24 h, on create and on update', async () => {
    const w = await world({ prompts: 2 });
    const s = await create(w, { reservationMinutes: 0.05 });
    expect(s.reservationMinutes).toBe(0.05);
    const x = (await next(w, s.id, w.reviewers[0]!))!;
    expect(x.reservedUntil).toBe(w.clock!.t + 3000);
    for (const minutes of [0.04, 0, -1, 24 * 60 + 1]) {
      const refused = failure(await w.engine.call('sessions.create', { reviewerId: w.engineer, name: 'x', filter: {}, reviewerIds: w.reviewers, reservationMinutes: minutes }), 'invalid_input');
      expect(refused.message).toMatch(/reservation lasts at (least|most)/);
      failure(await w.engine.call('sessions.update', { reviewerId: w.engineer, sessionId: s.id, reservationMinutes: minutes }), 'invalid_input');
    }
    const updated = unwrap(await w.engine.call('sessions.update', { reviewerId: w.engineer, sessionId: s.id, reservationMinutes: 1.5 }));
    expect(updated.reservationMinutes).toBe(1.5);
    // The next reservation made takes the new length (90 s); the one held keeps its time.
    const y = (await next(w, s.id, w.reviewers[1]!))!;
    expect(y.reservedUntil).toBe(w.clock!.t + 90_000);
    expect(unwrap(await w.engine.call('sessions.create', { reviewerId: w.engineer, name: 'default', filter: {}, reviewerIds: w.reviewers })).reservationMinutes).toBe(30);
  });

  it('on the real clock: a 3 s reservation holds the item from the others, then it is handed to the next reviewer', async () => {
    const w = await world({ prompts: 1, realClock: true });
    const s = await create(w, { overlap: 1, reservationMinutes: 0.05 });
    const [a, b] = w.reviewers as [number, number];
    const held = (await next(w, s.id, a))!;
    const t0 = Date.now();
    expect(held.reservedUntil! - t0).toBeGreaterThan(2000);
    expect(held.reservedUntil! - t0).toBeLessThanOrEqual(3000);
    // While a holds the only item, b gets nothing (k = 1).
    if (Date.now() < held.reservedUntil! - 200) expect(await next(w, s.id, b)).toBeNull();
    // a leaves it; once the time has passed (the clock is real: wait for it, then ask), b is handed it.
    let handed: NextItem | null = null;
    for (const deadline = held.reservedUntil! + 10_000; Date.now() < deadline && handed === null; ) {
      await sleep(Math.max(20, held.reservedUntil! - Date.now() + 20));
      handed = await next(w, s.id, b);
    }
    expect(Date.now()).toBeGreaterThan(held.reservedUntil!);
    expect(handed).toMatchObject({ itemId: held.itemId, swapped: false, skipped: false });
    // Now a is the one held off.
    expect(await next(w, s.id, a)).toBeNull();
  });

  it('migration 0015 turns a v14 session of 30 whole minutes into 1,800,000 ms', async () => {
    const dir = tempDir('assay-m15-');
    const file = path.join(dir, 'old.assay');
    const db = openWriter(file);
    migrate(db, file, 14);
    db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('eng', 'nlp', 1)").run();
    db.prepare(
      `INSERT INTO review_sessions (name, kind, filter, overlap, reservation_minutes, seed, created_by, created_at) VALUES ('old', 'review', '{}', 2, 30, 1, 1, 1)`,
    ).run();
    db.close();
    const ws = openWorkspace(file);
    try {
      expect(ws.reader.prepare('SELECT reservation_ms FROM review_sessions').pluck().get()).toBe(1_800_000);
      const columns = ws.reader.prepare("SELECT name FROM pragma_table_info('review_sessions')").pluck().all();
      expect(columns).not.toContain('reservation_minutes');
    } finally {
      ws.close();
    }
  });
});

describe('skip', () => {
  it('is remembered per reviewer: not handed back to the skipper (a release is), still handed to the others', async () => {
    const w = await world({ prompts: 2 });
    const s = await create(w, { overlap: 1 });
    const [a, b] = w.reviewers as [number, number];
    const x = (await next(w, s.id, a))!;
    // A plain release hands the same item back.
    unwrap(await w.engine.call('sessions.release', { sessionId: s.id, reviewerId: a, kind: 'review', itemId: x.itemId }));
    expect((await next(w, s.id, a))!.itemId).toBe(x.itemId);
    // A skip does not: a gets the other item; the skipped one is free for b at once (its reservation ended).
    const skipped = await skip(w, s.id, a, x.itemId);
    expect(skipped).toMatchObject({ skipped: true, progress: { skipped: 1, done: 0 } });
    const y = (await next(w, s.id, a))!;
    expect(y.itemId).not.toBe(x.itemId);
    expect((await next(w, s.id, b))!.itemId).toBe(x.itemId);
    // Skipping twice is a no-op; skipping a labelled item is refused; both write nothing new.
    expect((await skip(w, s.id, a, x.itemId)).skipped).toBe(false);
    await submit(w, y.itemId, a);
    expect(failure(await w.engine.call('sessions.skip', { sessionId: s.id, reviewerId: a, kind: 'review', itemId: y.itemId }), 'conflict').message).toMatch(/You have labelled/);
    // a has nothing left: y done, x skipped (and held by b besides).
    expect(await next(w, s.id, a)).toBeNull();
    // Another session's skips are its own.
    const other = await create(w, { overlap: 1, name: 'other' });
    expect([x.itemId, y.itemId]).toContain((await next(w, other.id, a))!.itemId);
  });

  it('skipped items come back only when the reviewer asks to revisit them, under the same overlap rule', async () => {
    const w = await world({ prompts: 3, reviewers: 3 });
    const s = await create(w, { overlap: 2 });
    const [a, b, c] = w.reviewers as [number, number, number];
    const first = (await next(w, s.id, a))!;
    await skip(w, s.id, a, first.itemId);
    // Revisiting with nothing else done: only skipped items are handed out, marked as such.
    const again = (await next(w, s.id, a, true))!;
    expect(again).toMatchObject({ itemId: first.itemId, skipped: true });
    // Held: asking the ordinary queue returns the held item (still marked skipped); a gives it back by skipping again.
    expect((await next(w, s.id, a))!).toMatchObject({ itemId: first.itemId, skipped: true });
    expect((await skip(w, s.id, a, first.itemId)).skipped).toBe(false);
    // a works through the rest.
    for (let item = await next(w, s.id, a); item; item = await next(w, s.id, a)) {
      expect(item.itemId).not.toBe(first.itemId);
      await submit(w, item.itemId, a);
    }
    // b and c label the skipped item: k = 2 is reached, so revisiting hands a nothing.
    const skips = new Map<number, number>();
    for (const r of [b, c]) {
      for (let item = await next(w, s.id, r); item && item.itemId !== first.itemId; item = await next(w, s.id, r)) {
        await skip(w, s.id, r, item.itemId);
        skips.set(r, (skips.get(r) ?? 0) + 1);
      }
      await submit(w, first.itemId, r);
    }
    expect(await next(w, s.id, a, true)).toBeNull();
    const progress = unwrap(await w.engine.call('sessions.progress', { sessionId: s.id }));
    const mine = progress.reviewers.find((r) => r.reviewerId === a)!;
    expect(mine).toMatchObject({ done: 2, skipped: 1, assigned: 2 });
    // The skipped item is complete once k labels are in; b and c labelled it after skipping whatever came before it.
    expect(progress.itemsComplete).toBe(1);
    for (const r of [b, c]) expect(progress.reviewers.find((x) => x.reviewerId === r)).toMatchObject({ done: 1, skipped: skips.get(r) ?? 0 });
  });

  it('revisiting a skipped item and labelling it takes it off the skipped count; ETA counts the share left', async () => {
    const w = await world({ prompts: 2, reviewers: 1 });
    const s = await create(w, { overlap: 1 });
    const [a] = w.reviewers as [number];
    const x = (await next(w, s.id, a))!;
    await skip(w, s.id, a, x.itemId);
    const y = (await next(w, s.id, a))!;
    await submit(w, y.itemId, a);
    let r = unwrap(await w.engine.call('sessions.next', { sessionId: s.id, reviewerId: a, kind: 'review' }));
    expect(r.item).toBeNull();
    expect(r.progress).toMatchObject({ done: 1, assigned: 2, skipped: 1, etaMs: 1000 });
    const back = (await next(w, s.id, a, true))!;
    expect(back).toMatchObject({ itemId: x.itemId, skipped: true });
    await submit(w, x.itemId, a);
    r = unwrap(await w.engine.call('sessions.next', { sessionId: s.id, reviewerId: a, kind: 'review', revisitSkipped: true }));
    expect(r.item).toBeNull();
    expect(r.progress).toMatchObject({ done: 2, assigned: 2, skipped: 0, etaMs: 0 });
  });

  it('revisiting goes oldest skip first, and skipping again puts an item last', async () => {
    const w = await world({ prompts: 3, reviewers: 1 });
    const s = await create(w, { overlap: 1 });
    const [a] = w.reviewers as [number];
    const order: number[] = [];
    for (let item = await next(w, s.id, a); item; item = await next(w, s.id, a)) {
      order.push(item.itemId);
      await skip(w, s.id, a, item.itemId);
      w.clock!.t += 1000;
    }
    expect(order).toHaveLength(3);
    expect((await next(w, s.id, a, true))!.itemId).toBe(order[0]);
    expect((await skip(w, s.id, a, order[0]!)).skipped).toBe(false);
    w.clock!.t += 1000;
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const item = (await next(w, s.id, a, true))!;
      seen.push(item.itemId);
      await skip(w, s.id, a, item.itemId);
      w.clock!.t += 1000;
    }
    expect(seen).toEqual([order[1], order[2], order[0]]);
  });

  it('refuses a reviewer not assigned and an item not in the session', async () => {
    const w = await world({ prompts: 2, reviewers: 2 });
    const s = await create(w, { reviewerIds: [w.reviewers[0]!] });
    const x = (await next(w, s.id, w.reviewers[0]!))!;
    expect(failure(await w.engine.call('sessions.skip', { sessionId: s.id, reviewerId: w.reviewers[1]!, kind: 'review', itemId: x.itemId }), 'conflict').message).toMatch(/not assigned/);
    expect(failure(await w.engine.call('sessions.skip', { sessionId: s.id, reviewerId: w.reviewers[0]!, kind: 'compare', itemId: x.itemId }), 'not_found').message).toMatch(/not an item/);
  });
});
