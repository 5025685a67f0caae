/**
 * Regression tests for the Compare defects of issue 9: the keys-target strip (which task the keys act
 * on), blind comparisons (no model name in panes or toasts after a choice), one toast at a time and
 * never over the task's controls, and "Across models only" for All pairs.
 */
import type { Locator, Page } from '@playwright/test';
import type { ComparisonTask } from '../contract';
import { expect, expectSignedInAs, rpc, test, writeFile } from './fixtures';

test.use({ autoReviewer: false });

async function runJob(page: Page, name: string, promptIds: string[], modelId: number, samples: number, seed: number) {
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name,
    spec: { prompts: { ids: promptIds }, modelIds: [modelId], samplesPerPrompt: samples, sampling: { maxTokens: 16, seed, temperature: 0.9 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');
}

function overlaps(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** At most one toast, and none over the task (panes, choices, Submit) or the queue's own controls. */
async function toastsStayOffTheControls(page: Page) {
  const toasts = page.locator('.toast');
  expect(await toasts.count()).toBeLessThanOrEqual(1);
  if ((await toasts.count()) === 0) return;
  const t = (await toasts.first().boundingBox())!;
  const controls: Locator[] = [page.locator('.cmp-main'), page.getByRole('radiogroup', { name: 'Status' }), page.getByLabel('Blind: hide model names'), page.getByRole('button', { name: /Create tasks/ })];
  for (const c of controls) {
    const box = await c.boundingBox();
    if (box) expect(overlaps(t, box), `toast over ${c.toString()}`).toBe(false);
  }
}

/** Three prompts; two samples of tiny and one of twin on each (three pairs a prompt, one of them tiny against tiny). */
async function setUp(page: Page, assay: { dir: string; loginUrl: string }) {
  const prompts = Array.from({ length: 3 }, (_, i) => ({ id: `dfx-${i + 1}`, prompt: `Count to ${i + 3}, please.` }));
  const file = writeFile(assay.dir, 'defects.jsonl', prompts.map((p) => JSON.stringify(p)).join('\n'));
  await page.goto(assay.loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-defects', source: { kind: 'path', path: file } });
  const tiny = await rpc<{ id: number; name: string; modelPath: string }>(page, 'models.addTestModel', {});
  const twin = await rpc<{ id: number; name: string }>(page, 'models.add', { kind: 'llama', name: 'tiny twin', modelPath: tiny.modelPath });
  const ids = prompts.map((p) => p.id);
  await runJob(page, 'tiny ×2', ids, tiny.id, 2, 3);
  await runJob(page, 'twin', ids, twin.id, 1, 5);
  const reviewer = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Blind Reviewer', role: 'nlp' });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, reviewer.id] as const);
  await page.reload();
  await expectSignedInAs(page, reviewer.id);
  await page.keyboard.press('Control+3');
  await expect(page.getByRole('tab', { name: 'Compare' })).toHaveAttribute('aria-selected', 'true');
  return { tiny, twin, reviewer };
}

test('Compare: across models only, the keys strip, blind panes and toasts, one toast off the controls', async ({ page, assay }) => {
  test.setTimeout(240_000);
  const { tiny, twin, reviewer } = await setUp(page, assay);

  // ── All pairs, across models only: 2 pairs per prompt (tiny₁–twin, tiny₂–twin), not 3 ──
  await page.keyboard.press('n');
  const create = page.getByRole('dialog', { name: 'Create comparison tasks' });
  await expect(create).toBeVisible();
  await create.getByLabel(/Across models only/).check();
  await expect(create).toContainText('Every pair of outputs of two different models');
  await page.screenshot({ path: test.info().outputPath('create-across-models.png') });
  await create.getByRole('button', { name: 'Create tasks' }).click();
  await expect(create).toBeHidden();
  await expect(page.getByRole('status').getByText('Created 6 tasks over 3 prompts.')).toBeVisible();
  const queue = await rpc<{ items: { taskId: number }[] }>(page, 'comparisons.queue', { reviewerId: reviewer.id, status: 'all', limit: 50 });
  expect(queue.items).toHaveLength(6);
  for (const { taskId } of queue.items) {
    const t = await rpc<ComparisonTask>(page, 'comparisons.task', { taskId, reviewerId: reviewer.id });
    expect(new Set(t.outputs.map((o) => o.modelName)).size).toBe(2);
  }

  const pane = page.getByTestId('compare-task');
  const strip = page.getByTestId('keys-target');
  const compare = page.locator('.compare-view');
  await expect(pane).toBeVisible();

  // ── Label four tasks quickly, keyboard only ──
  for (let i = 0; i < 4; i++) {
    const taskId = await pane.getAttribute('data-task-id');
    // The strip names the task the keys act on: the one on screen.
    await expect(strip).toHaveAttribute('data-task-id', taskId!);
    await expect(strip).toContainText(`Keys act on task ${taskId}`);
    await page.keyboard.press(i % 2 === 0 ? '1' : '2');
    await page.keyboard.press('Enter');
    await expect(pane).not.toHaveAttribute('data-task-id', taskId!);
    const saved = page.getByRole('status').getByText(new RegExp(`^Saved task ${taskId}: `));
    await expect(saved).toBeVisible();
    // Blind: the toast says what was chosen, never who wrote it; no model name anywhere in Compare.
    await expect(saved).not.toContainText(tiny.name);
    await expect(saved).not.toContainText(twin.name);
    await expect(compare).not.toContainText(twin.name);
    await expect(compare).not.toContainText(tiny.name);
    await toastsStayOffTheControls(page);
    if (i === 3) await page.screenshot({ path: test.info().outputPath('compare-blind-toast.png') });
  }

  // An undo right after a save: one toast (the newer replaces the older), still off the controls.
  const fifth = await pane.getAttribute('data-task-id');
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  await expect(pane).not.toHaveAttribute('data-task-id', fifth!);
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('status').getByText(/^Undone: /)).toBeVisible();
  await expect(page.locator('.toast')).toHaveCount(1);
  await toastsStayOffTheControls(page);
  await expect(pane).toHaveAttribute('data-task-id', fifth!);

  // ── Looking back at labeled tasks: still blind ──
  await page.getByRole('radio', { name: 'Labeled' }).click();
  // The chip hands the keys back to the task: the strip says so, and J moves in the queue.
  await expect(strip).toContainText('Keys act on task');
  await expect(pane.getByText('model hidden')).toHaveCount(2);
  await expect(pane.locator('.cmp-model')).toHaveCount(0);
  await expect(compare).not.toContainText(twin.name);

  // Focus on a control: the strip says Enter presses it, and Esc gives the keys back.
  await page.getByRole('radio', { name: 'All' }).focus();
  await expect(strip).toContainText('Enter presses “All”');
  await expect(strip).toHaveClass(/away/);
  await page.keyboard.press('Escape');
  await expect(strip).toContainText('Keys act on task');

  // The check can see names: with Blind off, a labeled task shows both models; back on, hidden again.
  await page.getByLabel('Blind: hide model names').uncheck();
  await expect(pane.locator('.cmp-model')).toHaveCount(2);
  await expect(compare).toContainText(twin.name);
  await page.screenshot({ path: test.info().outputPath('compare-not-blind.png') });
  await page.getByLabel('Blind: hide model names').check();
  await expect(pane.locator('.cmp-model')).toHaveCount(0);
});

test('Compare: keys pressed while a submit saves are refused visibly, never applied to the next task; the place is kept across tabs', async ({ page, assay }) => {
  test.setTimeout(240_000);
  const { reviewer } = await setUp(page, assay);
  await rpc(page, 'comparisons.createTasks', { prompts: { query: '', tags: [] }, acrossModelsOnly: true });
  await page.reload();
  await page.keyboard.press('Control+3');
  const pane = page.getByTestId('compare-task');
  const strip = page.getByTestId('keys-target');
  await expect(pane).toBeVisible();
  const first = (await pane.getAttribute('data-task-id'))!;

  // The save is held back, so the keys arrive while the old task is still on screen.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/rpc/comparisons.label', async (route) => {
    await held;
    await route.continue();
  });
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  await expect(strip).toContainText(`Saving task ${first}`);
  await page.keyboard.press('2');
  await expect(strip).toContainText(`Still saving task ${first}: “2” was not applied`);
  await page.screenshot({ path: test.info().outputPath('compare-keys-refused.png') });
  release();
  await expect(pane).not.toHaveAttribute('data-task-id', first);
  await page.unroute('**/rpc/comparisons.label');
  const second = (await pane.getAttribute('data-task-id'))!;
  await expect(strip).toContainText(`Keys act on task ${second}`);
  // The first task got its A; the next has no choice (the 2 went nowhere).
  const one = await rpc<ComparisonTask>(page, 'comparisons.task', { taskId: Number(first), reviewerId: reviewer.id });
  expect(one.label?.choice).toBe('A');
  await expect(pane.getByTestId('choice-summary')).toHaveText('No choice yet');
  const two = await rpc<ComparisonTask>(page, 'comparisons.task', { taskId: Number(second), reviewerId: reviewer.id });
  expect(two.label).toBeNull();

  // A draft choice on the second task survives a visit to another tab: the same task, the same draft.
  await page.keyboard.press('2');
  await expect(pane.getByTestId('choice-summary')).toHaveText('B is slightly better');
  await page.keyboard.press('Control+1');
  await expect(page.getByRole('tab', { name: 'Prompts' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Control+3');
  await expect(pane).toHaveAttribute('data-task-id', second);
  await expect(pane.getByTestId('choice-summary')).toHaveText('B is slightly better');
});

test('Compare: the empty state of a workspace with outputs says N; blind, tags made in Review stay out of Compare, tags made here show', async ({ page, assay }) => {
  test.setTimeout(240_000);
  const { reviewer } = await setUp(page, assay);
  // Outputs of two models and no task yet: the next step is N, not Batch.
  const empty = page.getByTestId('compare-empty');
  await expect(empty).toContainText('Press N to create comparison tasks from the 9 outputs in this workspace');
  await expect(empty).not.toContainText('Generate outputs in Batch');
  await page.screenshot({ path: test.info().outputPath('compare-empty-with-outputs.png') });

  await rpc(page, 'comparisons.createTasks', { prompts: { query: '', tags: [] }, acrossModelsOnly: true });
  const reviewClass = await rpc<{ id: number }>(page, 'taxonomy.create', { name: 'Made in Review', description: '' });
  await rpc(page, 'taxonomy.create', { name: 'Made in Compare', description: '' });
  const pane = page.getByTestId('compare-task');
  await page.reload();
  await expectSignedInAs(page, reviewer.id);
  await page.keyboard.press('Control+3');
  await expect(pane).toBeVisible();
  const task = await rpc<ComparisonTask>(page, 'comparisons.task', { taskId: Number(await pane.getAttribute('data-task-id')), reviewerId: reviewer.id });
  // This reviewer tagged both outputs in Review, where model names show.
  for (const o of task.outputs) await rpc(page, 'review.addTag', { generationId: o.generationId, reviewerId: reviewer.id, classId: reviewClass.id, span: null, note: '' });
  await page.reload();
  await expectSignedInAs(page, reviewer.id);
  await page.keyboard.press('Control+3');
  await expect(pane).toHaveAttribute('data-task-id', String(task.id));
  await expect(page.getByLabel('Blind: hide model names')).toBeChecked();
  await expect(pane.getByLabel('Failure tags on A')).toHaveCount(0);
  await expect(pane.getByText('Made in Review')).toHaveCount(0);

  // A tag made here shows (and stays shown after a reload), the Review one still does not.
  await page.keyboard.press(']');
  const picker = page.getByRole('dialog', { name: 'Tag a failure on B' });
  await page.keyboard.type('Made in Compare');
  await page.keyboard.press('Enter');
  await expect(picker).toBeHidden();
  await expect(pane.getByLabel('Failure tags on B')).toContainText('Made in Compare');
  await expect(pane.getByText('Made in Review')).toHaveCount(0);
  await page.reload();
  await expectSignedInAs(page, reviewer.id);
  await page.keyboard.press('Control+3');
  await expect(pane.getByLabel('Failure tags on B')).toContainText('Made in Compare');
  await expect(pane.getByText('Made in Review')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('compare-blind-tags.png') });

  // Not blind: every tag of this reviewer's shows.
  await page.getByLabel('Blind: hide model names').uncheck();
  await expect(pane.getByLabel('Failure tags on A')).toContainText('Made in Review');
  await expect(pane.getByLabel('Failure tags on B')).toContainText('Made in Review');
});
