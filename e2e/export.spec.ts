import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, rpc, test } from './fixtures';

/** Uploads text as a file the way the import dialog does, then imports it (HH-RLHF by default). */
async function importHh(page: Page, lines: object[], format = 'hh-rlhf'): Promise<void> {
  const body = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  const uploadId = await page.evaluate(async (text) => {
    const response = await fetch('/upload', { method: 'POST', body: text });
    return ((await response.json()) as { value: { uploadId: string } }).value.uploadId;
  }, body);
  await rpc(page, 'datasets.import', { importId: `e2e-${format}`, source: { kind: 'upload', uploadId, fileName: `${format}.jsonl` }, format });
}

test('Export view: preview with counts and rows, export to a folder on the server, download, grouped split', async ({ page, assay }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(assay.loginUrl);
  const pairs = Array.from({ length: 12 }, (_, i) => ({
    chosen: `\n\nHuman: Question ${i}?\n\nAssistant: Right answer ${i}.`,
    rejected: `\n\nHuman: Question ${i}?\n\nAssistant: Wrong answer ${i}.`,
  }));
  await importHh(page, pairs);

  await page.getByRole('tab', { name: 'Export' }).click();
  const form = page.getByRole('form', { name: 'Export options' });
  await expect(form.getByLabel('Format')).toHaveValue('trl');
  // The folder defaults to one beside the workspace.
  await expect(page.getByLabel('Output folder')).toHaveValue(path.join(assay.dir, 'e2e-exports', 'trl'));

  await form.getByLabel('Train/test split, grouped by prompt').check();
  await form.getByLabel('Test share').fill('0.3');
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  const preview = page.getByLabel('Preview', { exact: true });
  await expect(preview).toContainText('columns prompt, chosen, rejected, margin');
  await expect(preview.locator('pre').first()).toContainText('Right answer');
  await page.screenshot({ path: test.info().outputPath('export-preview.png'), fullPage: true });
  const counts = await preview.locator('p strong').allTextContents();
  expect(counts.map((c) => parseInt(c, 10)).reduce((a, b) => a + b, 0)).toBe(12);

  const out = path.join(assay.dir, 'my export');
  await page.getByLabel('Output folder').fill(out);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const result = page.getByRole('status', { name: 'Export result' });
  await expect(result).toContainText('Exported');
  await expect(result).toContainText(path.join(out, 'train.jsonl'));
  expect(fs.readdirSync(out).sort()).toEqual(['README.md', 'test.jsonl', 'train.jsonl']);
  const rows = ['train.jsonl', 'test.jsonl'].flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').trim().split('\n').filter(Boolean));
  expect(rows).toHaveLength(12);
  expect(JSON.parse(rows[0]!)).toEqual({ prompt: expect.stringMatching(/^Question \d+\?$/), chosen: expect.stringMatching(/^ ?Right answer/), rejected: expect.stringMatching(/^ ?Wrong answer/), margin: 0 });

  await page.screenshot({ path: test.info().outputPath('export-done.png') });
  // Browser mode: the written files can be downloaded too.
  const download = page.waitForEvent('download');
  await result.getByRole('link', { name: 'download' }).first().click();
  const file = await (await download).path();
  expect(fs.readFileSync(file)).toEqual(fs.readFileSync(path.join(out, 'train.jsonl')));

  // Another format, another preview: HH transcripts. The TRL result does not stay on screen as if it were this one's.
  await form.getByLabel('Format').selectOption('hh');
  await expect(result).toHaveCount(0);
  await expect(form.getByRole('group', { name: 'Policies' })).toBeVisible();
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await expect(preview.locator('pre').first()).toContainText('Human: Question');
  // Failure classes have no policies: no empty Policies box; and the preview of HH goes.
  await form.getByLabel('Format').selectOption('failures');
  await expect(preview).toHaveCount(0);
  await expect(form.getByRole('group', { name: 'Policies' })).toHaveCount(0);
  await expect(form.getByRole('group', { name: 'Filters' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('export-failures.png') });

  // A backup of the whole workspace, beside it, that opens as a workspace with the same labels.
  const backup = page.getByRole('region', { name: 'Workspace backup' });
  await backup.getByRole('button', { name: 'Back up now' }).click();
  await expect(backup.getByRole('status')).toContainText(/Saved .*e2e-backups.*\.assay \(\d+\.\d MB, checked\)/);
  const copies = fs.readdirSync(path.join(assay.dir, 'e2e-backups'));
  expect(copies).toHaveLength(1);
  const { default: Database } = await import('better-sqlite3');
  const copy = new Database(path.join(assay.dir, 'e2e-backups', copies[0]!), { readonly: true });
  expect(copy.prepare('SELECT count(*) FROM comparison_labels').pluck().get()).toBe(12);
  copy.close();
  // A path of one's own (relative to the workspace folder); the same path again is refused.
  await backup.getByLabel('Backup file').fill('copies/named.assay');
  await backup.getByRole('button', { name: 'Back up now' }).click();
  await expect(backup.getByRole('status')).toContainText(path.join(assay.dir, 'copies', 'named.assay'));
  expect(fs.existsSync(path.join(assay.dir, 'copies', 'named.assay'))).toBe(true);
  await backup.getByRole('button', { name: 'Back up now' }).click();
  await expect(backup.getByRole('alert')).toContainText('named.assay already exists. Choose another file name');
  expect(errors).toEqual([]);
});

test.describe('at 1400×900', () => {
  test.use({ viewport: { width: 1400, height: 900 } });

  test('multi-turn prompts: the style is chosen from them and said; what is left out is listed with reasons and examples; plurals; the view uses the width', async ({ page, assay }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(assay.loginUrl);
    const turns = (...t: string[]) => t.map((s, i) => (i % 2 === 0 ? `\n\nHuman: ${s}` : `\n\nAssistant: ${s}`)).join('');
    // HH-RLHF as published: mostly multi-turn (7 of 10 here).
    await importHh(page, [
      ...Array.from({ length: 7 }, (_, i) => ({ chosen: turns(`Hi ${i}`, 'Hello!', `Tell me about ${i}.`, `${i} is a number.`), rejected: turns(`Hi ${i}`, 'Hello!', `Tell me about ${i}.`, 'No.') })),
      ...Array.from({ length: 3 }, (_, i) => ({ chosen: turns(`What is ${i}+1?`, `${i + 1}`), rejected: turns(`What is ${i}+1?`, 'seven') })),
    ]);
    // Arena battles, single-turn: one win, two ties (not pairs).
    const battle = (q: string, winner: string) => ({
      model_a: 'alpha',
      model_b: 'beta',
      winner,
      conversation_a: [{ role: 'user', content: q }, { role: 'assistant', content: 'left' }],
      conversation_b: [{ role: 'user', content: q }, { role: 'assistant', content: 'right' }],
    });
    await importHh(page, [battle('Capital of France?', 'model_a'), battle('A tie?', 'tie'), battle('Another tie?', 'tie')], 'arena');

    await page.getByRole('tab', { name: 'Export' }).click();
    const form = page.getByRole('form', { name: 'Export options' });
    await expect(form.getByLabel('Style')).toHaveValue('default');
    await expect(form.getByLabel('Style').locator('option:checked')).toHaveText('Automatic (from the prompts)');

    // Layout: the view takes the window, and every option is above the fold beside the preview.
    const view = (await page.locator('.export-view').boundingBox())!;
    expect(view.width).toBeGreaterThanOrEqual(1390);
    const license = (await form.getByLabel('License (dataset card)').boundingBox())!;
    expect(license.y + license.height).toBeLessThanOrEqual(900);
    const side = (await page.getByRole('region', { name: 'Export preview and result' }).boundingBox())!;
    expect(side.width).toBeGreaterThanOrEqual(560);
    expect(side.x).toBeGreaterThan(license.x + license.width);

    const previewButton = page.getByRole('button', { name: 'Preview', exact: true });
    await previewButton.click();
    const preview = page.getByLabel('Preview', { exact: true });
    await expect(preview.locator('p strong')).toHaveText('11 train rows');
    await expect(preview.getByLabel('Prompt style')).toContainText(
      /Conversational \(message lists\), chosen from the data: 7 of 11 rows have a prompt with several turns or a system message \(first: prompt \S+\)/,
    );
    const leftOut = preview.getByRole('table', { name: 'Left out' });
    await expect(leftOut.locator('caption')).toHaveText('Left out: 2 labels, by reason');
    const tie = leftOut.getByRole('row').filter({ hasText: 'tie (not a pair)' });
    await expect(tie.getByRole('cell').nth(1)).toHaveText('2');
    await expect(tie.getByRole('cell').nth(2)).toHaveText(/^cmp-\d+ \(prompt \S+\)cmp-\d+ \(prompt \S+\)$/);
    await expect(preview.locator('pre').first()).toContainText('"role": "user"');
    await page.screenshot({ path: test.info().outputPath('export-1400-auto.png') });

    // Only the single-turn prompts: standard strings, and "1 train row".
    await form.getByLabel('Prompt tags (any of, comma-separated)').fill('arena');
    await previewButton.click();
    await expect(preview.locator('p strong')).toHaveText('1 train row');
    await expect(preview.getByLabel('Prompt style')).toHaveText('Standard (strings), chosen from the data: every selected prompt is a single user turn.');
    await expect(preview.getByRole('heading', { name: 'First 1 train row' })).toBeVisible();

    // Standard asked for on purpose: it wins, and says which rows it leaves out and why.
    await form.getByLabel('Prompt tags (any of, comma-separated)').fill('');
    await form.getByLabel('Style').selectOption('standard');
    await previewButton.click();
    await expect(preview.locator('p strong')).toHaveText('4 train rows');
    await expect(preview.getByLabel('Prompt style')).toHaveText(
      'Standard (strings), as asked: 7 rows with a prompt of several turns or a system message were left out (the conversational style keeps them).',
    );
    const multi = leftOut.getByRole('row').filter({ hasText: 'a multi-turn or system prompt in standard style' });
    await expect(multi.getByRole('cell').nth(1)).toHaveText('7');
    await expect(multi.getByRole('cell').nth(2).locator('span')).toHaveCount(3);
    await expect(leftOut.locator('caption')).toHaveText('Left out: 9 labels, by reason');
    // Most first: the multi-turn reason (7) above the ties (2).
    await expect(leftOut.getByRole('row').nth(1)).toContainText('a multi-turn or system prompt');

    // Written: the summary says the same, and the file holds what it says.
    await form.getByLabel('Style').selectOption('default');
    const out = path.join(assay.dir, 'hh-export');
    await page.getByLabel('Output folder').fill(out);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const result = page.getByRole('status', { name: 'Export result' });
    await expect(result).toContainText('Exported 11 train rows');
    await expect(result).toContainText('11 rows');
    await expect(result.getByLabel('Prompt style')).toContainText('chosen from the data: 7 of 11 rows');
    await expect(result.getByRole('table', { name: 'Left out' }).getByRole('row').filter({ hasText: 'tie (not a pair)' })).toContainText('2');
    const rows = fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: unknown[] });
    expect(rows).toHaveLength(11);
    expect(rows.filter((r) => Array.isArray(r.prompt) && r.prompt.length === 3)).toHaveLength(7);
    await page.screenshot({ path: test.info().outputPath('export-1400-done.png') });
    expect(errors).toEqual([]);
  });
});
