import type { Browser, Page } from '@playwright/test';
import { expect, expectSignedInAs, rpc, test, writeFile } from './fixtures';

// Issue 10, Sessions: an engineer makes a review session from a filter in the Sessions view, sets a
// gold item, and two reviewers (two browser contexts) work it from the Review view's session mode.
test.use({ autoReviewer: false });

interface Reviewers {
  eng: number;
  ada: number;
  bo: number;
}

async function setUp(page: Page, dir: string, loginUrl: string): Promise<{ reviewers: Reviewers; generationIds: number[] }> {
  const rows = ['What is 7 + 5?', 'Name a prime above 10.', 'Spell "cat" backwards.'].map((prompt, i) => JSON.stringify({ id: `q-${i}`, prompt, tags: ['week1'] }));
  const file = writeFile(dir, 'session.jsonl', rows.join('\n') + '\n');
  await page.goto(loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-sessions', source: { kind: 'path', path: file } });
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'session batch',
    spec: { prompts: { ids: ['q-0', 'q-1', 'q-2'] }, modelIds: [model.id], samplesPerPrompt: 1, sampling: { maxTokens: 12, seed: 5 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');
  const generationIds = (await rpc<{ items: { id: number }[] }>(page, 'generations.list', { jobId: job.id })).items.map((g) => g.id);
  const eng = (await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Eve Engineer', role: 'nlp' })).id;
  const ada = (await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Ada Lovelace', role: 'sme' })).id;
  const bo = (await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Bo Reviewer', role: 'sme' })).id;
  await openAs(page, eng);
  return { reviewers: { eng, ada, bo }, generationIds };
}

/** Remembers `reviewerId` in this browser and reloads: the page signs in as them. */
async function openAs(page: Page, reviewerId: number) {
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, reviewerId] as const);
  await page.reload();
  await expectSignedInAs(page, reviewerId);
}

async function reviewerPage(browser: Browser, loginUrl: string, reviewerId: number): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(loginUrl);
  await openAs(page, reviewerId);
  return page;
}

/** Rates the three default criteria and gives a verdict (3 = Good, 1 = Bad), then submits with Enter. */
async function labelAndSubmit(page: Page, verdictKey: '1' | '3') {
  for (const key of ['4', '4', '5', verdictKey]) await page.keyboard.press(key);
  await page.keyboard.press('Enter');
}

test('an engineer creates a session with a gold item; two reviewers work it with overlap 2 and stay in its order', async ({ page, assay, browser }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const { reviewers, generationIds } = await setUp(page, assay.dir, assay.loginUrl);

  // ── The engineer: Sessions view, a new session from a filter ───────────────────────────
  await page.getByRole('tab', { name: 'Sessions' }).click();
  await expect(page.getByRole('heading', { name: 'Make a review session' })).toBeVisible();
  await page.keyboard.press('n');
  const dialog = page.getByRole('dialog', { name: 'New review session' });
  await dialog.getByLabel('Name').fill('Week 1');
  await dialog.getByLabel('With tags').fill('week1');
  await expect(dialog.getByTestId('session-preview')).toContainText('3 prompts · 3 outputs');
  await dialog.getByLabel('With tags').fill('nothing-here');
  await expect(dialog.getByTestId('session-preview')).toContainText('0 prompts · 0 outputs');
  await dialog.getByLabel('With tags').fill('week1');
  await dialog.getByRole('checkbox', { name: 'Ada Lovelace' }).check();
  await dialog.getByRole('checkbox', { name: 'Bo Reviewer' }).check();
  await dialog.getByLabel('Overlap k').fill('2');
  await dialog.getByLabel('Gold first').fill('1');
  await dialog.getByLabel('Gold rate %').fill('0');
  await dialog.screenshot({ path: test.info().outputPath('new-session.png') });
  await dialog.getByRole('button', { name: 'Create session' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Week 1' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Reviewers' })).toContainText('Ada Lovelace');

  // The first output becomes gold: its known verdict is Good, set while reading the output itself
  // (issue 10: a new user set gold answers seeing only the prompt).
  const gold = generationIds[0]!;
  const goldOutput = await rpc<{ output: string }>(page, 'generations.get', { id: gold });
  const goldRow = page.getByRole('table', { name: 'Session items' }).getByRole('row', { name: new RegExp(`Output #${gold}\\b`) });
  await expect(goldRow.getByTestId('session-item-output')).toHaveText(`Output: ${goldOutput.output.trim()}`);
  await page.getByLabel(`Gold verdict for output ${gold}`).selectOption('good');
  await expect(page.getByText('1 gold items')).toBeVisible();

  // ── Ada works the session from Review ──────────────────────────────────────────────────
  const ada = await reviewerPage(browser, assay.loginUrl, reviewers.ada);
  ada.on('pageerror', (e) => errors.push(e.message));
  await ada.keyboard.press('Control+2');
  // Her open session is where she works until she chooses otherwise (issue 10: a new SME's Review
  // opened on the whole workspace, and her labels fell outside the session). The select's visible label names it.
  const workIn = ada.getByLabel('Work in', { exact: true });
  await expect(workIn.locator('option:checked')).toHaveText('Session: Week 1');
  await expect(ada.locator('label', { hasText: 'Work in' })).toBeVisible();
  const header = ada.getByTestId('session-header');
  await expect(header).toContainText('Week 1');
  await expect(ada.getByTestId('session-counts')).toContainText('0 of 3 done');
  const item = ada.getByTestId('review-item');
  // The gold item comes first for a new reviewer (gold first = 1); she is not told it is gold.
  await expect(item).toHaveAttribute('data-generation-id', String(gold));
  await expect(ada.getByText(/gold/i)).toHaveCount(0);
  await ada.screenshot({ path: test.info().outputPath('review-session.png') });
  await labelAndSubmit(ada, '3');
  await expect(ada.getByTestId('session-counts')).toContainText('1 of 3 done');
  const adaSecond = Number(await item.getAttribute('data-generation-id'));
  expect(adaSecond).not.toBe(gold);

  // ── Bo, at the same time: gold first, then not Ada's held item while two of them... ───
  const bo = await reviewerPage(browser, assay.loginUrl, reviewers.bo);
  bo.on('pageerror', (e) => errors.push(e.message));
  await bo.keyboard.press('Control+2');
  await bo.getByLabel('Work in').selectOption({ label: 'Session: Week 1' });
  const boItem = bo.getByTestId('review-item');
  await expect(boItem).toHaveAttribute('data-generation-id', String(gold));
  await labelAndSubmit(bo, '1');
  await expect(bo.getByTestId('session-counts')).toContainText('1 of 3 done');
  // Overlap 2 with two reviewers: Bo gets every item too, each once.
  const seenByBo = [gold, Number(await boItem.getAttribute('data-generation-id'))];
  await labelAndSubmit(bo, '3');
  await expect(bo.getByTestId('session-counts')).toContainText('2 of 3 done');
  seenByBo.push(Number(await boItem.getAttribute('data-generation-id')));
  await labelAndSubmit(bo, '3');
  await expect(bo.getByRole('heading', { name: 'Nothing more in this session for you' })).toBeVisible();
  expect([...seenByBo].sort()).toEqual([...generationIds].sort());

  // Ada finishes hers.
  await labelAndSubmit(ada, '3');
  await expect(ada.getByTestId('session-counts')).toContainText('2 of 3 done');
  await labelAndSubmit(ada, '3');
  await expect(ada.getByRole('heading', { name: 'Nothing more in this session for you' })).toBeVisible();
  // Her choice of the whole workspace is kept over the default, across a reload.
  await workIn.selectOption({ label: 'The whole workspace' });
  await ada.reload();
  await ada.keyboard.press('Control+2');
  await expect(workIn.locator('option:checked')).toHaveText('The whole workspace');
  await expect(ada.getByTestId('session-header')).toHaveCount(0);

  // ── The engineer sees progress and gold accuracy per reviewer ──────────────────────────
  const table = page.getByRole('table', { name: 'Reviewers' });
  await expect(table.getByRole('row', { name: /Ada Lovelace/ })).toContainText('3 / 3');
  await expect(table.getByRole('row', { name: /Ada Lovelace/ })).toContainText('1/1 · 100%');
  await expect(table.getByRole('row', { name: /Bo Reviewer/ })).toContainText('0/1 · 0%');
  await expect(page.getByTestId('session-overall')).toContainText('6 of 6 labels · 3 of 3 items complete');
  await page.screenshot({ path: test.info().outputPath('sessions-view.png'), fullPage: true });
  expect(errors).toEqual([]);
});
