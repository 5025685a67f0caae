import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, rpc, test } from './fixtures';

/** Uploads text as a file the way the import dialog does, then imports it as HH-RLHF. */
async function importHh(page: Page, lines: object[]): Promise<void> {
  const body = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  const uploadId = await page.evaluate(async (text) => {
    const response = await fetch('/upload', { method: 'POST', body: text });
    return ((await response.json()) as { value: { uploadId: string } }).value.uploadId;
  }, body);
  await rpc(page, 'datasets.import', { importId: 'e2e-hh', source: { kind: 'upload', uploadId, fileName: 'hh.jsonl' }, format: 'hh-rlhf' });
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
  expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(12);

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

  // Another format, another preview: HH transcripts.
  await form.getByLabel('Format').selectOption('hh');
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await expect(preview.locator('pre').first()).toContainText('Human: Question');

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
