import { expect, rpc, test } from './fixtures';

// The first-start dialog is part of what this spec checks.
test.use({ autoReviewer: false });

const SHOTS = process.env.ASSAY_SCREENSHOTS;

test('first start: Open the demo workspace builds it, switches to it, and Review shows real English output', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));

  await page.goto(assay.loginUrl);
  // The first screen: "Who is reviewing?" on an empty workspace offers the demo first.
  const dialog = page.getByRole('dialog', { name: 'Who is reviewing?' });
  const offer = dialog.getByRole('region', { name: 'Demo workspace' });
  await expect(offer.getByRole('button', { name: 'Open the demo workspace' })).toBeVisible();
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/first-start-dialog.png` });

  // Not now: the empty Prompts view offers it too.
  await dialog.getByRole('button', { name: 'Not now' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'No prompts yet' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Demo workspace' }).getByRole('button', { name: 'Open the demo workspace' })).toBeVisible();
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/empty-prompts.png` });

  // Back to the first screen, and take the offer there.
  await page.reload();
  await offer.getByRole('button', { name: 'Open the demo workspace' }).click();
  const bar = offer.getByRole('progressbar', { name: 'Building the demo workspace' });
  await expect(bar).toBeVisible();
  await expect(offer.getByRole('button', { name: /Building the demo|Opening/ })).toBeDisabled();
  await expect(offer.getByText(/Generat\w+ \d+ (of 80 )?outputs/)).toBeVisible({ timeout: 30_000 });
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/building.png` });

  // The page reloads on the demo workspace: 40 prompts, and the reviewer question for it.
  await expect(page.locator('.topbar .workspace')).toContainText('demo', { timeout: 60_000 });
  await expect(page.locator('.topbar .workspace')).toContainText('40 prompts');
  const info = await rpc<{ path: string; promptCount: number }>(page, 'workspace.info', {});
  expect(info.path).toBe(`${assay.dir}/demo.assay`);
  const generations = await rpc<{ total: number }>(page, 'generations.list', { limit: 1 });
  expect(generations.total).toBe(80);

  const again = page.getByRole('dialog', { name: 'Who is reviewing?' });
  // A workspace with prompts does not offer the demo again.
  await expect(again.getByLabel('Name')).toBeVisible();
  await expect(again.getByRole('region', { name: 'Demo workspace' })).toHaveCount(0);
  await again.getByLabel('Name').fill('New Reviewer');
  await page.keyboard.press('Enter');
  await expect(again).toBeHidden();

  // Review: an output of the sample model, in English.
  await page.keyboard.press('Control+2');
  const output = page.getByRole('region', { name: 'Output' });
  await expect(output).toBeVisible();
  await expect(output).toContainText(/\b(the|was|and|she|he|they|said)\b/i);
  const text = (await output.locator('.output-text').innerText()).trim();
  const words = text.split(/\s+/).filter((w) => /^[A-Za-z][a-z]*[.,!?"]*$/.test(w));
  expect(words.length).toBeGreaterThan(10);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/review.png` });

  // Playground: stories260K has no chat template, so raw is the default; choosing chat says what it uses.
  await page.keyboard.press('Control+6');
  const raw = page.getByRole('radio', { name: 'Raw completion' });
  await expect(raw).toBeChecked();
  await expect(page.getByRole('note')).toContainText('has no chat template: raw completion is the default');
  await page.getByRole('radio', { name: /Chat/ }).check();
  const note = page.getByRole('note', { name: 'Chat format' });
  await expect(note).toContainText(/has no chat template, so raw completion is its default\. In chat mode Assay formats the conversation in its generic format \(### Human \/ ### Assistant\), not in another model family's template/);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/playground-chat.png` });
  // Batch: choosing a demo model switches the batch to raw as well.
  await page.keyboard.press('Control+7');
  await page.getByRole('checkbox', { name: /stories260K · lively/ }).check();
  await expect(page.getByLabel('Batch mode')).toHaveValue('raw');
  await expect(page.getByRole('note')).toContainText('has no chat template: raw completion is the default');
  // Models: each demo model says so too.
  await page.keyboard.press('Control+8');
  await expect(page.getByRole('region', { name: /^Model stories260K · careful/ }).getByText('no chat template · raw by default')).toBeVisible();
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/models.png` });
  expect(errors).toEqual([]);
});
