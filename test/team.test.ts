import crypto from 'node:crypto';
import http from 'node:http';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEntry, Invite, Reviewer, SessionInfo } from '../contract';
import { REFUSED_WRITE_HEADER } from '../contract';
import { cleanupAll } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';
import { startTeamServer, TEAM_TOKEN, type TeamServer } from './support/team-server';

let ts: TeamServer;
let generationId: number;

beforeAll(async () => {
  ts = await startTeamServer('team');
  const promptSeq = addPrompt(ts.t.workspace, 'team-p', 'Two plus two?');
  generationId = addGeneration(ts.t.workspace, { promptSeq, modelId: addModel(ts.t.workspace, 'team-model'), output: 'four' });
});

afterAll(async () => {
  await ts?.server.close();
  await cleanupAll();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('team mode: invites', () => {
  it('an invite names a reviewer and a role; only the sha256 of its secret is stored', async () => {
    const { invite, secret } = await ts.owner<{ invite: Invite; secret: string }>('team.invite', { reviewer: { name: 'Ada' }, role: 'sme', expiresInHours: 48 });
    expect(invite).toMatchObject({ reviewerName: 'Ada', role: 'sme', status: 'active', revokedAt: null });
    expect(invite.expiresAt - invite.createdAt).toBe(48 * 3_600_000);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    const db = new Database(ts.t.file, { readonly: true });
    try {
      const row = db.prepare('SELECT * FROM team_invites WHERE id = ?').get(invite.id) as Record<string, unknown>;
      expect(row.secret_hash).toBe(crypto.createHash('sha256').update(secret).digest('hex'));
      expect(Object.values(row)).not.toContain(secret);
    } finally {
      db.close();
    }
    // The list says who and what, never the secret.
    const list = await ts.owner<Invite[]>('team.invites', {});
    expect(list.find((i) => i.id === invite.id)).toEqual(invite);
    expect(JSON.stringify(list)).not.toContain(secret);
  });

  it('an invite says when it was last used (kept by the server since it started)', async () => {
    const { invite, secret } = await ts.owner<{ invite: Invite; secret: string }>('team.invite', { reviewer: { name: 'Uma' }, role: 'sme', expiresInHours: 2 });
    expect(invite.lastUsedAt).toBeNull();
    const before = Date.now();
    const cookie = await ts.openInvite(secret);
    const opened = (await ts.owner<Invite[]>('team.invites', {})).find((i) => i.id === invite.id)!;
    expect(opened.lastUsedAt).toBeGreaterThanOrEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ts.as(cookie, 'session.get', {});
    const used = (await ts.owner<Invite[]>('team.invites', {})).find((i) => i.id === invite.id)!;
    expect(used.lastUsedAt).toBeGreaterThan(opened.lastUsedAt!);
    // Never from a request made with another invite or the owner's token.
    expect((await ts.owner<Invite>('team.revoke', { id: invite.id })).lastUsedAt).toBe(used.lastUsedAt);
  });

  it('a write refused because the session ended names its method in X-Assay-Refused-Write; a refused read does not (issue 10)', async () => {
    const { inviteId, cookie } = await ts.invitee('Wren', 'sme');
    await ts.owner('team.revoke', { id: inviteId });
    const rpc = (method: string) => ts.request(`/rpc/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' });
    const write = await rpc('review.save');
    expect(write.status).toBe(401);
    expect(write.body).toMatch(/revoked by the owner/);
    expect(write.headers[REFUSED_WRITE_HEADER.toLowerCase()]).toBe('review.save');
    for (const read of ['session.get', 'reviewers.list', 'no.such.method']) {
      const reply = await rpc(read);
      expect(reply.status).toBe(401);
      expect(reply.headers[REFUSED_WRITE_HEADER.toLowerCase()]).toBeUndefined();
    }
  });

  it('a browser asking for a page gets the refusal as a page with a heading; a script gets the same words as text', async () => {
    const forged = await ts.request('/?invite=forged', { headers: { Accept: 'text/html,application/xhtml+xml' } });
    expect(forged.status).toBe(401);
    expect(forged.headers['content-type']).toMatch(/^text\/html/);
    expect(forged.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(forged.body).toMatch(/<h1>This invite link does not work<\/h1>/);
    expect(forged.body).toMatch(/Ask the owner of this Assay server for a new invite link\./);
    const script = await ts.request('/?invite=forged');
    expect(script.headers['content-type']).toMatch(/^text\/plain/);
    expect(script.body).toMatch(/^This invite link is not valid/);
  });

  it('the link is traded for an HttpOnly cookie bound to the invited reviewer, and leaves the address bar', async () => {
    const { invite, secret } = await ts.owner<{ invite: Invite; secret: string }>('team.invite', { reviewer: { name: 'Bo' }, role: 'engineer', expiresInHours: 1 });
    const reply = await ts.request(`/?invite=${secret}`);
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/');
    const cookie = reply.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).not.toContain(secret);
    const session = (await ts.as(cookie.split(';')[0]!, 'session.get', {})).result as { ok: true; value: SessionInfo };
    expect(session.value).toMatchObject({ reviewerId: invite.reviewerId, mode: 'team', role: 'engineer', bound: true });
    expect(session.value.forbidden).toEqual(expect.arrayContaining(['reviewers.create', 'settings.update']));
    expect(session.value.forbidden).not.toContain('taxonomy.create');
    expect(session.value.forbidden).not.toContain('team.invite');
  });

  it('a session from an invite acts only as its reviewer; the owner chooses anyone', async () => {
    const ada = await ts.invitee('Cy', 'sme');
    const other = await ts.owner<{ id: number }>('reviewers.create', { name: 'Dee', role: 'sme' });
    const refused = await ts.as(ada.cookie, 'session.signIn', { reviewerId: other.id });
    expect(refused.status).toBe(403);
    expect(refused.result).toMatchObject({ ok: false, error: { code: 'wrong_reviewer', message: expect.stringContaining("signed in with Cy's invite") } });
    expect((await ts.as(ada.cookie, 'session.get', {})).result).toMatchObject({ ok: true, value: { reviewerId: ada.reviewerId } });
    expect((await ts.as(ada.cookie, 'session.signIn', { reviewerId: ada.reviewerId })).result).toMatchObject({ ok: true });

    const owner = await ts.ownerBrowser();
    const ownerProfile = ts.t.workspace.reader.prepare("SELECT id FROM reviewers WHERE name = 'Owner'").pluck().get() as number;
    expect((await ts.as(owner, 'session.get', {})).result).toMatchObject({ ok: true, value: { reviewerId: ownerProfile, mode: 'team', role: 'owner', bound: false, forbidden: [] } });
    expect((await ts.as(owner, 'session.signIn', { reviewerId: other.id })).result).toMatchObject({ ok: true });
    expect((await ts.as(owner, 'session.signIn', { reviewerId: ada.reviewerId })).result).toMatchObject({ ok: true });
  });

  it("the owner's browser is signed in as the owner's profile from the start, made once and audited as theirs (issue 10: the owner was asked who is reviewing)", async () => {
    const first = await ts.ownerBrowser();
    const info = (await ts.as(first, 'session.get', {})).result as { ok: true; value: SessionInfo };
    const profiles = (await ts.owner<Reviewer[]>('reviewers.list', {})).filter((r) => r.name === 'Owner');
    expect(profiles).toEqual([expect.objectContaining({ id: info.value.reviewerId, kind: 'person', role: 'nlp' })]);
    // Another sign-in with the token: the same profile, no second one.
    const again = await ts.ownerBrowser();
    expect(((await ts.as(again, 'session.get', {})).result as { ok: true; value: SessionInfo }).value.reviewerId).toBe(info.value.reviewerId);
    expect(ts.t.workspace.reader.prepare("SELECT count(*) FROM reviewers WHERE name = 'Owner'").pluck().get()).toBe(1);
    const { entries } = await ts.owner<{ entries: AuditEntry[] }>('team.audit', { limit: 500 });
    expect(entries.filter((e) => e.method === 'reviewers.create' && e.ids.result === info.value.reviewerId)).toEqual([
      expect.objectContaining({ reviewerId: info.value.reviewerId, reviewerName: 'Owner', role: 'owner' }),
    ]);
    // The owner may still work as another profile.
    const other = await ts.owner<{ id: number }>('reviewers.create', { name: 'Olive', role: 'nlp' });
    expect((await ts.as(again, 'session.signIn', { reviewerId: other.id })).result).toMatchObject({ ok: true });
  });

  it('an invite of an existing reviewer, by id; an import source cannot be invited', async () => {
    const existing = await ts.owner<{ id: number }>('reviewers.create', { name: 'Eve', role: 'sme' });
    const { invite } = await ts.owner<{ invite: Invite }>('team.invite', { reviewer: { id: existing.id }, role: 'sme', expiresInHours: 1 });
    expect(invite.reviewerId).toBe(existing.id);
    const byName = await ts.owner<{ invite: Invite }>('team.invite', { reviewer: { name: 'eve' }, role: 'engineer', expiresInHours: 1 });
    expect(byName.invite.reviewerId).toBe(existing.id);
    const before = ts.dump();
    const missing = await ts.request('/rpc/team.invite', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEAM_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reviewer: { id: 9999 }, role: 'sme', expiresInHours: 1 }),
    });
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(ts.dump()).toEqual(before);
  });
});

describe('team mode: refusals write nothing', () => {
  it('a forged or unknown cookie is refused with what to do', async () => {
    const before = ts.dump();
    for (const cookie of [`assay_session_${ts.server.port}=${'0'.repeat(64)}`, `assay_session_${ts.server.port}=${TEAM_TOKEN}`]) {
      const reply = await ts.as(cookie, 'review.save', { generationId, reviewerId: 1, comment: 'forged', submit: true });
      expect(reply.status).toBe(401);
      expect((reply.result as { error: { message: string } }).error.message).toMatch(/not one this server issued.*Open your invite link again/);
    }
    const page = await ts.request('/', { headers: { Cookie: `assay_session_${ts.server.port}=forged` } });
    expect(page.status).toBe(401);
    expect((await ts.request('/?invite=not-a-real-secret')).body).toMatch(/^This invite link is not valid .* Ask the owner/);
    expect(ts.dump()).toEqual(before);
  });

  it('a role without the right is refused (403 forbidden_role) naming the role needed and who to ask', async () => {
    const sme = await ts.invitee('Fay', 'sme');
    const before = ts.dump();
    const reply = await ts.as(sme.cookie, 'taxonomy.create', { name: 'Hallucination' });
    expect(reply.status).toBe(403);
    expect(reply.result).toMatchObject({
      ok: false,
      error: { code: 'forbidden_role', message: 'taxonomy.create needs the NLP engineer role; you are signed in as SME, so nothing was done. Ask the owner (who started this server) for an invite as NLP engineer.' },
    });
    const engineer = await ts.invitee('Gus', 'engineer');
    const afterInvites = ts.dump();
    const settings = await ts.as(engineer.cookie, 'settings.update', { blindReviewers: false });
    expect(settings.result).toMatchObject({ ok: false, error: { code: 'forbidden_role', message: expect.stringContaining('Only the owner') } });
    expect((await ts.as(engineer.cookie, 'team.invite', { reviewer: { name: 'Mallory' }, role: 'owner', expiresInHours: 1 })).status).toBe(403);
    expect(ts.dump()).toEqual(afterInvites);
    // Uploads (imports) and export downloads are the engineer's.
    const upload = await ts.request('/upload', { method: 'POST', headers: { Cookie: sme.cookie }, body: 'x' });
    expect(upload.status).toBe(403);
    expect(upload.body).toMatch(/NLP engineer/);
    expect((await ts.request('/exports/x/y.jsonl', { headers: { Cookie: sme.cookie } })).status).toBe(403);
    expect((await ts.request('/exports/x/y.jsonl', { headers: { Cookie: engineer.cookie } })).status).toBe(404);
    void before;
  });

  it('an NLP engineer invites and revokes SMEs only; the owner anyone', async () => {
    const engineer = await ts.invitee('Nia', 'engineer');
    const peer = await ts.invitee('Pat', 'engineer');
    const before = ts.dump();
    for (const role of ['engineer', 'owner'] as const) {
      const reply = await ts.as(engineer.cookie, 'team.invite', { reviewer: { name: 'Quin' }, role, expiresInHours: 1 });
      expect(reply.status, role).toBe(403);
      expect(reply.result, role).toMatchObject({ ok: false, error: { code: 'forbidden_role', message: expect.stringMatching(/invite SMEs only.*owner's to make/) } });
    }
    const revokePeer = await ts.as(engineer.cookie, 'team.revoke', { id: peer.inviteId });
    expect(revokePeer.status).toBe(403);
    expect(revokePeer.result).toMatchObject({ ok: false, error: { code: 'forbidden_role', message: expect.stringMatching(/revoke SMEs only/) } });
    expect(ts.dump()).toEqual(before);
    expect((await ts.as(peer.cookie, 'session.get', {})).status).toBe(200);
    // An SME, then revoking them: both allowed, both in the audit log under the engineer.
    const made = await ts.as(engineer.cookie, 'team.invite', { reviewer: { name: 'Quin' }, role: 'sme', expiresInHours: 1 });
    expect(made.result).toMatchObject({ ok: true, value: { invite: { role: 'sme', reviewerName: 'Quin' } } });
    const smeInvite = (made.result as { ok: true; value: { invite: Invite; secret: string } }).value;
    const quin = await ts.openInvite(smeInvite.secret);
    expect((await ts.as(engineer.cookie, 'team.revoke', { id: smeInvite.invite.id })).result).toMatchObject({ ok: true, value: { status: 'revoked' } });
    expect((await ts.as(quin, 'session.get', {})).status).toBe(401);
    expect((await ts.as(engineer.cookie, 'team.invites', {})).result).toMatchObject({ ok: true });
    const audit = (await ts.as(engineer.cookie, 'team.audit', { limit: 2 })).result as { ok: true; value: { entries: AuditEntry[] } };
    expect(audit.value.entries.map((e) => [e.method, e.reviewerName, e.role])).toEqual([
      ['team.revoke', 'Nia', 'engineer'],
      ['team.invite', 'Nia', 'engineer'],
    ]);
    // The owner revokes an engineer.
    await ts.owner('team.revoke', { id: peer.inviteId });
    expect((await ts.as(peer.cookie, 'session.get', {})).status).toBe(401);
  });

  it('revoking ends the invite and its live sessions at once', async () => {
    const sme = await ts.invitee('Hal', 'sme');
    const second = await ts.openInvite(sme.secret);
    expect((await ts.as(sme.cookie, 'review.save', { generationId, reviewerId: sme.reviewerId, comment: 'before', submit: false })).result).toMatchObject({ ok: true });
    const revoked = await ts.owner<Invite>('team.revoke', { id: sme.inviteId });
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: expect.any(Number) });
    const before = ts.dump();
    for (const cookie of [sme.cookie, second]) {
      const reply = await ts.as(cookie, 'review.save', { generationId, reviewerId: sme.reviewerId, comment: 'after', submit: true });
      expect(reply.status).toBe(401);
      expect((reply.result as { error: { message: string } }).error.message).toBe('Your invite was revoked by the owner, so this browser is signed out. Ask the owner for a new invite link.');
    }
    const link = await ts.request(`/?invite=${sme.secret}`);
    expect(link.status).toBe(401);
    expect(link.body).toMatch(/^This invite for Hal was revoked on .*Ask the owner of this Assay server for a new invite link\.$/);
    expect(link.headers['set-cookie']).toBeUndefined();
    expect(ts.dump()).toEqual(before);
  });

  it("revoking closes that reviewer's open event streams, and only theirs", async () => {
    const sme = await ts.invitee('Kai', 'sme');
    const other = await ts.invitee('Lu', 'sme');
    /** An open GET /events: what it received, and whether the server ended it. */
    const open = (cookie: string) =>
      new Promise<{ text: () => string; ended: Promise<void>; close: () => void }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: ts.server.port, path: '/events', headers: { Host: `127.0.0.1:${ts.server.port}`, Cookie: cookie } }, (res) => {
          let text = '';
          const ended = new Promise<void>((done) => res.on('end', () => done()));
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const first = text === '';
            text += chunk;
            if (first) resolve({ text: () => text, ended, close: () => req.destroy() });
          });
        });
        req.on('error', reject);
      });
    const [mine, theirs] = [await open(sme.cookie), await open(other.cookie)];
    let theirsEnded = false;
    void theirs.ended.then(() => (theirsEnded = true));
    await ts.owner('team.revoke', { id: sme.inviteId });
    await mine.ended; // (the test times out if the stream stays open)
    // The other reviewer's stream still receives events.
    await ts.as(other.cookie, 'review.save', { generationId, reviewerId: other.reviewerId, comment: 'still here', submit: false });
    await vi.waitFor(() => expect(theirs.text()).toMatch(/event: onDidChangeReview\n/));
    expect(theirsEnded).toBe(false);
    expect(mine.text()).not.toMatch(/onDidChangeReview/);
    // Reconnecting with the revoked session is refused with what happened.
    const again = await ts.request('/events', { headers: { Cookie: sme.cookie } });
    expect(again.status).toBe(401);
    expect(again.body).toMatch(/revoked by the owner/);
    theirs.close();
  });

  it('an expired invite ends its sessions and its link says so', async () => {
    const sme = await ts.invitee('Ivy', 'sme', 1);
    expect((await ts.as(sme.cookie, 'session.get', {})).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 3_600_000 });
    const before = ts.dump();
    const reply = await ts.as(sme.cookie, 'review.save', { generationId, reviewerId: sme.reviewerId, comment: 'late', submit: true });
    expect(reply.status).toBe(401);
    expect((reply.result as { error: { message: string } }).error.message).toMatch(/^Your invite expired/);
    const link = await ts.request(`/?invite=${sme.secret}`);
    expect(link.status).toBe(401);
    expect(link.body).toMatch(/^This invite for Ivy expired on /);
    const list = await ts.owner<Invite[]>('team.invites', {});
    expect(list.find((i) => i.id === sme.inviteId)?.status).toBe('expired');
    expect(ts.dump()).toEqual(before);
  });
});

describe('team mode: the audit log', () => {
  it('records who (reviewer, role), what (method, ids) and when for every write, for the owner to read', async () => {
    const sme = await ts.invitee('Jo', 'sme');
    const t0 = Date.now();
    const saved = await ts.as(sme.cookie, 'review.save', { generationId, reviewerId: sme.reviewerId, comment: 'audited', submit: true });
    expect(saved.result).toMatchObject({ ok: true });
    const reviewId = (saved.result as { value: { id: number } }).value.id;
    // Reads are not audited.
    await ts.as(sme.cookie, 'review.item', { generationId, reviewerId: sme.reviewerId });
    const { entries } = await ts.owner<{ entries: AuditEntry[] }>('team.audit', { limit: 5 });
    expect(entries[0]).toMatchObject({
      reviewerId: sme.reviewerId,
      reviewerName: 'Jo',
      role: 'sme',
      method: 'review.save',
      ids: { generationId, reviewerId: sme.reviewerId, result: reviewId },
    });
    expect(entries[0]!.at).toBeGreaterThanOrEqual(t0);
    // The owner's own writes are there too (the invite made above), naming the invite and whom it is for (issue 10: they had no ids).
    const invited = entries.find((e) => e.method === 'team.invite' && e.role === 'owner');
    expect(invited?.ids).toEqual({ result: sme.inviteId, reviewerId: sme.reviewerId, role: 'sme' });
    expect(JSON.stringify(entries)).not.toContain(sme.secret);
    // The owner and engineers read it; an SME does not.
    expect((await ts.as(sme.cookie, 'team.audit', {})).result).toMatchObject({ ok: false, error: { code: 'forbidden_role' } });
    // Paging: older entries before an id.
    const older = await ts.owner<{ entries: AuditEntry[] }>('team.audit', { beforeId: entries[0]!.id, limit: 1 });
    expect(older.entries[0]!.id).toBeLessThan(entries[0]!.id);
    await ts.owner('team.revoke', { id: sme.inviteId });
    const [revoked] = (await ts.owner<{ entries: AuditEntry[] }>('team.audit', { limit: 1 })).entries;
    expect(revoked).toMatchObject({ method: 'team.revoke', ids: { id: sme.inviteId, result: sme.inviteId, reviewerId: sme.reviewerId, role: 'sme' } });
  });
});

describe('outside team mode nothing changes', () => {
  it('team methods and invite links are refused, everything else is allowed', async () => {
    const plain = await startTeamServer('plain', { team: false });
    try {
      await expect(plain.owner('team.invites', {})).rejects.toThrow(/only in team mode/);
      expect((await plain.request('/?invite=abc')).status).toBe(404);
      const tax = await plain.owner<{ id: number }>('taxonomy.create', { name: 'Off-topic' });
      expect(tax.id).toBeGreaterThan(0);
      expect(plain.dump().team_audit).toMatch(/^0 rows/);
    } finally {
      await plain.server.close();
    }
  });
});

describe('behind an HTTPS reverse proxy (--public-url)', () => {
  it('accepts the public Host and Origin and marks the cookie Secure', async () => {
    const proxied = await startTeamServer('proxied', { publicUrl: 'https://assay.example.com' });
    try {
      expect(proxied.server.loginUrl).toBe(`https://assay.example.com/?token=${TEAM_TOKEN}`);
      const login = await proxied.request(`/?token=${TEAM_TOKEN}`, { headers: { Host: 'assay.example.com' } });
      expect(login.status).toBe(302);
      expect(login.headers['set-cookie']![0]).toMatch(/; Secure$/);
      const cookie = login.headers['set-cookie']![0]!.split(';')[0]!;
      const info = await proxied.request('/rpc/session.get', {
        method: 'POST',
        headers: { Host: 'assay.example.com', Origin: 'https://assay.example.com', Cookie: cookie, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(JSON.parse(info.body)).toMatchObject({ ok: true, value: { mode: 'team', role: 'owner' } });
      // Another origin, or the public name over plain http, is not us.
      for (const origin of ['https://evil.example.com', 'http://assay.example.com']) {
        const reply = await proxied.request('/rpc/session.get', { method: 'POST', headers: { Host: 'assay.example.com', Origin: origin, Cookie: cookie, 'Content-Type': 'application/json' }, body: '{}' });
        expect(reply.status).toBe(403);
      }
    } finally {
      await proxied.server.close();
    }
  });
});
