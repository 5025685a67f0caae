import { expect, rpc, test, writeFile } from './fixtures';

test('a sweep runs a suite on two models at 0 and 1 shots and shows its results per model × shots', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const rows = Array.from({ length: 4 }, (_, i) => JSON.stringify({ id: `s${i}`, prompt: `What is ${i} plus ${i}?`, tags: ['suite:arith'] }));
  const file = writeFile(assay.dir, 'suite.jsonl', [...rows, JSON.stringify({ id: 'other', prompt: 'Not in the suite' })].join('\n'));
  await page.goto(assay.loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-sweep', source: { kind: 'path', path: file } });
  const model = await rpc<{ modelPath: string }>(page, 'models.addTestModel', {});
  await rpc(page, 'models.add', { kind: 'llama', name: 'second checkpoint', modelPath: model.modelPath, settings: { concurrency: 1, threads: 1 } });
  await rpc(page, 'templates.save', { name: 'sum', instruction: 'Answer with the number.', demonstrations: [{ input: 'What is 10 plus 20?', output: '30' }, { input: 'What is 5 plus 6?', output: '11' }] });

  await page.getByRole('tab', { name: 'Batch' }).click();
  await page.getByRole('button', { name: 'Sweep', exact: true }).click();
  const form = page.getByRole('region', { name: 'New sweep' });
  await form.getByLabel('Sweep name').fill('arith sweep');
  await form.getByLabel('Sweep suite').selectOption('arith');
  await expect(form.getByLabel('Sweep prompts')).toHaveText('4 prompt(s) match');
  await form.getByLabel(/tiny test model/).check();
  await form.getByLabel(/second checkpoint/).check();
  await form.getByLabel(/^sum/).check();
  await form.getByLabel('k-shot (every demonstration)').uncheck();
  await form.getByLabel('Max tokens').fill('4');
  await page.screenshot({ path: test.info().outputPath('sweep-form.png') });
  await form.getByRole('button', { name: 'Start sweep of 16 generations (2 arms)' }).click();

  const job = page.getByRole('region', { name: 'Job arith sweep' });
  await expect(job.getByLabel('Sweep settings')).toContainText('Sweep of suite arith · 2 models × 2 arms (shots 0, 1)');
  await expect(job.getByLabel('Job counts')).toContainText('16 done of 16', { timeout: 60_000 });
  await job.getByRole('button', { name: 'Results' }).click();
  const table = job.getByRole('table', { name: 'Results of arith sweep' });
  await expect(table.getByRole('row')).toHaveCount(5);
  await expect(table.getByRole('row').nth(1)).toContainText('tiny test model');
  await expect(table.getByRole('row').nth(1)).toContainText('4 / 4');
  await expect(table.getByRole('row').nth(2)).toContainText('sum');
  await page.screenshot({ path: test.info().outputPath('sweep-results.png') });
});
