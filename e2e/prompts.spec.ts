import zlib from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { listOfStrings, str } from '../test/support/import-samples';
import { expect, pressKey, rpc, test, writeFile } from './fixtures';

const GOOD = [
  { id: 'arith-1', prompt: 'What is seven plus 5?', reference: '12', tags: ['arithmetic'] },
  { id: 'law-1', prompt: 'Is a verbal contract binding?', tags: ['law'] },
  { id: 'chat-1', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Explain entropy to a physician.' }] },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

test('import, search, open, edit, delete and undo', async ({ page, assay }) => {
  const file = writeFile(assay.dir, 'prompts.jsonl', GOOD);
  await page.goto(assay.loginUrl);
  // The token moved into a cookie and out of the address bar.
  await expect(page).not.toHaveURL(/token=/);
  await expect(page.getByRole('heading', { name: 'No prompts yet' })).toBeVisible();

  await page.getByRole('button', { name: 'Import…' }).click();
  await page.getByLabel('File to import').setInputFiles(file);
  await page.getByRole('dialog').getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('dialog').getByRole('status')).toContainText('3 imported');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('option')).toHaveCount(3);

  // Full-text search, prefix match, inside a conversation too.
  await page.getByLabel('Search prompts').fill('entro');
  await expect(page.getByRole('option')).toHaveCount(1);
  await page.getByRole('option').first().click();
  await expect(page.getByRole('article', { name: 'Prompt chat-1' })).toContainText('Explain entropy to a physician.');

  await page.getByLabel('Search prompts').fill('');
  await page.getByRole('button', { name: /arithmetic/ }).click();
  await expect(page.getByRole('option')).toHaveCount(1);
  await page.getByRole('option').first().click();
  const detail = page.getByRole('article', { name: 'Prompt arith-1' });
  await expect(detail).toContainText('What is seven plus 5?');

  await detail.getByRole('button', { name: /Edit/ }).click();
  await page.getByLabel('Prompt text').fill('What is seven plus five?');
  await page.getByRole('button', { name: /Save/ }).click();
  await expect(page.getByRole('article', { name: 'Prompt arith-1' })).toContainText('What is seven plus five?');

  await page.getByRole('button', { name: /arithmetic/ }).click(); // filter off
  await expect(page.getByRole('option')).toHaveCount(3);
  await page.getByRole('article', { name: 'Prompt arith-1' }).getByRole('button', { name: /Delete/ }).click();
  await expect(page.getByRole('option')).toHaveCount(2);
  await expect(page.locator('[data-prompt-id="arith-1"]')).toHaveCount(0);
  await expect(page.getByRole('status').getByText('Deleted arith-1.')).toBeVisible();

  await pressKey(page, 'Control+z');
  await expect(page.getByRole('option')).toHaveCount(3);
  await page.locator('[data-prompt-id="arith-1"]').click();
  // The undo restored the edited text and the tag.
  await expect(page.getByRole('article', { name: 'Prompt arith-1' })).toContainText('What is seven plus five?');
  await expect(page.getByRole('article', { name: 'Prompt arith-1' })).toContainText('arithmetic');
});

test('a bad line names its number and nothing from the file is imported', async ({ page, assay }) => {
  const bad = [JSON.stringify({ prompt: 'fine one' }), JSON.stringify({ prompt: 'fine two' }), '{"prompt": "broken", }', JSON.stringify({ prompt: 'never' })].join('\n');
  const file = writeFile(assay.dir, 'broken.jsonl', bad);
  await page.goto(assay.loginUrl);
  await page.getByRole('button', { name: 'Import…' }).click();
  await page.getByLabel('File to import').setInputFiles(file);
  await page.getByRole('dialog').getByRole('button', { name: 'Import', exact: true }).click();
  const alert = page.getByRole('dialog').getByRole('alert');
  await expect(alert).toContainText('Line 3');
  await expect(alert).toContainText('broken.jsonl');
  await expect(alert).toContainText('Nothing from this file was imported');
  await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'No prompts yet' })).toBeVisible();
});

test('a .jsonl.gz prompt file imports from the dialog (packing told by its bytes); a bad Parquet row is named as a row', async ({ page, assay }) => {
  await page.goto(assay.loginUrl);
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog');
  await page.getByLabel('File to import').setInputFiles(writeFile(assay.dir, 'prompts.jsonl.gz', zlib.gzipSync(`${GOOD}\n`)));
  await expect(dialog.getByLabel('Format')).toContainText('Detected: Prompts (JSONL)');
  await expect(dialog.getByText('A gzip-compressed file.')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('prompts-gz-detected.png') });
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByRole('status')).toContainText('3 imported');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('option')).toHaveCount(3);

  const parquet = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: ['pq-1', 'pq-2'] },
      { name: 'prompt', data: ['A fine prompt', ''] },
      { name: 'tags', data: [['a'], []] },
    ] as never,
    schema: [{ name: 'root', num_children: 3 }, str('id'), str('prompt'), ...listOfStrings('tags')],
  });
  await page.getByRole('button', { name: 'Import…' }).click();
  await page.getByLabel('File to import').setInputFiles(writeFile(assay.dir, 'prompts.parquet', Buffer.from(parquet)));
  await expect(dialog.getByLabel('Format')).toContainText('Detected: Prompts (JSONL)');
  await expect(dialog.getByText('A Parquet file.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('Row 2');
  await expect(alert).toContainText("field 'prompt': the prompt is empty");
  await page.screenshot({ path: test.info().outputPath('prompts-parquet-row-error.png') });
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByRole('option')).toHaveCount(3);
});

test('add a prompt by hand with the keyboard', async ({ page, assay }) => {
  await page.goto(assay.loginUrl);
  await expect(page.getByRole('heading', { name: 'No prompts yet' })).toBeVisible();
  // pressKey waits until the first-start dialog has been answered, or `n` goes to the dialog.
  await pressKey(page, 'n');
  await page.getByLabel('Prompt text').fill('Does the dosage scale with body weight?');
  await page.getByLabel('Tags').fill('medicine, dosage');
  await page.keyboard.press('Control+s');
  await expect(page.getByRole('option')).toHaveCount(1);
  await expect(page.getByRole('article')).toContainText('Does the dosage scale with body weight?');
  await expect(page.getByRole('button', { name: /medicine/ })).toBeVisible();
});

test('a long import shows in the top bar; a prompt added meanwhile waits for it and lands', async ({ page, assay }) => {
  const rows: string[] = [];
  for (let i = 0; i < 120_000; i++) rows.push(JSON.stringify({ id: `bulk-${i}`, prompt: `Bulk prompt ${i}: explain the dosage of drug ${i % 97} to a physician.`, tags: ['bulk'] }));
  const file = writeFile(assay.dir, 'bulk.jsonl', rows.join('\n') + '\n');
  await page.goto(assay.loginUrl);
  await page.getByRole('button', { name: 'Import…' }).click();
  await page.getByLabel('File to import').setInputFiles(file);
  await page.getByRole('dialog').getByRole('button', { name: 'Import', exact: true }).click();

  const status = page.locator('.topbar').getByRole('status');
  await expect(status).toContainText(/Importing bulk\.jsonl .* saves wait/);
  // Saved while the import holds the write lock: the call waits for the commit instead of failing.
  const typed = rpc<{ id: string }>(page, 'prompts.create', { id: 'typed-meanwhile', prompt: 'Typed while the bulk file imports.' });
  await expect(page.getByRole('dialog').getByRole('status')).toContainText('120,000 imported', { timeout: 60_000 });
  expect((await typed).id).toBe('typed-meanwhile');
  await expect(status).toHaveCount(0);
  await page.getByRole('button', { name: 'Done' }).click();
  // The count may give way to the tabs in a narrow top bar (e2e/topbar.spec.ts); its text is what this checks.
  await expect(page.locator('.workspace-count')).toHaveText(/120,001 prompts/);
});

test('editing a prompt that has outputs warns first, saves a new version and keeps the old one readable', async ({ page, assay }) => {
  // It runs a generation job first, which takes a while on a loaded two-core machine.
  test.setTimeout(120_000);
  await page.goto(assay.loginUrl);
  await rpc(page, 'prompts.create', { id: 'arith-7', prompt: 'What is seven plus 5?', reference: '12', tags: ['arithmetic'] });
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'two outputs',
    spec: { prompts: { ids: ['arith-7'] }, modelIds: [model.id], samplesPerPrompt: 2, mode: 'raw', sampling: { maxTokens: 8, seed: 7, temperature: 0.8 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');
  await page.reload();

  await page.locator('[data-prompt-id="arith-7"]').click();
  const detail = page.getByRole('article', { name: 'Prompt arith-7' });
  await expect(detail.getByTestId('prompt-version')).toHaveText('version 1 · 2 outputs from this text');

  // Keyboard only: E opens the editor. Tags alone are no new text: no warning, a plain Save.
  await pressKey(page, 'e', detail);
  const editor = page.getByRole('form', { name: 'Edit prompt' });
  await editor.getByLabel('Tags').fill('arithmetic, easy');
  await expect(editor.getByTestId('version-warning')).toHaveCount(0);
  await expect(editor.getByRole('button', { name: /^Save/ })).toHaveText(/^Save Ctrl S$/);

  // New text: the warning says what saving does before it is saved.
  await editor.getByLabel('Prompt text').fill('What is seven plus five?');
  const warning = editor.getByTestId('version-warning');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('2 outputs were made from this text.');
  await expect(warning).toContainText('Saving makes version 2; those outputs keep version 1');
  await expect(editor.getByRole('button', { name: /^Save/ })).toHaveText(/Save as version 2/);
  await page.screenshot({ path: 'test-results/prompt-version-warning.png', fullPage: false });

  // Typing the old text back: nothing changes, the warning goes.
  await editor.getByLabel('Prompt text').fill('What is seven plus 5?');
  await expect(warning).toHaveCount(0);
  await editor.getByLabel('Prompt text').fill('What is seven plus five?');
  await page.keyboard.press('Control+s');

  await expect(detail).toContainText('What is seven plus five?');
  await expect(detail.getByTestId('prompt-version')).toHaveText('version 2 · 0 outputs from this text');
  await expect(page.getByRole('status').getByText('Saved arith-7 as version 2; 2 outputs keep version 1.')).toBeVisible();
  // The old outputs stay on version 1, in the engine and on screen.
  const generations = await rpc<{ items: { promptVersion: number }[] }>(page, 'generations.list', { jobId: job.id });
  expect(generations.items.map((g) => g.promptVersion)).toEqual([1, 1]);
  await detail.getByText('Earlier versions (1)').click();
  const v1 = detail.getByRole('region', { name: 'Version 1' });
  await expect(v1).toContainText('What is seven plus 5?');
  await expect(v1).toContainText('2 outputs');
  await page.screenshot({ path: 'test-results/prompt-versions-detail.png', fullPage: false });

  // Review shows an old output with the text it was made from, and says the prompt changed since.
  await page.getByRole('tab', { name: 'Review', exact: true }).click();
  const item = page.getByTestId('review-item');
  await expect(item.getByTestId('prompt-version-note')).toHaveText(
    'Version 1, the text this output was made from. The prompt was edited since (now version 2).',
  );
  await expect(item.getByRole('region', { name: 'Prompt' })).toContainText('What is seven plus 5?');
  await page.screenshot({ path: 'test-results/prompt-version-review.png', fullPage: false });
  await page.getByRole('tab', { name: 'Prompts', exact: true }).click();

  // A prompt without outputs says so instead of warning.
  await rpc(page, 'prompts.create', { id: 'law-2', prompt: 'Is a verbal contract binding?' });
  await page.reload();
  await page.locator('[data-prompt-id="law-2"]').click();
  await pressKey(page, 'e', page.getByRole('article', { name: 'Prompt law-2' }));
  await page.getByLabel('Prompt text').fill('Is an oral contract binding?');
  await expect(page.getByTestId('version-note')).toHaveText('No outputs were made from this text yet. Saving makes version 2.');
  await expect(page.getByTestId('version-warning')).toHaveCount(0);
});
