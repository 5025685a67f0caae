/**
 * The request-tampering suite (team mode, real HTTP): every write method of the contract, read from
 * METHOD_ACCESS and METHOD_ROLES, is tried as a lower role and as another reviewer; each attempt must
 * be refused with its code and leave every table of the workspace file as it was. A new write method
 * is covered as soon as it is classified; one that acts as a reviewer must also be listed below
 * (keyed by item, or with the rows of another reviewer's label it could name), or this suite fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodNames, roleAllows, type MethodName, type Review, type TeamRole } from '../contract';
import { METHOD_ACCESS } from '../core/method-access';
import { METHOD_ROLES } from '../core/method-roles';
import { cleanupAll } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';
import { startTeamServer, type TeamServer } from './support/team-server';

type Invitee = Awaited<ReturnType<TeamServer['invitee']>>;

let ts: TeamServer;
let ada: Invitee;
let bo: Invitee;
let engineer: Invitee;
/** An SME who is not assigned to the review session. */
let cy: Invitee;
/** Rows of Ada's labels that another reviewer could try to name. */
const rows = { generationId: 0, taskId: 0, liveTag: 0, removedTag: 0, liveStep: 0, deletedStep: 0, sessionId: 0, heldItem: 0 };

const writeMethods = methodNames.filter((m) => METHOD_ACCESS[m] !== 'read');

/** Acts as a reviewer on their own label of one item (generation or task): naming someone else is the only tampering. */
const KEYED_BY_ITEM = new Set<MethodName>([
  'review.save',
  'review.delete',
  'review.restore',
  'review.addTag',
  'corrections.save',
  'comparisons.label',
  'comparisons.deleteLabel',
  'comparisons.restoreLabel',
  'guidelines.save',
  // The adjudicator's final label on an item: an engineer naming another reviewer as the adjudicator.
  'adjudication.save',
  'adjudication.undo',
]);

/**
 * Acts as a reviewer in a review session (its reservations, re-shows and settings): naming someone
 * else is refused before the engine; naming oneself, the service checks assignment and ownership.
 */
const KEYED_BY_SESSION = new Set<MethodName>([
  'sessions.next',
  'sessions.release',
  'sessions.skip',
  'sessions.saveSwap',
  'sessions.create',
  'sessions.update',
  'sessions.close',
  'sessions.reopen',
  'sessions.setGold',
]);

/** Session writes naming oneself, on Ada's reservation or her labelled task: refused or a no-op, nothing written. */
const OWNED_SESSION_ROWS: [MethodName, (who: Invitee) => unknown, RegExp | null][] = [
  // Bo gives back the item Ada holds: not his reservation, so nothing is released.
  ['sessions.release', (who) => ({ reviewerId: who.reviewerId, sessionId: rows.sessionId, kind: 'review', itemId: rows.heldItem }), null],
  // Bo answers a swapped re-show of the task Ada labelled, which he never labelled.
  ['sessions.saveSwap', (who) => ({ reviewerId: who.reviewerId, sessionId: rows.sessionId, taskId: rows.taskId, choice: 'B' }), /Label task \d+ first/],
];

/** Names a row by id: as Bo (naming himself), with a row of Ada's label, which must be refused. */
const OWNED_ROWS: Partial<Record<MethodName, (reviewerId: number) => unknown[]>> = {
  'review.removeTag': (reviewerId) => [{ id: rows.liveTag, reviewerId }],
  'review.restoreTag': (reviewerId) => [{ id: rows.removedTag, reviewerId }],
  'review.deleteStep': (reviewerId) => [{ id: rows.liveStep, reviewerId }],
  'review.restoreStep': (reviewerId) => [{ id: rows.deletedStep, reviewerId }],
  'review.moveStep': (reviewerId) => [{ id: rows.liveStep, reviewerId, position: 0 }],
  // Editing Ada's step, or linking a step of Bo's own label to Ada's tag.
  'review.saveStep': (reviewerId) => [
    { generationId: rows.generationId, reviewerId, stepId: rows.liveStep, body: 'forged' },
    { generationId: rows.generationId, reviewerId, body: 'forged', tagId: rows.liveTag },
  ],
};

async function ok<T>(cookie: string, method: string, input: unknown): Promise<T> {
  const reply = await ts.as(cookie, method, input);
  if (!reply.result.ok) throw new Error(`${method}: ${reply.result.error.code} ${reply.result.error.message}`);
  return reply.result.value as T;
}

beforeAll(async () => {
  ts = await startTeamServer('tamper');
  const ws = ts.t.workspace;
  const promptSeq = addPrompt(ws, 'tamper-p', 'Two plus two?');
  rows.generationId = addGeneration(ws, { promptSeq, modelId: addModel(ws, 'tamper-a'), output: 'four, said the model' });
  addGeneration(ws, { promptSeq, modelId: addModel(ws, 'tamper-b'), output: '5' });
  await ts.owner('comparisons.createTasks', { prompts: { query: 'Two plus two', tags: [] } });
  const classId = (await ts.owner<{ id: number }>('taxonomy.create', { name: 'Wrong answer' })).id;
  ada = await ts.invitee('Ada', 'sme');
  bo = await ts.invitee('Bo', 'sme');
  engineer = await ts.invitee('Eng', 'engineer');
  rows.taskId = (await ok<{ taskId: number }>(ada.cookie, 'comparisons.next', { reviewerId: ada.reviewerId })).taskId;

  const g = rows.generationId;
  await ok(ada.cookie, 'review.save', { generationId: g, reviewerId: ada.reviewerId, verdict: 'bad', comment: 'Ada says', submit: true });
  let review = await ok<Review>(ada.cookie, 'review.addTag', { generationId: g, reviewerId: ada.reviewerId, classId, span: { start: 0, end: 4 } });
  rows.liveTag = review.tags[0]!.id;
  review = await ok<Review>(ada.cookie, 'review.addTag', { generationId: g, reviewerId: ada.reviewerId, classId });
  rows.removedTag = review.tags.find((t) => t.id !== rows.liveTag)!.id;
  await ok(ada.cookie, 'review.removeTag', { id: rows.removedTag, reviewerId: ada.reviewerId });
  rows.liveStep = (await ok<{ id: number }>(ada.cookie, 'review.saveStep', { generationId: g, reviewerId: ada.reviewerId, body: 'first' })).id;
  rows.deletedStep = (await ok<{ id: number }>(ada.cookie, 'review.saveStep', { generationId: g, reviewerId: ada.reviewerId, body: 'second' })).id;
  await ok(ada.cookie, 'review.deleteStep', { id: rows.deletedStep, reviewerId: ada.reviewerId });
  await ok(ada.cookie, 'corrections.save', { generationId: g, reviewerId: ada.reviewerId, text: 'four' });
  await ok(ada.cookie, 'comparisons.label', { taskId: rows.taskId, reviewerId: ada.reviewerId, choice: 'A', rationale: 'Ada prefers A' });
  // Bo has a label of his own on the same output, so his calls below find his own label.
  await ok(bo.cookie, 'review.save', { generationId: g, reviewerId: bo.reviewerId, comment: 'Bo says' });

  // A review session with Ada and Bo assigned (Cy is not); Ada holds a reservation in it.
  cy = await ts.invitee('Cy', 'sme');
  rows.sessionId = (
    await ok<{ id: number }>(engineer.cookie, 'sessions.create', {
      reviewerId: engineer.reviewerId,
      name: 'Tamper session',
      filter: { prompts: { query: 'Two plus two', tags: [] }, kind: 'both' },
      reviewerIds: [ada.reviewerId, bo.reviewerId],
      overlap: 2,
    })
  ).id;
  const next = await ok<{ item: { itemId: number } | null }>(ada.cookie, 'sessions.next', { reviewerId: ada.reviewerId, sessionId: rows.sessionId, kind: 'review' });
  rows.heldItem = next.item!.itemId;
});

afterAll(async () => {
  await ts?.server.close();
  await cleanupAll();
});

describe('request tampering: every write method', () => {
  it('lists the write methods it covers', () => {
    expect(writeMethods.length).toBeGreaterThan(40);
    expect(writeMethods).toEqual(expect.arrayContaining(['review.removeTag', 'review.moveStep', 'team.revoke', 'prompts.import']));
  });

  it('as a lower role: refused with forbidden_role, nothing written', async () => {
    const lower: [TeamRole, Invitee][] = [
      ['sme', bo],
      ['engineer', engineer],
    ];
    const before = ts.dump();
    let tried = 0;
    for (const method of methodNames) {
      for (const [role, who] of lower) {
        if (roleAllows(role, METHOD_ROLES[method])) continue;
        const reply = await ts.as(who.cookie, method, { reviewerId: who.reviewerId, id: 1 });
        expect(reply.status, `${method} as ${role}`).toBe(403);
        expect(reply.result, `${method} as ${role}`).toMatchObject({ ok: false, error: { code: 'forbidden_role' } });
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(40);
    expect(ts.dump()).toEqual(before);
  });

  it('naming another reviewer: refused with wrong_reviewer, nothing written', async () => {
    const before = ts.dump();
    for (const method of writeMethods) {
      const who = roleAllows('sme', METHOD_ROLES[method]) ? bo : roleAllows('engineer', METHOD_ROLES[method]) ? engineer : null;
      if (!who) continue; // owner-only: no reviewer to impersonate past the role check above.
      if (!KEYED_BY_ITEM.has(method) && !OWNED_ROWS[method] && !KEYED_BY_SESSION.has(method)) {
        // Not acting as a reviewer: it must be a workspace-level method that an SME cannot call.
        expect(roleAllows('sme', METHOD_ROLES[method]), `${method} is an SME write that names no reviewer: who owns its rows? List it in this suite.`).toBe(false);
        continue;
      }
      const reply = await ts.as(who.cookie, method, {
        generationId: rows.generationId,
        taskId: rows.taskId,
        id: rows.liveTag,
        sessionId: rows.sessionId,
        kind: 'review',
        itemId: rows.heldItem,
        choice: 'B',
        reviewerId: ada.reviewerId,
        body: 'forged',
      });
      expect(reply.status, method).toBe(403);
      expect(reply.result, method).toMatchObject({ ok: false, error: { code: 'wrong_reviewer' } });
    }
    expect(ts.dump()).toEqual(before);
  });

  it("naming oneself but another reviewer's tag or step: refused by ownership, nothing written", async () => {
    const before = ts.dump();
    for (const [method, inputs] of Object.entries(OWNED_ROWS) as [MethodName, (id: number) => unknown[]][]) {
      for (const input of inputs(bo.reviewerId)) {
        const reply = await ts.as(bo.cookie, method, input);
        expect(reply.result, `${method} ${JSON.stringify(input)}`).toMatchObject({ ok: false, error: { message: expect.stringMatching(/another reviewer's label|belongs to another label|not on this label/) } });
      }
    }
    expect(ts.dump()).toEqual(before);
  });

  it("naming oneself on another reviewer's reservation or labelled task in a session: nothing written", async () => {
    const withoutAudit = (d: Record<string, string>) => Object.fromEntries(Object.entries(d).filter(([table]) => table !== 'team_audit'));
    const before = ts.dump();
    for (const [method, input, refused] of OWNED_SESSION_ROWS) {
      const reply = await ts.as(bo.cookie, method, input(bo));
      if (refused) expect(reply.result, method).toMatchObject({ ok: false, error: { message: expect.stringMatching(refused) } });
      else expect(reply.result, method).toEqual({ ok: true, value: { released: false } });
    }
    // A release that released nothing is still an answered write, so it is in the audit log; nothing else changed.
    expect(withoutAudit(ts.dump())).toEqual(withoutAudit(before));
    // Ada still holds her item: asking again gives it back to her.
    const again = await ok<{ item: { itemId: number } }>(ada.cookie, 'sessions.next', { reviewerId: ada.reviewerId, sessionId: rows.sessionId, kind: 'review' });
    expect(again.item.itemId).toBe(rows.heldItem);
  });

  it('an SME not assigned to a session can take nothing from it, see it, or answer in it', async () => {
    const before = ts.dump();
    for (const kind of ['review', 'compare'] as const) {
      const reply = await ts.as(cy.cookie, 'sessions.next', { reviewerId: cy.reviewerId, sessionId: rows.sessionId, kind });
      expect(reply.result).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/not assigned/) } });
    }
    const swap = await ts.as(cy.cookie, 'sessions.saveSwap', { reviewerId: cy.reviewerId, sessionId: rows.sessionId, taskId: rows.taskId, choice: 'A' });
    expect(swap.result).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(ts.dump()).toEqual(before);
    // Sessions they are not assigned to do not exist for them; Ada sees hers.
    expect((await ts.as(cy.cookie, 'sessions.list', {})).result).toEqual({ ok: true, value: [] });
    expect((await ts.as(cy.cookie, 'sessions.get', { sessionId: rows.sessionId })).result).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const adaList = (await ts.as(ada.cookie, 'sessions.list', {})).result as { ok: true; value: { id: number }[] };
    expect(adaList.value.map((x) => x.id)).toEqual([rows.sessionId]);
    expect((await ts.as(ada.cookie, 'sessions.get', { sessionId: rows.sessionId })).result).toMatchObject({ ok: true, value: { id: rows.sessionId } });
    // An engineer sees every session.
    expect(((await ts.as(engineer.cookie, 'sessions.list', {})).result as { ok: true; value: unknown[] }).value).toHaveLength(1);
  });

  it('every write method that acts as a reviewer is classified here', () => {
    for (const method of writeMethods) {
      if (!roleAllows('sme', METHOD_ROLES[method])) continue;
      expect(KEYED_BY_ITEM.has(method) || OWNED_ROWS[method] !== undefined || KEYED_BY_SESSION.has(method), `${method}: add it to KEYED_BY_ITEM, OWNED_ROWS or KEYED_BY_SESSION`).toBe(true);
    }
  });

  it("adjudication: an SME cannot see other reviewers' labels through it; the adjudicator is the signed-in engineer", async () => {
    const before = ts.dump();
    for (const method of ['adjudication.queue', 'adjudication.item', 'adjudication.save'] as const) {
      const reply = await ts.as(bo.cookie, method, { kind: 'compare', itemId: rows.taskId, reviewerId: bo.reviewerId, label: { type: 'pair', choice: 'B' }, rationale: '' });
      expect(reply.result, method).toMatchObject({ ok: false, error: { code: 'forbidden_role' } });
    }
    const forged = await ts.as(engineer.cookie, 'adjudication.save', { kind: 'compare', itemId: rows.taskId, reviewerId: ada.reviewerId, label: { type: 'pair', choice: 'B' }, rationale: '' });
    expect(forged.result).toMatchObject({ ok: false, error: { code: 'wrong_reviewer' } });
    expect(ts.dump()).toEqual(before);
    const saved = await ok<{ adjudicatorId: number }>(engineer.cookie, 'adjudication.save', { kind: 'compare', itemId: rows.taskId, reviewerId: engineer.reviewerId, label: { type: 'pair', choice: 'B' }, rationale: 'as myself' });
    expect(saved.adjudicatorId).toBe(engineer.reviewerId);
  });
});
