import type { Page } from '@playwright/test';
import { expect, test, writeFile } from './fixtures';

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
