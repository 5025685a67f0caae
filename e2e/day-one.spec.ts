import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { ComparisonTask, ReviewItem } from '../contract';
import { expect, rpc, test } from './fixtures';

// Issue 9's "done means": a new user's first session, keyboard only, from the first screen of a
// fresh install: open the demo workspace, review an output with a tag and a think-aloud step,
// compare two outputs, export. The first-start dialog is part of it.
test.use({ autoReviewer: false, viewport: { width: 1400, height: 900 } });

/** Presses Tab until `target` has the focus, as a keyboard user would; fails after `max` presses. */
async function tabTo(page: Page, target: Locator, max = 25): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

test('day one, keyboard only: demo workspace → review with a tag and a think-aloud step → compare → export', async ({ page, assay }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  const shot = (name: string) => page.screenshot({ path: test.info().outputPath(`${name}.png`) });

  await page.goto(assay.loginUrl);

  // ── The first screen offers the demo ─────────────────────────────────────────────────────
  const first = page.getByRole('dialog', { name: 'Who is reviewing?' });
  const openDemo = first.getByRole('region', { name: 'Demo workspace' }).getByRole('button', { name: 'Open the demo workspace' });
  await expect(openDemo).toBeVisible();
  await tabTo(page, openDemo);
  await shot('1-first-screen');
  await page.keyboard.press('Enter');
  // The page reloads on the demo; it asks who is reviewing there, and the name field has the keys.
  await expect(page.locator('.topbar .workspace')).toContainText('40 prompts', { timeout: 90_000 });
  const who = page.getByRole('dialog', { name: 'Who is reviewing?' });
  await expect(who.getByLabel('Name')).toBeFocused();
  await page.keyboard.type('Dr. Ada Newcomer');
  await page.keyboard.press('Enter');
  await expect(who).toBeHidden();
  const reviewers = await rpc<{ id: number; name: string }[]>(page, 'reviewers.list', {});
  const me = reviewers.find((r) => r.name === 'Dr. Ada Newcomer')!;
  expect(me).toBeTruthy();

  // ── Review: rate, tag a span, think aloud, submit ────────────────────────────────────────
  await page.keyboard.press('Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toBeVisible();
  const generationId = Number(await item.getAttribute('data-generation-id'));
  // The bar above the ratings names the item the keys act on.
  await expect(page.getByTestId('keys-target')).toContainText('Keys act on');
  const before = await rpc<ReviewItem>(page, 'review.item', { generationId, reviewerId: me.id });
  expect(before.output.split(/\s+/).length).toBeGreaterThan(5);
  for (const key of ['2', '4', '5', '1']) await page.keyboard.press(key);

  await page.keyboard.press('o');
  await expect(page.getByTestId('review-output')).toBeFocused();
  for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('t');
  const picker = page.getByRole('dialog', { name: 'Tag a failure' });
  await expect(picker.getByLabel('Filter failure classes')).toBeFocused();
  await page.keyboard.type('repet');
  await page.keyboard.press('Enter');
  await expect(picker).toBeHidden();
  await expect(page.getByLabel('Failure tags').locator('.tag-chip')).toContainText('Repetition');

  await page.keyboard.press('s');
  await page.keyboard.type('The story repeats its opening instead of moving on; a good one adds a new event.');
  await expect(page.locator('.step .save-state').filter({ hasText: 'Saved' })).toHaveCount(1, { timeout: 15_000 });
  await page.keyboard.press('Escape');
  await shot('2-review');
  await page.keyboard.press('Enter');
  await expect(item).not.toHaveAttribute('data-generation-id', String(generationId));

  const reviewed = await rpc<ReviewItem>(page, 'review.item', { generationId, reviewerId: me.id });
  expect(reviewed.review?.status).toBe('submitted');
  expect(reviewed.review?.verdict).toBe('bad');
  expect(Object.values(reviewed.review!.ratings).sort()).toEqual([2, 4, 5]);
  const classes = await rpc<{ id: number; name: string }[]>(page, 'taxonomy.list', {});
  expect(reviewed.review?.tags.map((t) => classes.find((c) => c.id === t.classId)?.name)).toEqual(['Repetition']);
  expect(reviewed.review?.steps.map((s) => s.body)).toEqual(['The story repeats its opening instead of moving on; a good one adds a new event.']);

  // ── Compare: create the pairs (N, Enter), prefer A, submit ───────────────────────────────
  await page.keyboard.press('Control+3');
  await page.keyboard.press('n');
  const create = page.getByRole('dialog', { name: 'Create comparison tasks' });
  await expect(create).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(create).toBeHidden();
  const pane = page.getByTestId('compare-task');
  await expect(pane).toBeVisible();
  // Blind by default: no model names on the sides.
  await expect(pane.getByText('model hidden')).toHaveCount(2);
  const taskId = Number(await pane.getAttribute('data-task-id'));
  await page.keyboard.press('1');
  await page.keyboard.press('1');
  await shot('3-compare');
  await page.keyboard.press('Enter');
  await expect(pane).not.toHaveAttribute('data-task-id', String(taskId));
  const task = await rpc<ComparisonTask>(page, 'comparisons.task', { taskId, reviewerId: me.id });
  expect(task.label?.choice).toBe('A');
  expect(task.label?.strength).toBe('clearly');

  // ── Export: the default format (TRL preference pairs) to the default folder ──────────────
  await page.keyboard.press('Control+9');
  const form = page.getByRole('form', { name: 'Export options' });
  await expect(form).toBeVisible();
  const folder = await page.getByLabel('Output folder').inputValue();
  const exportButton = page.getByRole('button', { name: 'Export', exact: true });
  await tabTo(page, exportButton, 40);
  await page.keyboard.press('Enter');
  const result = page.getByRole('status', { name: 'Export result' });
  await expect(result).toContainText('Exported', { timeout: 30_000 });
  await shot('4-export');
  const files = fs.readdirSync(folder).filter((f) => f.endsWith('.jsonl'));
  const rows = files.flatMap((f) => fs.readFileSync(path.join(folder, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
  // The one preference: chosen is side A's text, rejected side B's, both the model's own words.
  expect(rows).toHaveLength(1);
  const chosen = JSON.stringify(rows[0]!.chosen);
  const rejected = JSON.stringify(rows[0]!.rejected);
  expect(chosen).toContain(JSON.stringify(task.outputs[0]!.text.trim()).slice(1, 30));
  expect(rejected).toContain(JSON.stringify(task.outputs[1]!.text.trim()).slice(1, 30));
  expect(errors).toEqual([]);
});
