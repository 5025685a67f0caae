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
  // The careful model (ticked first) was registered at temperature 0.2: the Playground starts there, and
  // ticking the lively one as well says each uses its own.
  const temperature = page.getByRole('spinbutton', { name: 'Temperature' });
  await expect(page.getByRole('checkbox', { name: /stories260K · careful/ })).toBeChecked();
  await expect(temperature).toHaveValue('0.2');
  await expect(page.getByLabel('Sampling source')).toHaveText('The defaults of stories260K · careful (temperature 0.2): temperature 0.2.');
  await page.getByRole('checkbox', { name: /stories260K · lively/ }).check();
  await expect(page.getByLabel('Sampling source')).toContainText('Each model uses its own defaults');
  // Batch: choosing a demo model switches the batch to raw as well, and to that model's temperature.
  await page.keyboard.press('Control+7');
  await page.getByRole('checkbox', { name: /stories260K · lively/ }).check();
  await expect(page.getByLabel('Batch mode')).toHaveValue('raw');
  await expect(page.getByRole('note')).toContainText('has no chat template: raw completion is the default');
  await expect(temperature).toHaveValue('1');
  await page.getByLabel('Prompt tags').fill('counting');
  await expect(page.getByText('8 prompt(s) match')).toBeVisible();
  await page.getByLabel('Job name').fill('Lively counting');
  await page.getByRole('button', { name: 'Start 8 generations' }).click();
  await expect(page.getByRole('region', { name: 'Job Lively counting' })).toBeVisible();
  const jobs = await rpc<{ name: string; spec: { sampling: { temperature: number } } }[]>(page, 'jobs.list', {});
  expect(jobs.find((j) => j.name === 'Lively counting')?.spec.sampling.temperature).toBe(1);
  // An edit is the user's: it holds for every model, until they go back to the models' defaults.
  await temperature.fill('0.5');
  await page.getByRole('checkbox', { name: /stories260K · careful/ }).check();
  await expect(temperature).toHaveValue('0.5');
  await page.getByRole('button', { name: "Use the models' defaults" }).click();
  // Both ticked, defaults differ: each gets its own job at its own temperature.
  await expect(page.getByLabel('Sampling source')).toContainText('Each model uses its own defaults');
  await expect(page.getByLabel('Sampling source')).toContainText('one job per model');
  await page.getByLabel('Job name').fill('Both');
  await page.getByRole('button', { name: 'Start 16 generations' }).click();
  await expect(page.getByRole('region', { name: 'Job Both · stories260K · careful (temperature 0.2)' })).toBeVisible();
  const both = (await rpc<{ name: string; spec: { modelIds: number[]; sampling: { temperature: number } } }[]>(page, 'jobs.list', {})).filter((j) => j.name.startsWith('Both · '));
  expect(both.map((j) => [j.name, j.spec.modelIds.length, j.spec.sampling.temperature]).sort()).toEqual([
    ['Both · stories260K · careful (temperature 0.2)', 1, 0.2],
    ['Both · stories260K · lively (temperature 1.0)', 1, 1],
  ]);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/batch-defaults.png` });
  // Models: each demo model says so too, and shows the temperature it was registered at.
  await page.keyboard.press('Control+8');
  const careful = page.getByRole('region', { name: /^Model stories260K · careful/ });
  await expect(careful.getByText('no chat template · raw by default')).toBeVisible();
  await expect(careful.getByLabel('Default sampling')).toHaveText('Default sampling: temperature 0.2');
  await expect(careful.getByRole('spinbutton', { name: 'Default temperature' })).toHaveValue('0.2');
  await expect(page.getByRole('region', { name: /^Model stories260K · lively/ }).getByLabel('Default sampling')).toHaveText('Default sampling: temperature 1');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/models.png` });

  // The top bar at 1400 px: the workspace's name and count whole; the path gives way, from its start.
  await page.setViewportSize({ width: 1400, height: 900 });
  const clipped = await page.locator('.topbar .workspace').evaluate((el) =>
    ['.workspace-name', '.workspace-count', '.workspace-path'].map((sel) => {
      const part = el.querySelector<HTMLElement>(sel)!;
      return { sel, clipped: part.scrollWidth > part.clientWidth + 1, right: part.getBoundingClientRect().right <= el.getBoundingClientRect().right + 1 };
    }),
  );
  expect(clipped.slice(0, 2)).toEqual([
    { sel: '.workspace-name', clipped: false, right: true },
    { sel: '.workspace-count', clipped: false, right: true },
  ]);
  await expect(page.locator('.topbar .workspace-name')).toHaveText('demo');
  // Wide enough, the path shows too, losing its start first: its file name is in view.
  await page.setViewportSize({ width: 1900, height: 900 });
  const pathBox = await page.locator('.topbar .workspace-path').evaluate((el) => ({ text: (el as HTMLElement).innerText, shown: el.getBoundingClientRect().width }));
  expect(pathBox.text).toContain('demo.assay');
  expect(pathBox.shown).toBeGreaterThan(90);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/topbar-1900.png`, clip: { x: 0, y: 0, width: 1900, height: 60 } });
  await page.setViewportSize({ width: 1400, height: 900 });
  await expect(page.locator('.topbar .workspace')).toHaveAttribute('title', info.path);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/topbar-1400.png`, clip: { x: 0, y: 0, width: 1400, height: 60 } });
  expect(errors).toEqual([]);
});
