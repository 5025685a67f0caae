import type { Page } from '@playwright/test';
import type { QualityReport } from '../contract';
import { expect, rpc, signInAs, test, writeFile, type AssayServer } from './fixtures';

test.use({ autoReviewer: false });

const ANSWERS: Record<string, string[]> = {
  'What is seven plus 5?': ['7 + 5 = 75, as Smith (2020) shows.', 'Seven plus five is twelve.'],
  'Name the capital of Australia.': ['Sydney.', 'The capital of Australia is Canberra.'],
  'Is 91 prime?': ['Yes, 91 is prime.', 'No: 91 = 7 × 13.'],
  'Spell "necessary".': ['necessary', 'neccessary'],
};

/** Every output of every prompt, labelled by Ada, Bo and Cy; comparisons of each prompt's pair. */
async function seed(page: Page, assay: AssayServer) {
  const rows = Object.entries(ANSWERS).flatMap(([prompt, [a, b]]) => [
    { prompt, completion: a, model: 'model-careful' },
    { prompt, completion: b, model: 'model-lively' },
  ]);
  const file = writeFile(assay.dir, 'quality.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'));
  await rpc(page, 'datasets.import', { importId: 'e2e-quality', source: { kind: 'path', path: file }, format: 'completions' });
  const reviewers = [];
  for (const [name, role] of [['Ada', 'sme'], ['Bo', 'sme'], ['Cy', 'nlp']] as const) reviewers.push(await rpc<{ id: number }>(page, 'reviewers.create', { name, role }));
  return reviewers.map((r) => r.id) as [number, number, number];
}

test('Quality: empty states, then agreement, per class, reviewer against the rest and calibration for three reviewers', async ({ page, assay }) => {
  test.setTimeout(120_000);
  await page.goto(assay.loginUrl);
  const [ada, bo, cy] = await seed(page, assay);
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, ada] as const);
  await page.reload();

  // Ctrl+0 is the tenth tab.
  await page.keyboard.press('Control+0');
  const view = page.getByLabel('Quality', { exact: true });
  await expect(view.getByRole('heading', { name: 'Nothing labelled yet' })).toBeVisible();

  // One reviewer only: calibration shows, agreement says what it needs.
  const queue = await rpc<{ items: { generationId: number; modelName: string }[] }>(page, 'review.queue', { reviewerId: ada, status: 'all', limit: 100 });
  const gens = queue.items.map((q) => q.generationId).sort((a, b) => a - b);
  expect(gens).toHaveLength(8);
  const [cls] = await rpc<{ id: number }[]>(page, 'taxonomy.list', {});
  const cite = await rpc<{ id: number }>(page, 'taxonomy.create', { name: 'Made-up citation' });
  const [criterion] = await rpc<{ id: number }[]>(page, 'rubric.list', {});
  const verdicts: Record<number, ('good' | 'acceptable' | 'bad')[]> = {
    [ada]: ['bad', 'good', 'bad', 'good', 'bad', 'good', 'good', 'bad'],
    [bo]: ['bad', 'good', 'bad', 'acceptable', 'bad', 'good', 'acceptable', 'bad'],
    [cy]: ['acceptable', 'good', 'bad', 'good', 'bad', 'acceptable', 'good', 'acceptable'],
  };
  const label = async (reviewerId: number) => {
    await signInAs(page, reviewerId);
    for (const [i, g] of gens.entries()) {
      if (i === 0) {
        // The first output: "7 + 5 = 75" is tagged by all three, each with their own span.
        const span = reviewerId === ada ? { start: 0, end: 10 } : reviewerId === bo ? { start: 4, end: 10 } : { start: 0, end: 6 };
        await rpc(page, 'review.addTag', { generationId: g, reviewerId, classId: cls!.id, span });
        if (reviewerId !== bo) await rpc(page, 'review.addTag', { generationId: g, reviewerId, classId: cite.id, span: { start: 14, end: 26 } });
      }
      const verdict = verdicts[reviewerId]![i]!;
      await rpc(page, 'review.save', { generationId: g, reviewerId, verdict, ratings: { [criterion!.id]: verdict === 'good' ? 5 : verdict === 'bad' ? 1 : 3 }, submit: true });
    }
  };
  await label(ada);
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(view.getByRole('status')).toContainText('Needs at least two reviewers on the same items');
  await expect(view.getByRole('table', { name: 'Calibration' }).locator('tr[data-reviewer="Ada"]')).toContainText('— (no shared review labels)');

  await label(bo);
  await label(cy);
  await rpc(page, 'comparisons.createTasks', { prompts: { query: '', tags: [] }, kind: 'pair' });
  await signInAs(page, ada);
  const tasks = (await rpc<{ items: { taskId: number }[] }>(page, 'comparisons.queue', { reviewerId: ada, status: 'all', kind: 'pair' })).items.map((t) => t.taskId);
  expect(tasks).toHaveLength(4);
  const choices: Record<number, string[]> = { [ada]: ['A', 'B', 'A', 'tie'], [bo]: ['A', 'B', 'B', 'tie'], [cy]: ['A', 'tie', 'A', 'both_bad'] };
  for (const r of [ada, bo, cy]) {
    await signInAs(page, r);
    for (const [i, taskId] of tasks.entries()) await rpc(page, 'comparisons.label', { taskId, reviewerId: r, choice: choices[r]![i] });
  }
  await signInAs(page, ada);
  const report = await rpc<QualityReport>(page, 'quality.report', {});

  await page.keyboard.press('r');
  const agreement = view.getByRole('table', { name: 'Agreement' });
  await expect(agreement).toBeVisible();
  const verdictRow = agreement.locator('tr[data-kind="verdict"][data-measure="α ordinal"]');
  const expected = report.agreement.find((a) => a.kind === 'verdict' && a.measure === 'α ordinal')!;
  await expect(verdictRow).toContainText(expected.value!.toFixed(3));
  await expect(verdictRow).toContainText("Krippendorff's α (3 reviewers, ordinal)");
  const withTies = report.agreement.find((a) => a.kind === 'pairwise' && a.measure === 'agreement with ties')!;
  const withoutTies = report.agreement.find((a) => a.kind === 'pairwise' && a.measure === 'agreement without ties')!;
  // Task 0: A A A (3 ✓); 1: B B tie (1 of 3); 2: A B A (1 of 3); 3: tie tie both_bad (1 of 3) → 6 of 12.
  expect(withTies).toMatchObject({ value: 0.5, pairs: 12 });
  // Without ties: task 0 (3 ✓), task 1 (B,B ✓), task 2 (1 of 3) → 5 of 7.
  expect(withoutTies).toMatchObject({ value: 5 / 7, pairs: 7 });
  await expect(agreement.locator('tr[data-kind="pairwise"][data-measure="agreement with ties"]')).toContainText('50.0%');
  await expect(agreement.locator('tr[data-kind="pairwise"][data-measure="agreement without ties"]')).toContainText('71.4%');
  await expect(view.getByRole('table', { name: 'Per failure class' }).locator('tr[data-class="Made-up citation"]')).toBeVisible();
  await expect(view.getByRole('table', { name: 'Reviewer against the rest' }).locator('tbody[data-reviewer="Cy"]')).toContainText('Verdict');
  const calibration = view.getByRole('table', { name: 'Calibration' });
  // Bo picked a side on tasks 0–2: A, B, B → left 1 of 3.
  await expect(calibration.locator('tr[data-reviewer="Bo"]')).toContainText('33% (6%–79%) of 3');
  // The tenth tab leaves the top bar whole at 1280 px: nothing scrolls sideways, the workspace name shows.
  await page.setViewportSize({ width: 1280, height: 2400 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
  await expect(page.locator('.topbar .workspace-name')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('quality.png') });

  // A session's scope: the same items here, with the session's gold and swap-flip figures beside.
  await rpc(page, 'sessions.create', { reviewerId: ada, name: 'All four', filter: { prompts: { query: '', tags: [] }, kind: 'both' }, reviewerIds: [ada, bo, cy] });
  await page.keyboard.press('r');
  await view.getByLabel('Scope').selectOption({ label: 'Session: All four' });
  await expect(view.getByText('of session “All four”')).toBeVisible();
  await expect(calibration.getByRole('columnheader', { name: 'Swap flips' })).toBeVisible();
  await expect(calibration.locator('tr[data-reviewer="Cy"]')).toContainText('— (no re-shows)');
  await expect(verdictRow).toContainText(expected.value!.toFixed(3));
  await page.screenshot({ path: test.info().outputPath('quality-session.png') });
});
