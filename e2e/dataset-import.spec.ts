import path from 'node:path';
import zlib from 'node:zlib';
import { parquetOf, SAMPLES } from '../test/support/import-samples';
import { expect, test, writeFile } from './fixtures';

const hh = (human: string, chosen: string, rejected: string) =>
  JSON.stringify({ chosen: `\n\nHuman: ${human}\n\nAssistant: ${chosen}`, rejected: `\n\nHuman: ${human}\n\nAssistant: ${rejected}` });

const battle = (winner: string) =>
  JSON.stringify({
    model_a: 'gpt-4',
    model_b: 'vicuna-13b',
    winner,
    conversation_a: [
      { role: 'user', content: 'Name a prime.' },
      { role: 'assistant', content: '7' },
    ],
    conversation_b: [
      { role: 'user', content: 'Name a prime.' },
      { role: 'assistant', content: '9' },
    ],
  });

test('imports HH-RLHF pairs from the Import dialog (format detected), and names the line of a bad Arena file', async ({ page, assay }) => {
  await page.goto(assay.loginUrl);
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog');

  await page.getByLabel('File to import').setInputFiles(writeFile(assay.dir, 'pairs.jsonl', [hh('What is 2+2?', '4.', '5.'), hh('Say hi', 'Hi!', 'No.')].join('\n') + '\n'));
  await expect(dialog.getByLabel('Format')).toContainText('Detected: Anthropic HH-RLHF');
  await dialog.getByLabel('Model name').fill('claude-v1');
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const report = dialog.getByRole('status');
  await expect(report).toContainText('2 imported');
  await expect(report).toContainText('New: 2 prompts, 4 generations, 1 model, 2 comparisons, 2 labels by hh-rlhf import');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('option')).toHaveCount(2);

  // "hh-rlhf import" wrote those labels, but it is no person: neither the switcher nor "Who is reviewing?"
  // offers it; Export still lists its labels, as imported ones.
  await page.reload();
  await page.locator('.reviewer-button').click();
  const menu = page.getByRole('menu', { name: 'Switch reviewer' });
  await expect(menu.getByRole('menuitemradio')).not.toHaveCount(0);
  await expect(menu.getByRole('menuitemradio', { name: /hh-rlhf import/ })).toHaveCount(0);
  await page.keyboard.press('Escape');
  // Asked afresh (this page forgets who it was); answered here, not by the fixture.
  const who = page.getByRole('dialog', { name: 'Who is reviewing?' });
  await page.removeLocatorHandler(who);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await expect(who.getByRole('list', { name: 'Reviewers' }).getByRole('listitem')).not.toHaveCount(0);
  await expect(who.getByRole('list', { name: 'Reviewers' })).not.toContainText('hh-rlhf import');
  await who.getByRole('list', { name: 'Reviewers' }).getByRole('button').first().click();
  await expect(who).toBeHidden();
  await page.getByRole('tab', { name: 'Export' }).click();
  await expect(page.getByRole('group', { name: 'Reviewers' })).toContainText('hh-rlhf import (imported labels)');
  await page.getByRole('tab', { name: 'Prompts' }).click();

  await page.getByRole('button', { name: 'Import…' }).click();
  await page.getByLabel('File to import').setInputFiles(writeFile(assay.dir, 'battles.jsonl', [battle('model_a'), battle('model_c')].join('\n') + '\n'));
  await expect(dialog.getByLabel('Format')).toContainText('Detected: Chatbot Arena battles');
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('Line 2');
  await expect(alert).toContainText("field 'winner'");
  await expect(alert).toContainText('Nothing from this file was imported');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByRole('option')).toHaveCount(2);

  // Chosen and rejected come from one imported model: labels, but nothing to rank models by, and the
  // leaderboard says so instead of "no comparisons yet".
  await page.getByRole('tab', { name: 'Leaderboard' }).click();
  await expect(page.getByRole('heading', { name: 'No comparisons between models yet' })).toBeVisible();
  await expect(page.getByText('0 comparisons · 2 labels')).toBeVisible();
  await page.getByRole('button', { name: 'Go to Compare' }).click();
  await expect(page.getByRole('tab', { name: 'Compare' })).toHaveAttribute('aria-selected', 'true');
});

test('imports a .jsonl.gz and a Parquet file (told by their bytes), and lists the pairs it left out by line', async ({ page, assay }) => {
  const H = '\n\nHuman: ';
  const A = '\n\nAssistant: ';
  const rows = [
    { chosen: `${H}What is 2+2?${A}4.`, rejected: `${H}What is 2+2?${A}5.` },
    // Differs before the last "\n\nAssistant:": chosen goes on for another exchange.
    { chosen: `${H}Hi${A}Hello!${H}Name a moon.${A}Europa.${H}Another?${A}Io.`, rejected: `${H}Hi${A}Hello!${H}Name a moon.${A}Mars.` },
    // No shared prompt, and identical sides: left out.
    { chosen: `${H}Tell me a joke${A}Why…`, rejected: `${H}Tell me a story${A}Once…` },
    { chosen: `${H}Same?${A}Yes.`, rejected: `${H}Same?${A}Yes.` },
  ];
  await page.goto(assay.loginUrl);
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog');
  await page.getByLabel('File to import').setInputFiles(writeFile(assay.dir, 'train.jsonl.gz', zlib.gzipSync(rows.map((r) => JSON.stringify(r)).join('\n') + '\n')));
  await expect(dialog.getByLabel('Format')).toContainText('Detected: Anthropic HH-RLHF');
  await expect(dialog.getByText('A gzip-compressed file.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const report = dialog.getByRole('status');
  await expect(report).toContainText('2 imported');
  await expect(report).toContainText('Left out 2 records');
  await report.getByText(/Which ones/).click();
  const list = report.getByRole('list', { name: 'Left-out records' });
  await expect(list.getByRole('listitem')).toHaveText([
    'Line 3: chosen and rejected differ before their first "\\n\\nAssistant:" (no shared prompt)',
    'Line 4: chosen and rejected are identical',
  ]);
  await page.screenshot({ path: test.info().outputPath('import-left-out.png') });
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('option')).toHaveCount(2);

  // Parquet with nested conversation columns, named without an extension: detected from its columns.
  await page.getByRole('button', { name: 'Import…' }).click();
  const battles = SAMPLES.arena;
  await page.getByLabel('File to import').setInputFiles(writeFile(assay.dir, 'train-00000-of-00001', parquetOf('arena', battles)));
  await expect(dialog.getByLabel('Format')).toContainText('Detected: Chatbot Arena battles');
  await expect(dialog.getByText('A Parquet file.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByRole('status')).toContainText('2 imported');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('option')).toHaveCount(4);

  // A .zst made by the zstd CLI: detected inside the Zstandard stream (fzstd in the page).
  await page.getByRole('button', { name: 'Import…' }).click();
  await page.getByLabel('File to import').setInputFiles(path.resolve('test', 'fixtures', 'hh-rlhf-sample.jsonl.zst'));
  await expect(dialog.getByLabel('Format')).toContainText('Detected: Anthropic HH-RLHF');
  await expect(dialog.getByText('A Zstandard-compressed file.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();

  // A bad Parquet row is named as a row, and nothing lands.
  await page.getByRole('button', { name: 'Import…' }).click();
  await page.getByLabel('File to import').setInputFiles(writeFile(assay.dir, 'bad.parquet', parquetOf('arena', [{ ...battles[0]!, question_id: 'q9', winner: 'model_c' }])));
  await expect(dialog.getByLabel('Format')).toContainText('Detected: Chatbot Arena battles');
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('Row 1');
  await expect(alert).toContainText("field 'winner'");
  await page.screenshot({ path: test.info().outputPath('import-parquet-row-error.png') });
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByRole('option')).toHaveCount(4);
});
