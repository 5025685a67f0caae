import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { expect, expectSignedInAs, pressKey, rpc, startServer, test, writeFile, type AssayServer } from './fixtures';

// Issue 10, the integrated test: one team server (`assay serve --team`). The owner, working as an NLP
// engineer, invites two SMEs from the Team dialog; each signs in through their own link in their own
// browser context. The engineer makes a review session in the Sessions view (overlap 2, a short
// reservation set in the Edit dialog, a gold item first), and is assigned to it too. Sam takes an
// item and leaves it; while he holds it (and the engineer has labelled it) Kim is not handed it; his
// reservation runs out and Kim is handed it. Both label the gold item, differently: gold accuracy
// shows per reviewer, and that disagreement is adjudicated in the Adjudication view. The export with
// labels = adjudicated holds the adjudicated label, and its card says which rule made it.
test.use({ autoReviewer: false });

let team: AssayServer;

test.beforeEach(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-e2e-team-session-'));
  team = await startServer(dir, path.join(dir, 'team.assay'), ['--team']);
});

test.afterEach(() => {
  team.process.kill('SIGTERM');
  fs.rmSync(team.dir, { recursive: true, force: true });
});

const PROMPTS = ['What is 7 + 5?', 'Name a prime above 10.', 'Spell "cat" backwards.'];
const COMPLETIONS = ['7 + 5 is 12.', '13 is a prime above 10.', 'tac'];
/** The reservation the engineer sets in the Edit dialog: 0.5 min = 30 s. */
const HOLD_MINUTES = 0.5;

/** Invites from the open Team dialog; returns the link it shows once. */
async function invite(page: Page, name: string): Promise<string> {
  const dialog = page.getByRole('dialog', { name: 'Team' });
  await dialog.getByLabel('Reviewer name').fill(name);
  await dialog.getByLabel('Role').selectOption({ label: 'SME' });
  await dialog.getByLabel('Expires in').selectOption({ label: '7 days' });
  await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
  const shown = dialog.getByRole('status', { name: `Invite link for ${name}` });
  await expect(shown).toContainText('will not be shown again');
  return shown.getByLabel('Invite link').inputValue();
}

/** A browser context signed in through an invite link, on the Review view working in the session. */
async function smeOpens(browser: Browser, link: string, name: string, session: string, errors: string[]): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  await page.goto(link);
  await expect(page).toHaveURL(`${team.origin}/`);
  await expect(page.getByTestId('signed-in-as')).toContainText(name);
  await pressKey(page, 'Control+2');
  await page.getByLabel('Work in').selectOption({ label: `Session: ${session}` });
  await expect(page.getByTestId('session-header')).toContainText(session);
  return page;
}

const item = (page: Page) => page.getByTestId('review-item');
const shownId = async (page: Page) => Number(await item(page).getAttribute('data-generation-id'));

/** Rates the three default criteria 4, 4, 5 and gives a verdict (3 = good, 1 = bad), then submits with Enter; waits for the count to move. */
async function labelAndSubmit(page: Page, generationId: number, verdictKey: '1' | '3', doneAfter: number) {
  const open = page.locator(`[data-testid="review-item"][data-generation-id="${generationId}"]`);
  for (const key of ['4', '4', '5', verdictKey]) await pressKey(page, key, open);
  await pressKey(page, 'Enter', open);
  await expect(page.getByTestId('session-counts')).toContainText(`${doneAfter} of `);
}

test('team session: two invited SMEs, overlap 2, a reservation running out, gold per reviewer, a disagreement adjudicated, export of the adjudicated labels', async ({ page, browser }) => {
  test.setTimeout(300_000);
  const shots = (name: string) => test.info().outputPath(name);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`owner: ${e.message}`));

  // ── The owner (an NLP engineer's profile): three outputs to review ─────────────────────
  await page.goto(team.loginUrl);
  const file = writeFile(team.dir, 'outputs.jsonl', PROMPTS.map((prompt, i) => JSON.stringify({ prompt, completion: COMPLETIONS[i], model: 'model-one' })).join('\n') + '\n');
  await rpc(page, 'datasets.import', { importId: 'e2e-team-session', source: { kind: 'path', path: file }, format: 'completions' });
  const olive = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Olive Owner', role: 'nlp' });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, olive.id] as const);
  await page.reload();
  await expectSignedInAs(page, olive.id);

  // ── Two SMEs invited from the Team dialog ──────────────────────────────────────────────
  await pressKey(page, 'Control+Shift+U');
  const teamDialog = page.getByRole('dialog', { name: 'Team' });
  await expect(teamDialog).toBeVisible();
  const samLink = await invite(page, 'Sam Expert');
  const kimLink = await invite(page, 'Kim Checker');
  await teamDialog.getByRole('button', { name: 'Close dialog' }).click();
  await expect(teamDialog).toBeHidden();

  // ── The session, made in the Sessions view: overlap 2, gold first ──────────────────────
  await page.getByRole('tab', { name: 'Sessions' }).click();
  await expect(page.getByRole('heading', { name: 'Make a review session' })).toBeVisible();
  await pressKey(page, 'n', page.getByRole('heading', { name: 'Make a review session' }));
  const create = page.getByRole('dialog', { name: 'New review session' });
  await create.getByLabel('Name').fill('Team week');
  await expect(create.getByTestId('session-preview')).toContainText('3 prompts · 3 outputs');
  for (const name of ['Sam Expert', 'Kim Checker', 'Olive Owner']) await create.getByRole('checkbox', { name }).check();
  await create.getByLabel('Overlap k').fill('2');
  await create.getByLabel('Gold first').fill('1');
  await create.getByLabel('Gold rate %').fill('0');
  await create.getByRole('button', { name: 'Create session' }).click();
  await expect(create).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Team week' })).toBeVisible();
  const sessionId = (await rpc<{ id: number; name: string }[]>(page, 'sessions.list', {})).find((s) => s.name === 'Team week')!.id;
  const items = (await rpc<{ items: { itemId: number; preview: string }[] }>(page, 'sessions.items', { sessionId })).items;
  const idOf = (prompt: string) => items.find((i) => i.preview.includes(prompt))!.itemId;
  const gold = idOf(PROMPTS[0]!);

  // The first output is gold; its known verdict is good.
  await page.getByLabel(`Gold verdict for output ${gold}`).selectOption('good');
  await expect(page.getByText('1 gold items')).toBeVisible();

  // ── Edit: the reservation made short; a bad value is refused inline first ─────────────
  await page.getByRole('button', { name: 'Edit…' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit session “Team week”' });
  const hold = edit.getByLabel('Hold for (minutes)');
  await hold.fill('0.01');
  await expect(edit.getByRole('alert')).toContainText('from 0.05 (3 s) to 1440 (24 h)');
  await expect(hold).toHaveAttribute('aria-invalid', 'true');
  await expect(edit.getByRole('button', { name: 'Save changes' })).toBeDisabled();
  await edit.getByLabel('Overlap k').fill('');
  await expect(edit.getByText('Overlap k is a whole number from 1 to 50.')).toBeVisible();
  await edit.screenshot({ path: shots('edit-session-errors.png') });
  await edit.getByLabel('Overlap k').fill('2');
  await hold.fill(String(HOLD_MINUTES));
  await expect(edit.getByRole('alert')).toHaveCount(0);
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByText(/overlap k = 2 · held 30 s/)).toBeVisible();

  // ── Kim opens the session: the gold item first (she waits on it a moment) ──────────────
  const kim = await smeOpens(browser, kimLink, 'Kim Checker', 'Team week', errors);
  await expect(item(kim)).toHaveAttribute('data-generation-id', String(gold));

  // ── Sam: the gold item first, then an item he takes and leaves ─────────────────────────
  const sam = await smeOpens(browser, samLink, 'Sam Expert', 'Team week', errors);
  await expect(item(sam)).toHaveAttribute('data-generation-id', String(gold));
  await expect(sam.getByTestId('session-counts')).toContainText('0 of 3 done');
  await labelAndSubmit(sam, gold, '3', 1);
  await expect(item(sam)).not.toHaveAttribute('data-generation-id', String(gold));
  const left = await shownId(sam);
  await expect(sam.getByTestId('session-header')).toContainText('Held for you until');
  await sam.screenshot({ path: shots('sam-holds.png') });
  // He holds it until (the server's clock) …
  const held = await rpc<{ item: { itemId: number; reservedUntil: number } }>(sam, 'sessions.next', { sessionId, reviewerId: (await rpc<{ reviewerId: number }>(sam, 'session.get', {})).reviewerId, kind: 'review' });
  expect(held.item.itemId).toBe(left);
  // … and leaves: his window closes with the item unlabelled.
  await sam.context().close();

  // The engineer labels that item too: with Sam's reservation it now has its k = 2 (a label and a hold).
  const criteria = await rpc<{ id: number }[]>(page, 'rubric.list', {});
  await rpc(page, 'review.save', { generationId: left, reviewerId: olive.id, ratings: Object.fromEntries(criteria.map((c, i) => [String(c.id), i === 2 ? 5 : 4])), verdict: 'good', submit: true });

  // ── Kim labels the gold item bad; next she is not handed Sam's held item ──────────────
  await labelAndSubmit(kim, gold, '1', 1);
  const other = idOf(PROMPTS.find((p) => idOf(p) !== gold && idOf(p) !== left)!);
  await expect(item(kim)).toHaveAttribute('data-generation-id', String(other));
  // She skips it (L): nothing else is hers while Sam holds the last one.
  await pressKey(kim, 'l', item(kim));
  const finished = kim.getByRole('heading', { name: 'Nothing more in this session for you' });
  await expect(finished).toBeVisible();
  await expect(kim.getByTestId('session-counts')).toContainText('1 skipped');
  await kim.getByRole('button', { name: 'Revisit 1 skipped' }).click();
  await expect(item(kim)).toHaveAttribute('data-generation-id', String(other));
  await expect(kim.getByTestId('session-revisiting')).toBeVisible();
  await labelAndSubmit(kim, other, '1', 2);
  await expect(finished).toBeVisible();
  // Still inside Sam's reservation: Kim was not handed his item.
  expect(Date.now()).toBeLessThan(held.item.reservedUntil);
  await kim.screenshot({ path: shots('kim-waits.png') });

  // ── Sam's reservation runs out: the item is handed to Kim ─────────────────────────────
  await expect(async () => {
    if (await finished.isVisible()) await kim.getByRole('button', { name: 'Look again' }).click();
    await expect(item(kim)).toHaveAttribute('data-generation-id', String(left), { timeout: 2000 });
  }).toPass({ timeout: 90_000, intervals: [1000, 2000] });
  expect(Date.now()).toBeGreaterThan(held.item.reservedUntil);
  await expect(kim.getByTestId('session-header')).toContainText('Held for you until');
  await labelAndSubmit(kim, left, '3', 3);
  await expect(finished).toBeVisible();

  // ── The engineer: progress and gold accuracy per reviewer ─────────────────────────────
  const table = page.getByRole('table', { name: 'Reviewers' });
  await expect(table.getByRole('row', { name: /Sam Expert/ })).toContainText('1/1 · 100%');
  await expect(table.getByRole('row', { name: /Kim Checker/ })).toContainText('0/1 · 0%');
  await expect(table.getByRole('row', { name: /Kim Checker/ })).toContainText('3 / ');
  await expect(page.getByTestId('session-overall')).toContainText('1 of 3 items complete');
  await page.screenshot({ path: shots('team-session-progress.png'), fullPage: true });

  // The session is over: closed, its engineer may adjudicate its items (an assigned reviewer of an open session may not).
  await page.getByRole('button', { name: 'Close session' }).click();
  await expect(page.getByRole('button', { name: 'Reopen' })).toBeVisible();

  // ── Adjudication: the gold item, Sam good against Kim bad ─────────────────────────────
  await pressKey(page, 'Alt+a');
  const view = page.getByLabel('Adjudication', { exact: true });
  await expect(view.getByTestId('adj-total')).toHaveText('1 to adjudicate · 0 adjudicated');
  const detail = view.getByLabel('Disagreement');
  await expect(detail.getByLabel('Label by Sam Expert')).toContainText('good');
  await expect(detail.getByLabel('Label by Kim Checker')).toContainText('bad');
  const names = await detail.locator('section.adj-reviewer').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const samKey = String(names.indexOf('Label by Sam Expert') + 1);
  await pressKey(page, samKey, detail.getByLabel('Label by Sam Expert'));
  await expect(view.getByTestId('adj-final-value')).toContainText('good');
  await page.screenshot({ path: shots('team-session-adjudication.png'), fullPage: true });
  await pressKey(page, 'Enter', view.getByTestId('adj-final-value'));
  await expect(view.getByTestId('adj-total')).toHaveText('0 to adjudicate · 1 adjudicated');

  // ── Export KTO from the adjudicated labels ────────────────────────────────────────────
  await page.getByRole('tab', { name: 'Export' }).click();
  const form = page.getByRole('form', { name: 'Export options' });
  await form.getByLabel('Format').selectOption('kto');
  await form.getByLabel('Labels').selectOption('adjudicated');
  const out = path.join(team.dir, 'adjudicated');
  await page.getByLabel('Output folder').fill(out);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const result = page.getByRole('status', { name: 'Export result' });
  await expect(result).toContainText('Exported');
  await expect(result.getByTestId('label-rule')).toContainText('1 adjudicated');
  const rows = fs
    .readFileSync(path.join(out, 'train.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  // One row per output: the gold item as adjudicated (good, where Kim said bad), the held item as
  // Olive and Kim agreed (good), Kim's one label on the other (bad).
  const byPrompt = (p: string) => rows.filter((r) => r.prompt === p);
  expect(rows).toHaveLength(3);
  expect(byPrompt(PROMPTS[0]!)).toEqual([{ prompt: PROMPTS[0], completion: COMPLETIONS[0], label: true }]);
  const leftPrompt = PROMPTS.find((p) => idOf(p) === left)!;
  const otherPrompt = PROMPTS.find((p) => idOf(p) === other)!;
  expect(byPrompt(leftPrompt)).toEqual([{ prompt: leftPrompt, completion: COMPLETIONS[PROMPTS.indexOf(leftPrompt)], label: true }]);
  expect(byPrompt(otherPrompt)).toEqual([{ prompt: otherPrompt, completion: COMPLETIONS[PROMPTS.indexOf(otherPrompt)], label: false }]);
  const card = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  expect(card).toContain('- Labels: adjudicated (`labels: adjudicated`)');
  // The rule's counts, and whose rows they are: the adjudicator's (Olive) for the gold item, the
  // first agreeing label (Olive's) for the held item, Kim's for the one she alone labelled.
  expect(card).toContain('Items: 3; adjudicated 1, reviewers agreed 1; labelled by one reviewer only (kept, unchecked) 1; left out because reviewers disagree and nothing was adjudicated: 0.');
  expect(card).toContain('| Olive Owner | 2 |');
  expect(card).toContain('| Kim Checker | 1 |');
  await page.screenshot({ path: shots('team-session-export.png'), fullPage: true });

  await kim.context().close();
  expect(errors).toEqual([]);
});
