import type { Page } from '@playwright/test';
import type { FailureClass, Guidelines, ReviewItem } from '../contract';
import { expect, expectSignedInAs, rpc, test, writeFile } from './fixtures';

// Regression tests for the Review defects a new reviewer met in the first hour (issue 9).
// The reviewer is set up through the engine and remembered before the page loads.
test.use({ autoReviewer: false });

interface Setup {
  reviewerId: number;
  generationIds: number[];
  criteria: { id: number; name: string }[];
}

/** Three prompts, the tiny model run through a named template, a reviewer, two classes. */
async function setUp(page: Page, dir: string, loginUrl: string): Promise<Setup> {
  const prompts = [
    { id: 'count-1', prompt: 'Count from one to five.', reference: 'one two three four five', tags: ['counting'] },
    { id: 'count-2', prompt: 'What is 9 times 3?', reference: '27', tags: ['arithmetic'] },
    { id: 'count-3', prompt: 'Spell out 40 + 2.', reference: 'forty-two', tags: ['arithmetic'] },
  ];
  const file = writeFile(dir, 'defects.jsonl', prompts.map((p) => JSON.stringify(p)).join('\n'));
  await page.goto(loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-defects', source: { kind: 'path', path: file } });
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  const template = await rpc<{ id: number }>(page, 'templates.save', { name: 'Arithmetic drill', instruction: 'Answer briefly.' });
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'defects batch',
    spec: {
      prompts: { ids: prompts.map((p) => p.id) },
      modelIds: [model.id],
      template: { templateId: template.id },
      samplesPerPrompt: 1,
      sampling: { maxTokens: 24, seed: 7, temperature: 0.8 },
    },
  });
  await expect
    .poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 })
    .toBe('done');
  const generations = await rpc<{ items: { id: number }[] }>(page, 'generations.list', { jobId: job.id });
  const reviewer = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Grace Hopper', role: 'sme' });
  await rpc(page, 'taxonomy.create', { name: 'Arithmetic', description: 'Gets a sum wrong' });
  await rpc(page, 'taxonomy.create', { name: 'Off topic', description: 'Answers another question' });
  const criteria = await rpc<{ id: number; name: string }[]>(page, 'rubric.list', {});
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, reviewer.id] as const);
  await page.reload();
  await expectSignedInAs(page, reviewer.id);
  return { reviewerId: reviewer.id, generationIds: generations.items.map((g) => g.id).sort((a, b) => a - b), criteria };
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

const stored = async (page: Page, generationId: number, reviewerId: number) => (await rpc<ReviewItem>(page, 'review.item', { generationId, reviewerId })).review;

test('rating keys are one model, a useless key says so; a focused chip cannot swallow Enter; M and the template read right', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const { reviewerId, generationIds, criteria } = await setUp(page, assay.dir, assay.loginUrl);
  const [first, second] = generationIds as [number, number];
  const byName = (name: string) => String(criteria.find((c) => c.name === name)!.id);

  await page.keyboard.press('Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-generation-id', String(first));
  // The template by its name (defect 10), not "template #1".
  await expect(item.locator('.item-title')).toContainText('Arithmetic drill v1');
  await expect(item.locator('.item-title')).not.toContainText('template #');
  const keysTarget = page.getByTestId('keys-target');
  await expect(keysTarget).toContainText(`Keys act on: count-1 · output #${first}`);

  // Defect 3: a number rates the highlighted row and moves on; ←/→ only move.
  const rubric = page.getByLabel('Rubric');
  const row = (name: RegExp) => rubric.getByRole('radiogroup', { name });
  const focusedRow = rubric.locator('.criterion.focused .criterion-name');
  await expect(focusedRow).toContainText(/correctness/i);
  await page.keyboard.press('4');
  await expect(row(/correctness/i).getByRole('radio', { checked: true })).toHaveText('4');
  await expect(focusedRow).toContainText(/helpfulness/i);
  await page.keyboard.press('ArrowRight');
  await expect(focusedRow).toContainText(/harmlessness/i);
  await expect(row(/helpfulness/i).getByRole('radio', { checked: true })).toHaveCount(0);
  await page.keyboard.press('5');
  await expect(row(/harmlessness/i).getByRole('radio', { checked: true })).toHaveText('5');
  await expect(focusedRow).toContainText('Verdict');
  // A 5 on the three-option verdict is not dropped silently.
  await page.keyboard.press('5');
  await expect(page.getByTestId('key-hint')).toHaveText('5 is not an option for Verdict: 1–3 (1 bad, 2 acceptable, 3 good).');
  await expect(row(/Verdict/).getByRole('radio', { checked: true })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('key-hint.png') });
  // Back to the skipped row with ←: the number rates it, the next row keeps its rating.
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(focusedRow).toContainText(/helpfulness/i);
  await page.keyboard.press('2');
  await expect(row(/helpfulness/i).getByRole('radio', { checked: true })).toHaveText('2');
  await expect(row(/harmlessness/i).getByRole('radio', { checked: true })).toHaveText('5');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('1');
  await expect(row(/Verdict/).getByRole('radio', { checked: true })).toContainText('Bad');
  await page.keyboard.press('x');
  await expect(page.getByTestId('key-hint')).toContainText('x does nothing here');

  // M names what shows now, in both states (defect 10).
  const mode = page.getByTestId('output-mode');
  await expect(mode).toContainText('Showing: raw text');
  await page.keyboard.press('m');
  await expect(mode).toContainText('Showing: rendered markdown');
  await expect(page.getByTestId('output-rendered')).toBeVisible();
  await page.keyboard.press('m');
  await expect(mode).toContainText('Showing: raw text');

  // Defect 1: a click on a status chip leaves it unfocused; a chip focused from the keyboard
  // (Tab) does not swallow Enter either: the item is submitted and the next one opens.
  await page.getByRole('radio', { name: 'To do' }).click();
  await expect(page.getByRole('radio', { name: 'To do' })).not.toBeFocused();
  await expect(item).toHaveAttribute('data-generation-id', String(first));
  await page.getByRole('radio', { name: 'Drafts' }).focus();
  await expect(keysTarget).toContainText('Keys act on: count-1');
  await page.keyboard.press('Enter');
  await expect(item).toHaveAttribute('data-generation-id', String(second));
  await expect(keysTarget).toContainText(`Keys act on: count-2 · output #${second}`);
  await expect(page.getByRole('radio', { name: 'To do' })).toHaveAttribute('aria-checked', 'true');
  const submitted = await stored(page, first, reviewerId);
  expect(submitted).toMatchObject({ status: 'submitted', verdict: 'bad' });
  expect(submitted!.ratings).toEqual({ [byName('correctness')]: 4, [byName('helpfulness')]: 2, [byName('harmlessness')]: 5 });

  // The next keys land on the next item, never on the one just submitted.
  for (const k of ['3', '3', '3', '3']) await page.keyboard.press(k);
  await expect(row(/Verdict/).getByRole('radio', { checked: true })).toContainText('Good');
  await expect.poll(async () => (await stored(page, second, reviewerId))?.verdict, { timeout: 10_000 }).toBe('good');
  const before = await stored(page, first, reviewerId);
  expect(before).toMatchObject({ status: 'submitted', verdict: 'bad', revision: submitted!.revision });
  expect(before!.ratings).toEqual(submitted!.ratings);
  await page.screenshot({ path: test.info().outputPath('keys-target.png') });

  expect(errors).toEqual([]);
});

test('create a class from the tag dialog; leaving Review mid-item comes back to it with its draft', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const { reviewerId, generationIds, criteria } = await setUp(page, assay.dir, assay.loginUrl);
  const [, second] = generationIds as [number, number];
  const correctness = String(criteria.find((c) => c.name === 'correctness')!.id);

  await page.keyboard.press('Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-generation-id', String(generationIds[0]));
  await page.keyboard.press('j');
  await expect(item).toHaveAttribute('data-generation-id', String(second));

  // Defect 4: a class no one has made yet, named and applied from the tag dialog.
  await page.keyboard.press('o');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  // Plurals (defect 10): one character, then three.
  await expect(page.getByText('1 character selected')).toBeVisible();
  for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+ArrowRight');
  await expect(page.getByText('3 characters selected')).toBeVisible();
  await page.keyboard.press('t');
  const picker = page.getByRole('dialog', { name: 'Tag a failure' });
  await expect(picker.getByLabel('Filter failure classes')).toBeFocused();
  await page.keyboard.type('Counting slip');
  const create = picker.getByRole('option', { name: /Create “Counting slip”/ });
  await expect(create).toHaveAttribute('aria-selected', 'true');
  await expect(picker.getByRole('button', { name: /Create and tag “Counting slip”/ })).toBeEnabled();
  await page.screenshot({ path: test.info().outputPath('create-class.png') });
  await page.keyboard.press('Enter');
  await expect(picker).toBeHidden();
  // The toast names the class just created, not "class #3" (the taxonomy list catches up later).
  await expect(page.locator('.toast')).toContainText('Tagged the span “Counting slip”');
  await expect(page.locator('.toast')).not.toContainText('class #');
  await expect(page.getByLabel('Failure tags').locator('.tag-chip')).toContainText('Counting slip');
  const classes = await rpc<FailureClass[]>(page, 'taxonomy.list', {});
  const made = classes.find((c) => c.name === 'Counting slip');
  expect(made).toBeDefined();
  const tags = (await stored(page, second, reviewerId))!.tags;
  expect(tags.map((t) => t.classId)).toEqual([made!.id]);
  expect(tags[0]!.span).not.toBeNull();

  // Defect 5: rate, leave for the Prompts tab at once, come back: the same item, its draft shown.
  await page.keyboard.press('Escape');
  await page.keyboard.press('3');
  await page.keyboard.press('Control+1');
  await expect(item).toHaveCount(0);
  await page.keyboard.press('Control+2');
  await expect(item).toHaveAttribute('data-generation-id', String(second));
  await expect(page.getByLabel('Rubric').getByRole('radiogroup', { name: /correctness/i }).getByRole('radio', { checked: true })).toHaveText('3');
  await expect(page.getByLabel('Failure tags').locator('.tag-chip')).toContainText('Counting slip');
  const draft = await stored(page, second, reviewerId);
  expect(draft).toMatchObject({ status: 'draft' });
  expect(draft!.ratings[correctness]).toBe(3);
  // The keys still act on it.
  await page.keyboard.press('4');
  await expect(page.getByLabel('Rubric').getByRole('radiogroup', { name: /helpfulness/i }).getByRole('radio', { checked: true })).toHaveText('4');
  // It left the To do list (a draft now): J opens the item after it, none is skipped.
  await page.keyboard.press('j');
  await expect(item).toHaveAttribute('data-generation-id', String(generationIds[2]));

  expect(errors).toEqual([]);
});

test('1400×900 with the guidelines open: Submit stays in sight, and typing in the guidelines editor is not spliced', async ({ page, assay }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  const errors = watchErrors(page);
  const { generationIds } = await setUp(page, assay.dir, assay.loginUrl);

  await page.keyboard.press('Control+2');
  await expect(page.getByTestId('review-item')).toHaveAttribute('data-generation-id', String(generationIds[0]));
  await page.keyboard.press('g');
  const panel = page.getByRole('complementary', { name: 'Guidelines' });
  await expect(panel).toBeVisible();

  // Defect 11: Submit in the viewport and not covered by anything.
  const submit = page.getByTestId('submit');
  await expect(submit).toBeInViewport({ ratio: 1 });
  const box = (await submit.boundingBox())!;
  expect(box.y + box.height).toBeLessThanOrEqual(900);
  const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest('[data-testid="submit"]') !== null, [box.x + box.width / 2, box.y + box.height / 2]);
  expect(hit).toBe(true);
  await expect(page.getByTestId('keys-target')).toBeInViewport();
  await page.screenshot({ path: test.info().outputPath('guidelines-open.png') });

  // Defect 7: the starter text stays in front of what is typed, whole, key after key.
  await panel.getByRole('button', { name: 'Write guidelines' }).click();
  await expect(panel.locator('.monaco-editor.focused')).toBeVisible({ timeout: 20_000 });
  const typed = 'Check every sum. A story that contradicts itself is bad';
  await page.keyboard.type(typed, { delay: 15 });
  await expect(panel.locator('.view-lines')).toContainText(typed);
  await page.keyboard.press('Control+s');
  await expect(panel.getByRole('button', { name: 'Edit' })).toBeVisible();
  const saved = await rpc<Guidelines>(page, 'guidelines.get', {});
  expect(saved.body).toBe(`# Review guidelines\n\n${typed}`);
  await page.screenshot({ path: test.info().outputPath('guidelines-saved.png') });

  expect(errors).toEqual([]);
});

test('submit paints the next item while its ack is awaited; a failed ack is told and keeps the label', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const { reviewerId, generationIds, criteria } = await setUp(page, assay.dir, assay.loginUrl);
  const [first, second, third] = generationIds as [number, number, number];
  let mode: 'slow' | 'fail' | 'pass' = 'slow';
  await page.route('**/rpc/review.save', async (route) => {
    const body = route.request().postDataJSON() as { submit?: boolean };
    if (!body.submit || mode === 'pass') return route.continue();
    if (mode === 'slow') {
      await new Promise((r) => setTimeout(r, 1500));
      return route.continue();
    }
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ok: false, error: { code: 'internal', message: 'disk I/O error' } }) });
  });

  await page.keyboard.press('Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-generation-id', String(first));
  const indicator = page.locator('.save-indicator');
  for (const k of ['4', '4', '4', '3']) await page.keyboard.press(k);
  await page.keyboard.press('Enter');
  // The next item is up before the 1.5 s ack, and the queue says it is saving.
  await expect(item).toHaveAttribute('data-generation-id', String(second), { timeout: 1000 });
  await expect(indicator).toHaveText('Saving…');
  await expect(indicator).toHaveText('All saved', { timeout: 10_000 });
  expect(await stored(page, first, reviewerId)).toMatchObject({ status: 'submitted', verdict: 'good' });

  // A submit the workspace refuses: the reviewer is told, and the label waits on its item.
  mode = 'fail';
  for (const k of ['2', '2', '2', '1']) await page.keyboard.press(k);
  await page.keyboard.press('Enter');
  await expect(item).toHaveAttribute('data-generation-id', String(third));
  await expect(page.getByText('count-2 was not submitted (disk I/O error). Its label is kept on that item.')).toBeVisible();
  await expect(indicator).toHaveText('Not saved');
  expect((await stored(page, second, reviewerId))?.status ?? 'none').not.toBe('submitted');
  await page.screenshot({ path: test.info().outputPath('submit-failed.png') });
  await page.getByRole('button', { name: 'Open it' }).click();
  await expect(item).toHaveAttribute('data-generation-id', String(second));
  const rubric = page.getByLabel('Rubric');
  for (const name of [/correctness/i, /helpfulness/i, /harmlessness/i]) await expect(rubric.getByRole('radiogroup', { name }).getByRole('radio', { checked: true })).toHaveText('2');
  await expect(rubric.getByRole('radiogroup', { name: /Verdict/ }).getByRole('radio', { checked: true })).toContainText('Bad');
  await expect(page.getByTestId('key-hint')).toContainText('did not reach the workspace');

  // Enter again once the workspace takes writes: stored as left.
  mode = 'pass';
  await page.keyboard.press('Enter');
  await expect(item).toHaveAttribute('data-generation-id', String(third));
  await expect.poll(async () => (await stored(page, second, reviewerId))?.status, { timeout: 10_000 }).toBe('submitted');
  const review = (await stored(page, second, reviewerId))!;
  expect(review.verdict).toBe('bad');
  expect(Object.values(review.ratings)).toEqual(criteria.map(() => 2));
});

test('the correction diff wraps its original side too; the seeded class is marked as an example', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const { generationIds } = await setUp(page, assay.dir, assay.loginUrl);
  // One long line of output (no newline), copied from a real generation.
  const long = Array.from({ length: 80 }, (_, i) => `story${i}`).join(' ');
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(assay.workspace);
  db.pragma('busy_timeout = 10000');
  const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all('generations') as { name: string }[]).map((c) => c.name).filter((c) => c !== 'id' && c !== 'output');
  const longId = Number(
    db.prepare(`INSERT INTO generations (${columns.join(', ')}, output) SELECT ${columns.join(', ')}, ? FROM generations WHERE id = ?`).run(long, generationIds[0]).lastInsertRowid,
  );
  db.close();

  await page.keyboard.press('Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-generation-id', String(generationIds[0]));
  for (let i = 0; i < 3; i++) await page.keyboard.press('j');
  await expect(item).toHaveAttribute('data-generation-id', String(longId));
  await page.keyboard.press('e');
  const diff = page.getByRole('dialog', { name: 'Correct the output' });
  await expect(diff.locator('.monaco-diff-editor')).toBeVisible({ timeout: 20_000 });
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' the end');
  await expect(diff.locator('.line-insert, .char-insert').first()).toBeVisible();
  // Both sides wrap the one long line over several screen lines, and neither scrolls sideways.
  const original = diff.locator('.original-in-monaco-diff-editor');
  const modified = diff.locator('.modified-in-monaco-diff-editor');
  await expect.poll(() => original.locator('.view-line').count()).toBeGreaterThan(2);
  await expect.poll(() => modified.locator('.view-line').count()).toBeGreaterThan(2);
  await expect(original.locator('.view-line').filter({ hasText: 'story79' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('diff-wrap.png') });
  await page.keyboard.press('Escape');
  await expect(diff).toBeHidden();

  // The class every workspace starts with says it is an example; the reviewer's own classes do not.
  await page.keyboard.press('t');
  const picker = page.getByRole('dialog', { name: 'Tag a failure' });
  await page.keyboard.type('arith');
  const seeded = picker.getByRole('option', { name: /Arithmetic with integers and spelled-out numbers/ });
  await expect(seeded.locator('.example-badge')).toHaveText('example');
  await expect(picker.getByRole('option', { name: /^Arithmetic\b(?! with)/ }).locator('.example-badge')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('example-class.png') });
  await page.keyboard.press('Escape');

  expect(errors).toEqual([]);
});

test('a keypress on a submitted label reopens it truthfully: status, counts, the note, Ctrl+Z puts it back, leaving warns with Submit it', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const { reviewerId, generationIds, criteria } = await setUp(page, assay.dir, assay.loginUrl);
  const [first, second] = generationIds as [number, number];
  const ratings = Object.fromEntries(criteria.map((c) => [String(c.id), 4]));
  for (const generationId of [first, second]) {
    await rpc(page, 'review.save', { generationId, reviewerId, ratings, verdict: 'bad', comment: '', addTimeSpentMs: 0, submit: true });
  }
  await page.reload();
  await expectSignedInAs(page, reviewerId);
  await page.keyboard.press('Control+2');
  await page.getByRole('radiogroup', { name: 'Status' }).getByRole('radio', { name: 'Submitted' }).click();
  const item = page.getByTestId('review-item');
  const counts = page.getByTestId('queue-counts');
  const status = page.getByTestId('review-status');
  const row = (id: number) => page.locator(`.queue-row[data-generation-id="${id}"]`);
  await expect(item).toHaveAttribute('data-generation-id', String(first));
  await expect(counts).toContainText('2 of 3 submitted');
  await expect(status).toHaveText('Submitted');

  // 3 rates the verdict (the highlighted row of a complete label): saved as a draft, and said so.
  await page.keyboard.press('3');
  await expect.poll(async () => (await stored(page, first, reviewerId))?.status).toBe('draft');
  await expect(status).toHaveText('Reopened · not in exports');
  await expect(page.getByTestId('reopened-note')).toContainText('out of every export until you submit it again');
  await expect(counts).toContainText('1 of 3 submitted');
  await expect(row(first)).toContainText('reopened · not in exports');
  await page.screenshot({ path: test.info().outputPath('reopened.png') });

  // Ctrl+Z puts the submitted label back (its verdict too) and in the counts.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await stored(page, first, reviewerId))?.status).toBe('submitted');
  const back = (await stored(page, first, reviewerId))!;
  expect(back.verdict).toBe('bad');
  expect(back.revision).toBe(2);
  await expect(status).toHaveText('Submitted · rev 2');
  await expect(page.getByTestId('reopened-note')).toHaveCount(0);
  await expect(counts).toContainText('2 of 3 submitted');
  await expect(row(first)).toContainText('done');
  await expect(page.getByLabel('Rubric').getByRole('radiogroup', { name: /verdict/i }).getByRole('radio', { checked: true })).toContainText('Bad');

  // Reopened again and left at once with J: a toast says so, and Submit it submits it as left.
  await page.keyboard.press('3');
  await page.keyboard.press('j');
  await expect(item).toHaveAttribute('data-generation-id', String(second));
  const toast = page.locator('.toast');
  await expect(toast).toContainText('You left count-1 reopened');
  await page.screenshot({ path: test.info().outputPath('left-reopened.png') });
  await toast.getByRole('button', { name: 'Submit it' }).click();
  await expect(toast).toContainText('Submitted count-1 again');
  const resubmitted = (await stored(page, first, reviewerId))!;
  expect(resubmitted).toMatchObject({ status: 'submitted', verdict: 'good', revision: 3 });
  await expect(counts).toContainText('2 of 3 submitted');
  await expect(row(first)).toContainText('done');

  // Leaving for another tab while reopened warns too.
  await page.keyboard.press('3');
  await expect(status).toHaveText('Reopened · not in exports');
  await page.keyboard.press('Control+1');
  await expect(toast).toContainText('You left count-2 reopened');
  expect(errors).toEqual([]);
});

test('"N s spent" ticks while the item is open, before any save', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const { reviewerId, generationIds } = await setUp(page, assay.dir, assay.loginUrl);
  await page.keyboard.press('Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-generation-id', String(generationIds[0]));
  const spent = page.getByTestId('time-spent');
  await page.mouse.move(300, 300);
  await expect(spent).toHaveText(/^[1-9]\d* s spent$/, { timeout: 5_000 });
  const before = Number((await spent.textContent())!.split(' ')[0]);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => Number((await spent.textContent())!.split(' ')[0]), { timeout: 6_000 }).toBeGreaterThanOrEqual(before + 2);
  // Nothing was saved meanwhile: the count is the clock's, not a save's.
  expect((await stored(page, generationIds[0]!, reviewerId))).toBeNull();
});
