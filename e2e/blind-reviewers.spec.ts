import type { Page } from '@playwright/test';
import { expect, expectSignedInAs, rpc, signInAs, test, writeFile } from './fixtures';

// Issue 9, defect 6: a second reviewer saw the first reviewer's correction and could edit it.
// Reviewers are blind to one another unless the workspace's setting says otherwise.
test.use({ autoReviewer: false });

/** One prompt, one output of the tiny model, and Ada's full label on it; the page opens as Bo. */
async function setUp(page: Page, dir: string, loginUrl: string) {
  const file = writeFile(dir, 'blind.jsonl', JSON.stringify({ id: 'sum-1', prompt: 'What is 7 + 5?', reference: '12' }));
  await page.goto(loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-blind', source: { kind: 'path', path: file } });
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'blind batch',
    spec: { prompts: { ids: ['sum-1'] }, modelIds: [model.id], samplesPerPrompt: 1, sampling: { maxTokens: 16, seed: 3 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');
  const [g] = (await rpc<{ items: { id: number }[] }>(page, 'generations.list', { jobId: job.id })).items;
  const ada = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Ada Lovelace', role: 'sme' });
  const bo = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Bo Reviewer', role: 'nlp' });
  // Ada's label is written as Ada: the server takes the reviewer from the signed-in session.
  await signInAs(page, ada.id);
  await rpc(page, 'review.saveStep', { generationId: g!.id, reviewerId: ada.id, body: 'Ada: the sum is wrong.' });
  await rpc(page, 'review.save', { generationId: g!.id, reviewerId: ada.id, verdict: 'bad', comment: 'Ada says bad', submit: true });
  await rpc(page, 'corrections.save', { generationId: g!.id, reviewerId: ada.id, text: 'ADA-CORRECTION: 7 + 5 = 12' });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, bo.id] as const);
  await page.reload();
  return { generationId: g!.id, ada: ada.id, bo: bo.id };
}

test("blind by default: Bo sees nothing of Ada's; with the setting off, Ada's labels show read-only by name", async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const { generationId } = await setUp(page, assay.dir, assay.loginUrl);

  await page.keyboard.press('Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-generation-id', String(generationId));
  const correction = item.getByRole('region', { name: 'Correction' });
  await expect(correction).toContainText('None');
  await expect(item).not.toContainText('ADA-CORRECTION');
  await expect(item).not.toContainText('Ada');
  await expect(page.getByTestId('other-reviewers')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('blind-on.png') });

  // The correction dialog starts from the model output, not from Ada's correction.
  await page.keyboard.press('e');
  const dialog = page.getByRole('dialog', { name: 'Correct the output' });
  await expect(dialog).toBeVisible();
  await expect(dialog).not.toContainText('ADA-CORRECTION');
  await expect(dialog.getByLabel('Correction history')).not.toContainText('Ada');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // The study owner turns blinding off in the workspace settings.
  await page.getByRole('button', { name: 'Workspace settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Workspace settings' });
  const blind = settings.getByRole('checkbox', { name: /Blind reviewers/ });
  await expect(blind).toBeChecked();
  await expect(settings.getByRole('checkbox', { name: /Blind comparisons/ })).toBeChecked();
  await settings.screenshot({ path: test.info().outputPath('settings-dialog.png') });
  // The box follows the saved setting (it changes once the workspace has it).
  await blind.click();
  await expect(blind).not.toBeChecked();
  await expect.poll(async () => (await rpc<{ blindReviewers: boolean }>(page, 'settings.get', {})).blindReviewers).toBe(false);
  await settings.getByRole('button', { name: 'Close dialog' }).click();

  // Reopen Review: Ada's label is there, read-only and named; Bo's own correction is still none.
  await page.keyboard.press('Control+1');
  await page.keyboard.press('Control+2');
  const others = page.getByTestId('other-reviewers');
  await expect(others).toBeVisible();
  await expect(others).toContainText('Ada Lovelace');
  await expect(others).toContainText('Ada says bad');
  await expect(others).toContainText('Ada: the sum is wrong.');
  await expect(others).toContainText('ADA-CORRECTION: 7 + 5 = 12');
  await expect(others.getByRole('button')).toHaveCount(0);
  await expect(others.locator('textarea, input, [contenteditable="true"]')).toHaveCount(0);
  await expect(correction).toContainText('None');
  await page.screenshot({ path: test.info().outputPath('blind-off.png') });

  // Blind again: hidden at once on the open item.
  await page.getByRole('button', { name: 'Workspace settings' }).click();
  await settings.getByRole('checkbox', { name: /Blind reviewers/ }).click();
  await expect(settings.getByRole('checkbox', { name: /Blind reviewers/ })).toBeChecked();
  await expect(others).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("a tampered request from Bo's page naming Ada is refused, and Ada's label stays as it was", async ({ page, assay }) => {
  test.setTimeout(120_000);
  const { generationId, ada, bo } = await setUp(page, assay.dir, assay.loginUrl);
  // The page signed in again as the remembered reviewer on load.
  await expect(page.locator('.reviewer-button')).toContainText('Bo Reviewer');
  await expect.poll(async () => (await rpc<{ reviewerId: number | null }>(page, 'session.get', {})).reviewerId).toBe(bo);

  const forge = (reviewerId: number) =>
    page.evaluate(
      async ([g, r]) => {
        const response = await fetch('/rpc/review.save', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ generationId: g, reviewerId: r, verdict: 'good', comment: 'forged by Bo', submit: true }),
        });
        return { status: response.status, body: (await response.json()) as { ok: boolean; error?: { code: string; message: string } } };
      },
      [generationId, reviewerId] as const,
    );
  const forged = await forge(ada);
  expect(forged.status).toBe(403);
  expect(forged.body).toMatchObject({ ok: false, error: { code: 'wrong_reviewer', message: expect.stringContaining('signed in as Bo Reviewer') } });
  // Naming himself, Bo's page writes.
  expect((await forge(bo)).body).toMatchObject({ ok: true });

  await signInAs(page, ada);
  const adas = await rpc<{ review: { verdict: string; comment: string } | null }>(page, 'review.item', { generationId, reviewerId: ada });
  expect(adas.review).toMatchObject({ verdict: 'bad', comment: 'Ada says bad' });
});

test('a refused sign-in on load is shown in the dialog, and choosing again signs in', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const { bo } = await setUp(page, assay.dir, assay.loginUrl);
  await expectSignedInAs(page, bo);
  await page.route('**/rpc/session.signIn', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ok: false, error: { code: 'internal', message: 'The server said no.' } }) }),
  );
  await page.reload();
  const dialog = page.getByRole('dialog', { name: 'Who is reviewing?' });
  await expect(dialog.getByRole('alert')).toContainText('Could not sign in as Bo Reviewer: The server said no.');
  await dialog.screenshot({ path: test.info().outputPath('sign-in-refused.png') });
  // No view runs as Bo while the session is not his.
  await expect(page.locator('.reviewer-button')).toContainText('Choose reviewer');

  await page.unroute('**/rpc/session.signIn');
  await dialog.getByRole('list', { name: 'Reviewers' }).getByRole('button', { name: /Bo Reviewer/ }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('.reviewer-button')).toContainText('Bo Reviewer');
  await expectSignedInAs(page, bo);
});

test('the top-bar switcher signs the session in as the reviewer chosen or created', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const { ada, bo } = await setUp(page, assay.dir, assay.loginUrl);
  await expectSignedInAs(page, bo);
  const button = page.locator('.reviewer-button');
  await button.click();
  await page.getByRole('menu', { name: 'Switch reviewer' }).getByRole('menuitemradio', { name: /Ada Lovelace/ }).click();
  await expect(button).toContainText('Ada Lovelace');
  await expectSignedInAs(page, ada);

  await button.click();
  await page.getByRole('menu', { name: 'Switch reviewer' }).getByRole('menuitem', { name: /New reviewer/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Switch reviewer' });
  await dialog.getByLabel('Name').fill('Cy Newcomer');
  await dialog.getByRole('button', { name: 'Start reviewing' }).click();
  await expect(dialog).toBeHidden();
  await expect(button).toContainText('Cy Newcomer');
  const cy = (await rpc<{ id: number; name: string }[]>(page, 'reviewers.list', {})).find((r) => r.name === 'Cy Newcomer')!;
  await expectSignedInAs(page, cy.id);
  await page.screenshot({ path: test.info().outputPath('switched-to-cy.png') });
});
