import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { expect, expectSignedInAs, rpc, startServer, test, writeFile, type AssayServer } from './fixtures';

// Issue 10, identity and roles: `assay serve --team`. The owner (one browser context) invites an SME
// from the Team dialog; the SME (a second context) opens the link, reviews as themselves, is offered
// none of the engineer's or owner's controls, and cannot write as anyone else; the owner revokes, and
// the SME's next save is refused with the signed-out message and writes nothing.
test.use({ autoReviewer: false });

let team: AssayServer;

test.beforeEach(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-e2e-team-'));
  team = await startServer(dir, path.join(dir, 'team.assay'), ['--team']);
});

test.afterEach(() => {
  team.process.kill('SIGTERM');
  fs.rmSync(team.dir, { recursive: true, force: true });
});

/** Prompts, the tiny model's outputs, and the owner's own reviewer profile (remembered, signed in). */
async function setUp(page: Page): Promise<{ ownerReviewerId: number; generationIds: number[] }> {
  const rows = ['What is 7 + 5?', 'Name a prime above 10.', 'Spell "cat" backwards.'].map((prompt, i) => JSON.stringify({ id: `t-${i}`, prompt }));
  const file = writeFile(team.dir, 'team.jsonl', rows.join('\n') + '\n');
  await page.goto(team.loginUrl);
  // The owner's token signs in as the owner's own profile: no "Who is reviewing?" (issue 10, a new user).
  await expect(page.locator('html')).toHaveAttribute('data-reviewer', 'chosen');
  const profile = (await rpc<{ id: number; name: string }[]>(page, 'reviewers.list', {})).find((r) => r.name === 'Owner');
  expect(profile).toBeDefined();
  await expectSignedInAs(page, profile!.id);
  await page.screenshot({ path: test.info().outputPath('team-owner-first.png') });
  await expect(page.getByRole('dialog', { name: 'Who is reviewing?' })).toHaveCount(0);
  await rpc(page, 'prompts.import', { importId: 'e2e-team', source: { kind: 'path', path: file } });
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'team batch',
    spec: { prompts: { ids: ['t-0', 't-1', 't-2'] }, modelIds: [model.id], samplesPerPrompt: 1, sampling: { maxTokens: 12, seed: 3 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');
  const generationIds = (await rpc<{ items: { id: number }[] }>(page, 'generations.list', { jobId: job.id })).items.map((g) => g.id);
  const owner = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Olive Owner', role: 'nlp' });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, owner.id] as const);
  await page.reload();
  await expectSignedInAs(page, owner.id);
  return { ownerReviewerId: owner.id, generationIds };
}

/** What the workspace file holds of one reviewer's labels, read beside the server. */
function labelsOf(file: string, reviewerId: number): { reviews: number; history: number; audit: number } {
  const db = new Database(file, { readonly: true });
  try {
    const count = (sql: string, ...args: unknown[]) => (db.prepare(sql).pluck().get(...args) as number) ?? 0;
    return {
      reviews: count('SELECT COUNT(*) FROM reviews WHERE reviewer_id = ?', reviewerId),
      history: count('SELECT COUNT(*) FROM review_history h JOIN reviews r ON r.id = h.review_id WHERE r.reviewer_id = ?', reviewerId),
      audit: count('SELECT COUNT(*) FROM team_audit WHERE reviewer_id = ?', reviewerId),
    };
  } finally {
    db.close();
  }
}

/** Invites from the open Team dialog; returns the link it shows once. */
async function invite(page: Page, name: string, role: 'SME' | 'NLP engineer'): Promise<string> {
  const dialog = page.getByRole('dialog', { name: 'Team' });
  await dialog.getByLabel('Reviewer name').fill(name);
  await dialog.getByLabel('Role').selectOption({ label: role });
  await dialog.getByLabel('Expires in').selectOption({ label: '7 days' });
  await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
  const shown = dialog.getByRole('status', { name: `Invite link for ${name}` });
  await expect(shown).toContainText('will not be shown again');
  return shown.getByLabel('Invite link').inputValue();
}

test('the owner invites an SME, who reviews as themselves with only their controls; revoking signs them out and their next save writes nothing', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const shots = (name: string) => test.info().outputPath(name);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const { ownerReviewerId } = await setUp(page);

  // ── The owner: top bar and the Team dialog ───────────────────────────────────────────
  await expect(page.getByRole('button', { name: /Olive Owner/ })).toContainText('Owner');
  await page.keyboard.press('Control+Shift+U');
  const dialog = page.getByRole('dialog', { name: 'Team' });
  await expect(dialog.getByText('No invites yet.')).toBeVisible();
  const link = await invite(page, 'Sam Expert', 'SME');
  expect(link).toMatch(new RegExp(`^${team.origin}/\\?invite=[A-Za-z0-9_-]{43}$`));
  await dialog.screenshot({ path: shots('team-invite-link.png') });
  const kimLink = await invite(page, 'Kim Checker', 'SME');
  const eveLink = await invite(page, 'Eve Engineer', 'NLP engineer');
  const invites = dialog.getByRole('table', { name: 'Invites' });
  await expect(invites.getByRole('row', { name: /Sam Expert/ })).toContainText('active');
  await dialog.getByRole('button', { name: 'Close dialog' }).click();
  await expect(dialog).toBeHidden();

  // ── The SME: a second browser context opens the link ──────────────────────────────────
  const smeContext = await browser.newContext();
  // Sam's window gets no events, so the revoke below reaches it only through its next save.
  await smeContext.route('**/events', () => undefined);
  const sme = await smeContext.newPage();
  sme.on('pageerror', (e) => errors.push(`sme: ${e.message}`));
  await sme.goto(link);
  await expect(sme).toHaveURL(`${team.origin}/`);
  const signedIn = sme.getByTestId('signed-in-as');
  await expect(signedIn).toContainText('Sam Expert');
  await expect(signedIn).toContainText('SME');
  const tabs = sme.getByRole('tablist', { name: 'Sections' }).getByRole('tab');
  await expect(tabs).toHaveText(['Prompts', 'Review', 'Compare', 'Leaderboard', 'Taxonomy']);
  await expect(sme.getByRole('button', { name: 'Team', exact: true })).toHaveCount(0);
  await expect(sme.getByRole('button', { name: 'Workspace settings' })).toHaveCount(0);
  await expect(sme.getByRole('button', { name: 'Import…' })).toHaveCount(0);
  await expect(sme.getByRole('button', { name: 'New', exact: true })).toHaveCount(0);
  await sme.keyboard.press('Control+Shift+U');
  await expect(sme.getByRole('dialog', { name: 'Team' })).toHaveCount(0);
  await sme.screenshot({ path: shots('sme-prompts.png') });

  // Review an item as Sam (ratings, verdict, submit).
  const samId = (await rpc<{ reviewerId: number }>(sme, 'session.get', {})).reviewerId;
  await sme.keyboard.press('Control+2');
  const item = sme.getByTestId('review-item');
  await expect(item).toBeVisible();
  await expect(sme.getByTestId('queue-counts')).toContainText('0 of 3 submitted');
  for (const key of ['4', '4', '5', '3']) await sme.keyboard.press(key);
  await sme.keyboard.press('Enter');
  await expect(sme.getByTestId('queue-counts')).toContainText('1 of 3 submitted');
  await sme.screenshot({ path: shots('sme-review.png') });

  // Guidelines read-only; the taxonomy has no New class.
  await sme.getByRole('button', { name: 'Guidelines', exact: true }).click();
  await expect(sme.getByText('An NLP engineer or the owner writes them.')).toBeVisible();
  await sme.getByRole('button', { name: 'Close guidelines' }).click();
  await sme.getByRole('tab', { name: 'Taxonomy' }).click();
  await expect(sme.getByRole('button', { name: 'New class' })).toHaveCount(0);
  await sme.getByRole('tab', { name: 'Review' }).click();
  await expect(item).toBeVisible();

  // Tampering from Sam's page: writing as the owner's reviewer, and an engineer's method.
  const tamper = await sme.evaluate(async ([owner, generationId]) => {
    const post = async (method: string, body: unknown) => {
      const r = await fetch(`/rpc/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as { ok: boolean; error?: { code: string; message: string } } };
    };
    return {
      asOwner: await post('review.save', { generationId, reviewerId: owner, verdict: 'bad', comment: 'forged', submit: true }),
      makeSession: await post('sessions.create', { reviewerId: owner, name: 'forged', filter: {} }),
      invite: await post('team.invite', { reviewer: { name: 'Mallory' }, role: 'owner', expiresInHours: 24 }),
    };
  }, [ownerReviewerId, Number(await item.getAttribute('data-generation-id'))] as const);
  expect(tamper.asOwner).toMatchObject({ status: 403, body: { ok: false, error: { code: 'wrong_reviewer' } } });
  expect(tamper.makeSession).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden_role' } } });
  expect(tamper.invite).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden_role' } } });
  expect(labelsOf(team.workspace, ownerReviewerId).reviews).toBe(0);

  // Kim, a third context with events: the revoke reaches her open window by its event stream.
  const kimContext = await browser.newContext();
  const kim = await kimContext.newPage();
  await kim.goto(kimLink);
  await expect(kim.getByTestId('signed-in-as')).toContainText('Kim Checker');

  // An NLP engineer: the engineer's tabs and a Team dialog that invites and revokes SMEs only.
  const eveContext = await browser.newContext();
  const eve = await eveContext.newPage();
  eve.on('pageerror', (e) => errors.push(`eve: ${e.message}`));
  await eve.goto(eveLink);
  await expect(eve.getByTestId('signed-in-as')).toContainText('NLP engineer');
  await expect(eve.getByRole('tablist', { name: 'Sections' }).getByRole('tab')).toHaveText([
    'Prompts', 'Review', 'Compare', 'Leaderboard', 'Taxonomy', 'Playground', 'Batch', 'Models', 'Export', 'Quality', 'Sessions', 'Adjudication',
  ]);
  await expect(eve.getByRole('button', { name: 'Workspace settings' })).toHaveCount(0);
  await eve.getByRole('button', { name: 'Team', exact: true }).click();
  const eveDialog = eve.getByRole('dialog', { name: 'Team' });
  await expect(eveDialog.getByLabel('Role').getByRole('option')).toHaveText(['SME']);
  const eveInvites = eveDialog.getByRole('table', { name: 'Invites' });
  await expect(eveInvites.getByRole('row', { name: /Sam Expert/ }).getByRole('button', { name: /Revoke/ })).toBeVisible();
  await expect(eveInvites.getByRole('row', { name: /Eve Engineer/ }).getByRole('button')).toHaveCount(0);
  await eveDialog.screenshot({ path: shots('team-engineer.png') });
  await eveContext.close();

  // ── The owner revokes Sam and Kim, with a confirm ─────────────────────────────────────
  await page.getByRole('button', { name: 'Team', exact: true }).click();
  for (const name of ['Sam Expert', 'Kim Checker']) {
    await dialog.getByRole('button', { name: `Revoke ${name}'s invite` }).click();
    const confirm = dialog.getByRole('group', { name: `Revoke ${name}'s invite?` });
    await expect(confirm).toContainText('signed out as soon as you confirm');
    if (name === 'Sam Expert') await dialog.screenshot({ path: shots('team-revoke-confirm.png') });
    await confirm.getByRole('button', { name: 'Revoke now' }).click();
    // The pill says so as soon as the revoke is done (issue 10: it said active beside "signed out").
    await expect(invites.getByRole('row', { name: new RegExp(name) }).locator('.team-status')).toContainText('revoked');
    await expect(invites.getByRole('row', { name: new RegExp(name) }).locator('.team-status.active')).toHaveCount(0);
  }
  const audit = dialog.getByRole('table', { name: 'Audit log' });
  await expect(audit.getByRole('row').nth(1)).toContainText('team.revoke');
  // The invite rows name the invite and whom it is for; calls of the token before any profile read "owner's token".
  await expect(audit.getByRole('row').nth(1)).toContainText(/invite #\d+ for (Sam Expert|Kim Checker) \(#\d+\) as SME/);
  await expect(dialog.getByText("owner's script")).toHaveCount(0);
  await expect(audit.getByRole('row', { name: /Sam Expert.*review\.save/ }).first()).toBeVisible();
  await dialog.screenshot({ path: shots('team-after-revoke.png') });

  // Kim's window says so at once (her event stream was closed).
  const kimOut = kim.getByRole('alertdialog', { name: 'You are signed out' });
  await expect(kimOut).toContainText('Your invite was revoked by the owner');
  // Kim was not saving anything: her window does not claim a change was lost (issue 10).
  await expect(kimOut.getByTestId('signed-out-saved')).toHaveText('No change was under way here: everything this window saved stays in the workspace.');
  await kim.screenshot({ path: shots('kim-signed-out.png') });

  // Sam's next save (rating the next item) is refused with the signed-out message; nothing is written.
  const before = labelsOf(team.workspace, samId!);
  expect(before.reviews).toBe(1);
  await sme.keyboard.press('2');
  const samOut = sme.getByRole('alertdialog', { name: 'You are signed out' });
  await expect(samOut).toContainText('Your invite was revoked by the owner, so this browser is signed out. Ask the owner for a new invite link.');
  // Sam's save was refused: that one change was not saved.
  await expect(samOut.getByTestId('signed-out-saved')).toContainText('was not saved');
  await sme.screenshot({ path: shots('sme-signed-out.png') });
  const direct = await sme.evaluate(async () => {
    const r = await fetch('/rpc/review.save', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    return { status: r.status, text: await r.text() };
  });
  expect(direct.status).toBe(401);
  expect(direct.text).toMatch(/revoked by the owner/);
  expect(labelsOf(team.workspace, samId!)).toEqual(before);

  // The revoked link, and a forged one, open a page that says what happened and what to do.
  await sme.goto(link);
  await expect(sme.getByRole('heading', { name: 'This invite was revoked' })).toBeVisible();
  await expect(sme.getByText(/Ask the owner of this Assay server for a new invite link/)).toBeVisible();
  await sme.screenshot({ path: shots('invite-revoked-page.png') });
  await sme.goto(`${team.origin}/?invite=not-a-real-secret`);
  await expect(sme.getByRole('heading', { name: 'This invite link does not work' })).toBeVisible();
  await sme.screenshot({ path: shots('invite-forged-page.png') });

  await smeContext.close();
  await kimContext.close();
  expect(errors).toEqual([]);
});
