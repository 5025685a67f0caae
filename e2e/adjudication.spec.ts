import fs from 'node:fs';
import path from 'node:path';
import type { AdjudicationItem } from '../contract';
import { expect, rpc, signInAs, test, writeFile } from './fixtures';

test.use({ autoReviewer: false });

/**
 * Two reviewers disagree on a comparison and on a verdict (labels made over HTTP, each signed in as
 * themselves); an engineer adjudicates both in the Adjudication view by keyboard (with an undo on
 * the way), then exports with labels = adjudicated, and the file holds the adjudicated choices.
 */
test('Adjudication: disagreements side by side, final labels by keyboard with undo, export of the adjudicated labels', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(assay.loginUrl);

  const prompt = 'What is 2+2?';
  const file = writeFile(
    assay.dir,
    'adj.jsonl',
    [
      { prompt, completion: '2+2 is 4.', model: 'model-right' },
      { prompt, completion: '2+2 is 5, obviously.', model: 'model-wrong' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  await rpc(page, 'datasets.import', { importId: 'e2e-adj', source: { kind: 'path', path: file }, format: 'completions' });
  const ids: number[] = [];
  for (const [name, role] of [['Ada', 'sme'], ['Bo', 'sme'], ['Eng', 'nlp']] as const) ids.push((await rpc<{ id: number }>(page, 'reviewers.create', { name, role })).id);
  const [adaId, boId, engId] = ids as [number, number, number];
  await rpc(page, 'comparisons.createTasks', { prompts: { query: '', tags: [] }, kind: 'pair' });
  await signInAs(page, adaId);
  const queue = await rpc<{ items: { generationId: number; modelName: string }[] }>(page, 'review.queue', { reviewerId: adaId, status: 'all', limit: 10 });
  const wrong = queue.items.find((q) => q.modelName === 'model-wrong')!.generationId;
  const [{ taskId }] = (await rpc<{ items: { taskId: number }[] }>(page, 'comparisons.queue', { reviewerId: adaId, status: 'all', kind: 'pair' })).items as [{ taskId: number }];
  const [cls] = await rpc<{ id: number; name: string }[]>(page, 'taxonomy.list', {});

  // Ada: A is better; the wrong output is good. Bo: B is better; the wrong output is bad, with a span on "5".
  await rpc(page, 'comparisons.label', { taskId, reviewerId: adaId, choice: 'A', rationale: 'A reads better' });
  await rpc(page, 'review.saveStep', { generationId: wrong, reviewerId: adaId, body: 'Looks confident, so fine.' });
  await rpc(page, 'review.save', { generationId: wrong, reviewerId: adaId, verdict: 'good', submit: true });
  await signInAs(page, boId);
  await rpc(page, 'comparisons.label', { taskId, reviewerId: boId, choice: 'B', rationale: 'B is the one I trust' });
  await rpc(page, 'review.addTag', { generationId: wrong, reviewerId: boId, classId: cls!.id, span: { start: 7, end: 8 }, note: 'not 5' });
  await rpc(page, 'review.save', { generationId: wrong, reviewerId: boId, verdict: 'bad', comment: '2+2 is 4', submit: true });

  // The engineer adjudicates: remembered as the reviewer of this browser, so the page signs in as them.
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, engId] as const);
  await page.reload();
  await signInAs(page, engId);
  const task = await rpc<AdjudicationItem>(page, 'adjudication.item', { kind: 'compare', itemId: taskId, reviewerId: engId });
  const [A, B] = task.outputs.map((o) => o.text) as [string, string];

  await page.keyboard.press('Alt+a');
  const view = page.getByLabel('Adjudication', { exact: true });
  await expect(view.getByTestId('adj-total')).toHaveText('2 to adjudicate · 0 adjudicated');
  const list = view.getByRole('listbox', { name: 'Disagreements' });
  await expect(list.getByRole('option')).toHaveCount(2);
  await expect(list.getByRole('option').first()).toContainText('verdict');
  // The output first: both labels side by side, Ada's think-aloud, Bo's comment and quoted span.
  const detail = view.getByLabel('Disagreement');
  await expect(detail.getByLabel('Label by Ada')).toContainText('good');
  await expect(detail.getByLabel('Label by Ada')).toContainText('Looks confident, so fine.');
  await expect(detail.getByLabel('Label by Bo')).toContainText('bad');
  await expect(detail.getByLabel('Label by Bo')).toContainText('2+2 is 4');
  await expect(detail.getByLabel('Label by Bo').locator('q')).toHaveText('5');
  await page.screenshot({ path: test.info().outputPath('adjudication-view.png'), fullPage: true });

  // The output is shown as the output, with its model (a new user saw only the prompt id); the verdicts in Review's order.
  await expect(detail.getByRole('figure', { name: 'Output' })).toContainText('2+2 is 5, obviously.');
  await expect(detail.getByRole('figure', { name: 'Output' })).toContainText('model-wrong');
  await expect(detail.getByRole('group', { name: 'Verdict' }).getByRole('button')).toHaveText(['bad', 'acceptable', 'good']);

  // 2 takes Bo's label (bad, with his span); R writes the rationale; Esc leaves the box (the keys work
  // again: 1 takes Ada's), R goes back; Shift+Enter is a new line, Enter saves from the field.
  await page.keyboard.press('2');
  await expect(view.getByTestId('adj-final-value')).toContainText('bad');
  const rationale = view.getByLabel('Rationale (R)');
  await page.keyboard.press('r');
  await page.keyboard.type('The answer');
  await page.keyboard.press('Escape');
  await expect(rationale).not.toBeFocused();
  await page.keyboard.press('1');
  await expect(view.getByTestId('adj-final-value')).toContainText('good');
  await page.keyboard.press('2');
  await page.keyboard.press('r');
  await expect(rationale).toBeFocused();
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('is 4.');
  await expect(rationale).toHaveValue('The answer\nis 4.');
  await expect(view.getByTestId('adj-total')).toHaveText('2 to adjudicate · 0 adjudicated');
  await page.keyboard.press('Enter');
  await expect(view.getByTestId('adj-total')).toHaveText('1 to adjudicate · 1 adjudicated');
  // Undo puts it back in the queue.
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(view.getByTestId('adj-total')).toHaveText('2 to adjudicate · 0 adjudicated');
  await expect(list.getByRole('option', { selected: true })).toContainText('verdict');
  await expect(detail.getByLabel('Label by Bo')).toBeVisible();
  await page.keyboard.press('2');
  await page.keyboard.press('Enter');
  await expect(view.getByTestId('adj-total')).toHaveText('1 to adjudicate · 1 adjudicated');

  // The pair: Ada said A, Bo B; the adjudicator picks side B with the B key, Enter saves.
  await expect(list.getByRole('option', { selected: true })).toContainText('pairwise');
  await expect(detail.getByLabel('Label by Ada')).toContainText('A reads better');
  await page.screenshot({ path: test.info().outputPath('adjudication-pair.png'), fullPage: true });
  await page.keyboard.press('b');
  await expect(view.getByTestId('adj-final-value')).toContainText('B is better');
  await page.keyboard.press('Enter');
  await expect(view.getByRole('heading', { name: 'No disagreements in this scope' })).toBeVisible();
  await expect(view.getByTestId('adj-total')).toHaveText('0 to adjudicate · 2 adjudicated');
  await page.screenshot({ path: test.info().outputPath('adjudication-empty.png') });

  // Reviewers' labels are untouched: each still has their own.
  const after = await rpc<AdjudicationItem>(page, 'adjudication.item', { kind: 'compare', itemId: taskId, reviewerId: engId });
  expect(after.labels.map((l) => [l.reviewerName, l.choice])).toEqual([
    ['Ada', 'A'],
    ['Bo', 'B'],
  ]);
  expect(after.adjudication).toMatchObject({ adjudicatorName: 'Eng', label: { type: 'pair', choice: 'B' } });

  // Export KTO from the adjudicated labels: the verdict (bad) and the choice (B) as adjudicated.
  await page.getByRole('tab', { name: 'Export' }).click();
  const form = page.getByRole('form', { name: 'Export options' });
  await form.getByLabel('Format').selectOption('kto');
  await form.getByLabel('Labels').selectOption('adjudicated');
  const out = path.join(assay.dir, 'adjudicated');
  await page.getByLabel('Output folder').fill(out);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const result = page.getByRole('status', { name: 'Export result' });
  await expect(result).toContainText('Exported');
  await expect(result.getByTestId('label-rule')).toContainText('2 adjudicated');
  const rows = fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(rows).toEqual([
    { prompt, completion: '2+2 is 5, obviously.', label: false },
    { prompt, completion: B, label: true },
    { prompt, completion: A, label: false },
  ]);
  expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toContain('- Labels: adjudicated (`labels: adjudicated`)');
  expect(errors).toEqual([]);
});

/**
 * A new user's defects (issue 10): an output of the tiny model (whose raw template puts its BOS token
 * `<s>` in front) showed the raw `<s>` in the prompt, and an item with no final label yet read
 * "— — press a number…". The prompt reads as the review view shows it; the rendered one is folded away.
 */
test('Adjudication: the prompt without special tokens (the rendered one folded away), and no stray separators before a final label', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(assay.loginUrl);
  const file = writeFile(assay.dir, 'bos.jsonl', JSON.stringify({ id: 'bos-1', prompt: 'What is 7 + 5?' }) + '\n');
  await rpc(page, 'prompts.import', { importId: 'e2e-bos', source: { kind: 'path', path: file } });
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'bos',
    spec: { prompts: { ids: ['bos-1'] }, modelIds: [model.id], samplesPerPrompt: 1, sampling: { maxTokens: 8, seed: 3 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');
  const [gen] = (await rpc<{ items: { id: number }[] }>(page, 'generations.list', { jobId: job.id })).items as [{ id: number }];
  const ids: number[] = [];
  for (const [name, role] of [['Ada', 'sme'], ['Bo', 'sme'], ['Eng', 'nlp']] as const) ids.push((await rpc<{ id: number }>(page, 'reviewers.create', { name, role })).id);
  const [adaId, boId, engId] = ids as [number, number, number];
  const [criterion] = await rpc<{ id: number; name: string }[]>(page, 'rubric.list', {});
  await signInAs(page, adaId);
  await rpc(page, 'review.save', { generationId: gen.id, reviewerId: adaId, verdict: 'good', ratings: { [criterion!.id]: 5 }, submit: true });
  await signInAs(page, boId);
  await rpc(page, 'review.save', { generationId: gen.id, reviewerId: boId, verdict: 'bad', ratings: { [criterion!.id]: 2 }, submit: true });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, engId] as const);
  await page.reload();
  await signInAs(page, engId);
  const item = await rpc<AdjudicationItem>(page, 'adjudication.item', { kind: 'review', itemId: gen.id, reviewerId: engId });
  expect(item.renderedPrompt).toMatch(/^<s>/);

  await page.getByRole('tab', { name: 'Adjudication' }).click();
  const detail = page.getByLabel('Disagreement');
  const prompt = detail.getByRole('region', { name: 'Prompt' });
  await expect(prompt).toContainText('What is 7 + 5?');
  expect(await prompt.innerText()).not.toContain('<s>');
  const rendered = prompt.getByText('As the model saw it');
  await rendered.click();
  await expect(prompt.locator('.rendered-prompt')).toHaveText(item.renderedPrompt);
  const final = detail.getByTestId('adj-final-value');
  await expect(final).toHaveText("None yet: press a number to take a reviewer's label.");
  await page.screenshot({ path: test.info().outputPath('adjudication-bos.png'), fullPage: true });
  // The rating is adjudicated too: take Ada's label, then rate the criterion 3 (the button row under the verdicts).
  await page.keyboard.press('1');
  await expect(final).toContainText(`good · ${criterion!.name} 5`);
  await detail.getByRole('group', { name: `Rating: ${criterion!.name}` }).getByRole('button', { name: '3', exact: true }).click();
  await expect(final).toContainText(`good · ${criterion!.name} 3`);
  await page.screenshot({ path: test.info().outputPath('adjudication-rating.png'), fullPage: true });
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'No disagreements in this scope' })).toBeVisible();
  const saved = await rpc<AdjudicationItem>(page, 'adjudication.item', { kind: 'review', itemId: gen.id, reviewerId: engId });
  expect(saved.adjudication?.label).toMatchObject({ type: 'review', verdict: 'good', ratings: [{ criterionId: criterion!.id, value: 3 }] });
  expect(errors).toEqual([]);
});
