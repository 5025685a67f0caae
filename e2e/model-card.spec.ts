import fs from 'node:fs';
import path from 'node:path';
import { expect, rpc, signInAs, test, writeFile } from './fixtures';

/**
 * The model card in the Export view, over real outputs of the shipped sample model (llama.cpp) and
 * an imported baseline: reviews with a failure tag and think-aloud steps, and pairwise labels. The
 * card is previewed (metadata as text, the body rendered), a mistyped license is refused in place,
 * the license and intended use are kept in the model's settings, and the written README.md is the
 * previewed card byte for byte.
 */
test('Export view: a model card for the sample model, previewed, kept in its settings, written', async ({ page, assay }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(assay.loginUrl);

  const questions = ['What is 2 plus 2?', 'What is seven plus 5?', 'Count to three:'];
  const file = writeFile(assay.dir, 'baseline.jsonl', questions.map((q, i) => JSON.stringify({ id: `q${i}`, prompt: q, completion: `Baseline answer ${i}.`, model: 'baseline' })).join('\n'));
  await rpc(page, 'datasets.import', { importId: 'e2e-card', source: { kind: 'path', path: file }, format: 'completions' });
  const { model } = await rpc<{ model: { id: number; name: string } }>(page, 'models.addSampleModel', {});
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'card',
    spec: { prompts: { ids: ['q0', 'q1', 'q2'] }, modelIds: [model.id], samplesPerPrompt: 1, sampling: { maxTokens: 16, seed: 7, temperature: 0.2 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');

  const sme = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Sam', role: 'sme' });
  await signInAs(page, sme.id);
  const queue = await rpc<{ items: { generationId: number; modelName: string }[] }>(page, 'review.queue', { reviewerId: sme.id, status: 'all', limit: 10 });
  const mine = queue.items.filter((q) => q.modelName === model.name).map((q) => q.generationId);
  expect(mine).toHaveLength(3);
  const [cls] = await rpc<{ id: number; name: string }[]>(page, 'taxonomy.list', {});
  const tagged = await rpc<{ tags: { id: number }[] }>(page, 'review.addTag', { generationId: mine[1]!, reviewerId: sme.id, classId: cls!.id });
  await rpc(page, 'review.saveStep', { generationId: mine[1]!, reviewerId: sme.id, body: 'Seven plus 5 is 12; it told a story instead.', tagId: tagged.tags[0]!.id });
  await rpc(page, 'review.save', { generationId: mine[1]!, reviewerId: sme.id, verdict: 'bad', submit: true });
  await rpc(page, 'review.save', { generationId: mine[0]!, reviewerId: sme.id, verdict: 'acceptable', submit: true });
  await rpc(page, 'comparisons.createTasks', { prompts: { query: '', tags: [] }, kind: 'pair' });
  const tasks = await rpc<{ items: { taskId: number }[] }>(page, 'comparisons.queue', { reviewerId: sme.id, status: 'all', kind: 'pair' });
  for (const t of tasks.items) await rpc(page, 'comparisons.label', { taskId: t.taskId, reviewerId: sme.id, choice: 'tie' });

  await page.getByRole('tab', { name: 'Export' }).click();
  const form = page.getByRole('form', { name: 'Export options' });
  await form.getByLabel('Format').selectOption('model-card');
  // Only the card's own fields: no row filters, no split, no dataset license.
  await expect(form.getByRole('group', { name: 'Filters' })).toHaveCount(0);
  await expect(form.getByLabel('License (dataset card)')).toHaveCount(0);
  await expect(page.getByLabel('Output folder')).toHaveValue(path.join(assay.dir, 'e2e-exports', 'model-card'));

  const fields = form.getByRole('group', { name: 'Model card' });
  // Two models have outputs: without a choice the server says which and what to do.
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('2 models with outputs');

  await fields.getByLabel('Card model').selectOption({ label: model.name });
  await fields.getByLabel('Card license').fill('MIT License');
  await expect(fields).toContainText('A Hugging Face license id');
  await expect(page.getByRole('button', { name: 'Preview', exact: true })).toBeDisabled();
  await fields.getByLabel('Card license').fill('mit');
  await fields.getByLabel('Intended use').fill('Tiny stories for children; not for arithmetic.');
  await page.getByRole('button', { name: 'Preview', exact: true }).click();

  const preview = page.getByLabel('Preview', { exact: true });
  const meta = preview.getByLabel('Card metadata');
  await expect(meta).toContainText('license: "mit"');
  await expect(meta).toContainText('model-index:');
  await expect(meta).toContainText('type: "failure_rate"');
  const body = preview.getByLabel('Model card text');
  await expect(body.getByRole('heading', { name: `Model card: ${model.name}` })).toBeVisible();
  await expect(body).toContainText('Tiny stories for children; not for arithmetic.');
  // 1 of 2 reviewed outputs tagged: 50.0%, Wilson 9.5%–90.5%.
  await expect(body.getByRole('row', { name: new RegExp(`${cls!.name}.*1 2 50\\.0% 9\\.5%–90\\.5%`) })).toBeVisible();
  await expect(body).toContainText('Seven plus 5 is 12; it told a story instead.');
  await expect(body).toContainText('Bradley–Terry rating 1000');
  await page.screenshot({ path: test.info().outputPath('model-card-preview.png'), fullPage: true });

  // Kept in the model's settings: emptied, the fields still give the same card (and so does the CLI).
  await fields.getByRole('button', { name: "Keep these in the model's settings" }).click();
  await expect(fields.getByRole('status')).toContainText(`Saved in ${model.name}'s settings`);
  const settings = (await rpc<{ id: number; settings: { card?: { license?: string; intendedUse?: string } } }[]>(page, 'models.list', {})).find((m) => m.id === model.id)!.settings;
  expect(settings.card).toEqual({ license: 'mit', intendedUse: 'Tiny stories for children; not for arithmetic.' });
  await fields.getByLabel('Card license').fill('');
  await fields.getByLabel('Intended use').fill('');
  await expect(fields.getByLabel('Card license')).toHaveAttribute('placeholder', "the model's: mit");

  const out = path.join(assay.dir, 'card out');
  await page.getByLabel('Output folder').fill(out);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const result = page.getByRole('status', { name: 'Export result' });
  await expect(result).toContainText('Wrote the model card');
  expect(fs.readdirSync(out)).toEqual(['README.md']);
  const written = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  const again = await rpc<{ card: string }>(page, 'datasets.previewExport', {
    exportId: 'e2e-card-preview',
    options: { format: 'model-card', license: 'mit', modelCard: { modelId: model.id, intendedUse: 'Tiny stories for children; not for arithmetic.' } },
  });
  expect(written).toBe(again.card);
  expect(written).toContain('\nlicense: "mit"\n');
  await page.screenshot({ path: test.info().outputPath('model-card-done.png') });
  expect(errors).toEqual([]);
});
