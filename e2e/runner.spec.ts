import type { Page } from '@playwright/test';
import { expect, rpc as rpcValue, test, writeFile } from './fixtures';

/** Calls the engine the way the UI does (same origin, the session cookie). */
async function rpc(page: Page, method: string, input: unknown): Promise<unknown> {
  return page.evaluate(
    async ([m, i]) => {
      const response = await fetch(`/rpc/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(i) });
      return response.json();
    },
    [method, input] as const,
  );
}

test('the playground streams tokens from the tiny model and saves the output', async ({ page, assay }) => {
  await page.goto(assay.loginUrl);
  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByRole('button', { name: 'Add the tiny test model' }).click();
  const card = page.getByRole('region', { name: 'Model tiny test model' });
  await expect(card).toContainText('gibberish by design');
  await page.screenshot({ path: test.info().outputPath('models.png') });

  await page.getByRole('tab', { name: 'Playground' }).click();
  await page.getByLabel('Type one').check();
  await page.getByLabel('Playground prompt').fill('Tell me about the sea');
  await page.getByLabel('Max tokens').fill('120');
  await page.getByLabel('Seed').fill('42');

  // Count how many times the output text changes while it streams.
  await page.evaluate(() => {
    const w = window as unknown as { textChanges: number };
    w.textChanges = 0;
    new MutationObserver(() => w.textChanges++).observe(document.body, { subtree: true, characterData: true, childList: true });
  });
  await page.getByRole('button', { name: /Generate/ }).click();
  const output = page.getByRole('article', { name: 'Output of tiny test model' });
  await expect(output.getByLabel('Generation stats')).toContainText('finish:', { timeout: 30_000 });
  await expect(output.getByLabel('Generation stats')).toContainText('seed 42');
  await expect(output.getByLabel('Generation stats')).toContainText('tok/s');
  const text = await output.getByTestId('output-text').innerText();
  expect(text.trim().length).toBeGreaterThan(10);
  expect(await page.evaluate(() => (window as unknown as { textChanges: number }).textChanges)).toBeGreaterThan(3);
  await page.screenshot({ path: test.info().outputPath('playground.png') });

  await output.getByRole('button', { name: 'Save for review' }).click();
  await expect(page.getByRole('status').getByText(/Saved the output of tiny test model/)).toBeVisible();
  const saved = (await rpc(page, 'generations.list', {})) as { value: { total: number; items: { output: string; seed: number }[] } };
  expect(saved.value.total).toBe(1);
  expect(saved.value.items[0]!.seed).toBe(42);
  expect(saved.value.items[0]!.output.trim()).toBe(text.trim());

  // The model is loaded now: its card offers Unload (not Load), and unloading says so.
  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(card.getByText('loaded', { exact: true })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Load', exact: true })).toHaveCount(0);
  await card.getByRole('button', { name: 'Unload' }).click();
  await expect(card.getByText('not loaded', { exact: true })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Load', exact: true })).toBeEnabled();
  await expect(card.getByLabel('Default sampling')).toHaveText("Default sampling: Assay's (temperature 0.8)");
});

test('a batch job runs to 100% with its progress bar', async ({ page, assay }) => {
  const file = writeFile(assay.dir, 'batch.jsonl', Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: `b${i}`, prompt: `Batch question ${i}`, tags: ['batch'] })).join('\n'));
  await page.goto(assay.loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e', source: { kind: 'path', path: file } });
  await rpc(page, 'models.addTestModel', {});

  await page.getByRole('tab', { name: 'Batch' }).click();
  await page.getByLabel('Job name').fill('five by two');
  await page.getByLabel('Prompt tags').fill('batch');
  await expect(page.getByText('5 prompt(s) match')).toBeVisible();
  await page.getByLabel(/tiny test model/).check();
  await page.getByLabel('Samples per prompt').fill('2');
  await page.getByLabel('Max tokens').fill('16');
  await page.getByRole('button', { name: /Start 10 generations/ }).click();

  const job = page.getByRole('region', { name: 'Job five by two' });
  await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100', { timeout: 60_000 });
  await expect(job.getByLabel('Job counts')).toContainText('10 done of 10');
  await expect(job).toContainText('done');
  await page.screenshot({ path: test.info().outputPath('batch.png') });
});

test('Cancel asks first, and a cancelled job shows its real progress, "Cancelled" and no Resume', async ({ page, assay }) => {
  test.setTimeout(180_000);
  const file = writeFile(assay.dir, 'cancel.jsonl', Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `c${i}`, prompt: `Cancel question ${i}`, tags: ['cancel'] })).join('\n'));
  await page.goto(assay.loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-cancel', source: { kind: 'path', path: file } });
  // The sample model (about 1,000–2,000 tokens/s here) over 240 long generations: far more than the
  // dialog steps below take, so the job is still running when it is cancelled, however busy the machine.
  await rpc(page, 'models.addSampleModel', {});

  await page.getByRole('tab', { name: 'Batch' }).click();
  await page.getByLabel('Job name').fill('long one');
  await page.getByLabel(/stories260K \(sample\)/).check();
  await page.getByLabel('Samples per prompt').fill('8');
  await page.getByLabel('Max tokens').fill('256');
  await page.getByRole('button', { name: /Start 240 generations/ }).click();

  const job = page.getByRole('region', { name: 'Job long one' });
  const counts = job.getByLabel('Job counts');
  await expect(counts).toContainText(/^[1-9]\d* done of 240/, { timeout: 60_000 });

  // Cancel asks, saying what is done and what will never be made; "Keep it" leaves the job running.
  await job.getByRole('button', { name: 'Cancel…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel long one?' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('cancel-summary')).toContainText(/\d+ generations? of 240 (is|are) done/);
  await expect(dialog.getByTestId('cancel-summary')).toContainText(/The other \d+ generations? will not be made/);
  await expect(dialog).toContainText('cannot be resumed');
  // The title has room above it (the Jobs list's heading style once took its top margin away).
  const gap = await dialog.evaluate((d) => d.querySelector('h2')!.getBoundingClientRect().top - d.getBoundingClientRect().top);
  expect(gap).toBeGreaterThanOrEqual(12);
  await page.screenshot({ path: test.info().outputPath('batch-cancel-dialog.png') });
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await expect(dialog).toBeHidden();
  await expect(job.getByTestId('job-status')).toHaveText('Running');

  await job.getByRole('button', { name: 'Cancel…' }).click();
  await dialog.getByRole('button', { name: 'Cancel the job' }).click();
  await expect(dialog).toBeHidden();
  await expect(job.getByTestId('job-status')).toHaveText('Cancelled');
  await expect(job.getByRole('button', { name: 'Resume' })).toHaveCount(0);
  await expect(job.getByRole('button', { name: /Cancel/ })).toHaveCount(0);
  await expect(counts).toContainText('cancelled (not made)');

  // The real progress: done of 240, never a full bar or 100%.
  const [state] = await rpcValue<{ status: string; counts: { done: number; cancelled: number; total: number } }[]>(page, 'jobs.list', {});
  if (!state) throw new Error('no job');
  expect(state.status).toBe('cancelled');
  expect(state.counts.done).toBeLessThan(240);
  await expect(counts).toContainText(`${state.counts.done} done of 240`);
  await expect(counts).toContainText(`${Math.floor((100 * state.counts.done) / 240)}%`);
  const now = Number(await job.getByRole('progressbar').getAttribute('aria-valuenow'));
  expect(now).toBeLessThan(100);
  expect(now).toBe(Math.min(99, Math.round((100 * state.counts.done) / 240)));
  await page.screenshot({ path: test.info().outputPath('batch-cancelled.png') });
});

test('Playground at 1400×900: no sideways scroll on the left, Generate in view; Preview shows it is working; the save toast names the model used', async ({ page, assay }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  const file = writeFile(
    assay.dir,
    'pg.jsonl',
    Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `playground-prompt-with-a-long-identifier-${i}`, prompt: `A long stored prompt number ${i}: ${'tell me a story about the sea and the ships on it '.repeat(4)}` })).join('\n'),
  );
  await page.goto(assay.loginUrl);
  await rpcValue(page, 'prompts.import', { importId: 'e2e-pg', source: { kind: 'path', path: file } });
  const tiny = await rpcValue<{ id: number; name: string; modelPath: string }>(page, 'models.addTestModel', {});
  // A second model over the same GGUF: the runner reports the same model name for both.
  await rpcValue(page, 'models.add', { kind: 'llama', name: 'tiny twin with a rather long display name', modelPath: tiny.modelPath });

  await page.getByRole('tab', { name: 'Playground' }).click();
  const setup = page.locator('.playground-setup');
  await expect(setup.getByRole('option').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('playground-1400x900.png') });
  const box = await setup.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
  const generate = page.getByRole('button', { name: /Generate/ });
  const g = (await generate.boundingBox())!;
  expect(g.y + g.height).toBeLessThanOrEqual(900);
  // In view without scrolling the column.
  expect(await setup.evaluate((el) => el.scrollTop)).toBe(0);

  // Only the twin, a typed prompt.
  await page.getByLabel(tiny.name).uncheck();
  await expect(page.getByLabel(tiny.name)).not.toBeChecked();
  await page.getByLabel('tiny twin with a rather long display name').check();
  await expect(page.getByLabel(tiny.name)).not.toBeChecked();
  await page.getByLabel('Type one').check();
  await page.getByLabel('Playground prompt').fill('Once upon a time');
  await page.getByLabel('Max tokens').fill('24');

  // The first Preview loads the model's tokenizer: held back here so the busy state can be seen.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/rpc/templates.preview', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole('button', { name: 'Preview prompt' }).click();
  const previewing = page.getByRole('status', { name: 'Rendering the prompt' });
  await expect(previewing).toBeVisible();
  await expect(page.getByRole('button', { name: /Preview prompt/ })).toHaveAttribute('aria-busy', 'true');
  await page.screenshot({ path: test.info().outputPath('playground-preview-busy.png') });
  release();
  await expect(page.getByLabel('Rendered prompt')).toContainText('Once upon a time');
  await expect(previewing).toBeHidden();
  await page.unroute('**/rpc/templates.preview');

  await generate.click();
  const output = page.getByRole('article', { name: 'Output of tiny twin with a rather long display name' });
  await expect(output.getByLabel('Generation stats')).toContainText('finish:', { timeout: 60_000 });
  await output.getByRole('button', { name: 'Save for review' }).click();
  const toast = page.getByRole('status').getByText(/^Saved the output of/);
  await expect(toast).toHaveText(/^Saved the output of tiny twin with a rather long display name for review/);
  await expect(toast).not.toContainText(tiny.name);
  await expect(page.getByRole('article')).toHaveCount(1);
  // The rendered prompt stays after Generate: it is what the output was made from.
  await expect(page.getByLabel('Rendered prompt')).toContainText('Once upon a time');
  await page.screenshot({ path: test.info().outputPath('playground-after.png') });

  // Both models, then the twin unticked: its old output goes with it, the other one's stays.
  await page.getByRole('checkbox', { name: tiny.name }).check();
  await generate.click();
  const tinyOutput = page.getByRole('article', { name: `Output of ${tiny.name}` });
  await expect(tinyOutput.getByLabel('Generation stats')).toContainText('finish:', { timeout: 60_000 });
  await expect(output.getByLabel('Generation stats')).toContainText('finish:', { timeout: 60_000 });
  await page.getByRole('checkbox', { name: 'tiny twin with a rather long display name' }).uncheck();
  await expect(output).toHaveCount(0);
  await expect(tinyOutput).toBeVisible();
  await expect(page.getByLabel('Rendered prompt')).toBeVisible();
});
