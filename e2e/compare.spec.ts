import type { Page } from '@playwright/test';
import type { ComparisonTask, Leaderboard } from '../contract';
import { expect, expectSignedInAs, rpc, test, writeFile } from './fixtures';

// The reviewer is set up through the engine and remembered before the page loads; no first-start dialog.
test.use({ autoReviewer: false });

/** Calls the engine the way the UI does (same origin, the session cookie). */
async function runJob(page: Page, name: string, promptIds: string[], modelId: number, seed: number) {
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name,
    spec: { prompts: { ids: promptIds }, modelIds: [modelId], samplesPerPrompt: 1, sampling: { maxTokens: 20, seed, temperature: 0.9 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');
}

/** Errors the page reports, and any Content-Security-Policy violation. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|Refused to/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

interface Step {
  /** Keys pressed on the task before it is submitted. */
  keys: string[];
  /** Typed into whatever field the keys focused (rationale, correction). */
  type?: string;
  /** How it is submitted: Enter on the view, or Ctrl+Enter inside a field. */
  submit?: 'Enter' | 'Control+Enter';
  expect: { choice: string; strength: string | null; correction?: string; rationale?: string };
}

// Ten pairs, keyboard only: 1 / 2 pick a side (again: stronger), Q/W/E grade, T tie, B both bad.
const SESSION: Step[] = [
  { keys: ['1'], expect: { choice: 'A', strength: 'slightly' } },
  { keys: ['2', '2'], expect: { choice: 'B', strength: 'clearly' } },
  { keys: ['t'], expect: { choice: 'tie', strength: null } },
  { keys: ['b', 'r'], type: 'Seven plus five is **12**.', submit: 'Control+Enter', expect: { choice: 'both_bad', strength: null, correction: 'Seven plus five is **12**.' } },
  { keys: ['1', '1', '1'], expect: { choice: 'A', strength: 'much' } },
  { keys: ['2', 'q'], expect: { choice: 'B', strength: 'slightly' } },
  { keys: ['1', 'w', 'c'], type: 'A answers; B rambles.', expect: { choice: 'A', strength: 'clearly', rationale: 'A answers; B rambles.' } },
  { keys: ['2', 'e'], expect: { choice: 'B', strength: 'much' } },
  { keys: ['t'], expect: { choice: 'tie', strength: null } },
  { keys: ['2', 'w'], expect: { choice: 'B', strength: 'clearly' } },
];

test('compare keyboard-only: ten blind pairs, undo, then the leaderboard', async ({ page, assay }) => {
  // Loading the tiny model twice and two batch jobs: generous on a busy machine.
  test.setTimeout(300_000);
  const errors = watchErrors(page);

  // ── Set-up through the engine: ten prompts, two models, a batch each, a reviewer, a failure class ──
  const prompts = Array.from({ length: 10 }, (_, i) => ({
    id: `cmp-${String(i + 1).padStart(2, '0')}`,
    prompt: `What is ${i + 2} plus ${i + 5}? Answer in **one** sentence.`,
    tags: [i % 2 === 0 ? 'even' : 'odd'],
  }));
  const file = writeFile(assay.dir, 'compare.jsonl', prompts.map((p) => JSON.stringify(p)).join('\n'));
  await page.goto(assay.loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-compare', source: { kind: 'path', path: file } });
  const tiny = await rpc<{ id: number; name: string; modelPath: string }>(page, 'models.addTestModel', {});
  const twin = await rpc<{ id: number; name: string }>(page, 'models.add', { kind: 'llama', name: 'tiny twin', modelPath: tiny.modelPath });
  const ids = prompts.map((p) => p.id);
  await runJob(page, 'tiny batch', ids, tiny.id, 7);
  await runJob(page, 'twin batch', ids, twin.id, 11);
  const reviewer = await rpc<{ id: number; name: string }>(page, 'reviewers.create', { name: 'Grace Hopper', role: 'nlp' });
  await rpc(page, 'taxonomy.create', { name: 'Arithmetic', description: 'Gets the sum wrong' });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, reviewer.id] as const);
  await page.reload();
  await expectSignedInAs(page, reviewer.id);

  // ── Keyboard only from here ─────────────────────────────────────────────────────────────
  await page.keyboard.press('Control+3');
  await expect(page.getByRole('tab', { name: 'Compare' })).toHaveAttribute('aria-selected', 'true');
  // No tasks yet: the empty state says what to do.
  await expect(page.getByRole('heading', { name: 'No comparison tasks yet' })).toBeVisible();
  // The workspace has outputs of two models: the next step is N, not Batch.
  await expect(page.getByText('Press N to create comparison tasks')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('compare-empty.png') });

  // N opens "Create tasks"; Enter in its first field submits the defaults (all pairs, every model).
  await page.keyboard.press('n');
  const create = page.getByRole('dialog', { name: 'Create comparison tasks' });
  await expect(create).toBeVisible();
  await expect(create.getByText('10 prompts match.')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('create-tasks.png') });
  await page.keyboard.press('Enter');
  await expect(create).toBeHidden();
  await expect(page.getByRole('status').getByText('Created 10 tasks over 10 prompts.')).toBeVisible();
  await expect(page.getByTestId('compare-counts')).toContainText('0 of 10 labeled');

  const pane = page.getByTestId('compare-task');
  await expect(pane).toBeVisible();

  // The cheat sheet lists the keys.
  await page.keyboard.press('?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard' });
  await expect(sheet).toBeVisible();
  await expect(sheet).toContainText('Both bad');
  await page.keyboard.press('Escape');
  await expect(sheet).toBeHidden();

  // J/K move through the queue without labeling.
  const firstId = await pane.getAttribute('data-task-id');
  await page.keyboard.press('j');
  await expect(pane).not.toHaveAttribute('data-task-id', firstId!);
  await page.keyboard.press('k');
  await expect(pane).toHaveAttribute('data-task-id', firstId!);

  const labeled: { taskId: number; step: Step }[] = [];
  for (const [i, step] of SESSION.entries()) {
    const taskId = Number(await pane.getAttribute('data-task-id'));
    // Blind: no model name on either side before the label.
    await expect(pane.locator('.cmp-model')).toHaveCount(0);
    await expect(pane.getByText('model hidden')).toHaveCount(2);
    for (const key of step.keys) await page.keyboard.press(key);
    if (step.type) {
      await expect(pane.locator('textarea:focus')).toHaveCount(1);
      await page.keyboard.type(step.type);
    }

    if (i === 2) {
      // A failure tag on A: [ opens the picker, type to filter, Enter.
      await page.keyboard.press('[');
      const picker = page.getByRole('dialog', { name: 'Tag a failure on A' });
      await expect(picker).toBeVisible();
      await page.keyboard.type('arith');
      await page.keyboard.press('Enter');
      await expect(picker).toBeHidden();
      await expect(pane.getByLabel('Failure tags on A')).toContainText('Arithmetic');
    }
    if (i === 6) {
      // The rationale is focused; Esc leaves it, then the diff highlight goes on (D).
      await page.keyboard.press('Escape');
      await page.keyboard.press('d');
      await expect(pane.locator('.cmp-diff').first()).toBeVisible();
      await expect(pane.getByTestId('choice-summary')).toHaveText('A is clearly better');
      // Save toasts from the quick scripted submits fade within seconds; the picture is of the task.
      await expect(page.locator('.toast')).toHaveCount(0, { timeout: 15_000 });
      await page.screenshot({ path: test.info().outputPath('compare.png') });
      await page.keyboard.press('d');
    }
    if (i === 3) {
      await expect(pane.getByTestId('choice-summary')).toHaveText('Both bad');
      await page.screenshot({ path: test.info().outputPath('compare-both-bad.png') });
    }
    await page.keyboard.press(step.submit ?? 'Enter');
    // Blind by default: the toast names the task and the choice, never a model.
    const saved = page.getByRole('status').getByText(/^Saved task \d+: /).last();
    await expect(saved).toBeVisible();
    await expect(saved).not.toContainText(tiny.name);
    await expect(saved).not.toContainText(twin.name);

    if (i === 0) {
      // Ctrl+Z takes the label back and reopens the task; then it is labeled again.
      await expect(pane).not.toHaveAttribute('data-task-id', String(taskId));
      await page.keyboard.press('Control+z');
      await expect(pane).toHaveAttribute('data-task-id', String(taskId));
      await expect(page.getByTestId('compare-counts')).toContainText('0 of 10 labeled');
      await expect(pane.getByText('model hidden')).toHaveCount(2);
      for (const key of step.keys) await page.keyboard.press(key);
      await page.keyboard.press('Enter');
    }
    labeled.push({ taskId, step });
    if (i < SESSION.length - 1) {
      await expect(pane).not.toHaveAttribute('data-task-id', String(taskId));
      await expect(page.getByTestId('compare-counts')).toContainText(`${i + 1} of 10 labeled`);
    }
  }
  await expect(page.getByRole('heading', { name: 'End of the queue' })).toBeVisible();
  await expect(page.getByTestId('compare-counts')).toContainText('10 of 10 labeled');

  expect(new Set(labeled.map((l) => l.taskId)).size).toBe(10);

  // Everything is in the workspace, with the sides as shown.
  const stats = await rpc<{ tasks: number; labels: number }>(page, 'comparisons.stats', {});
  expect(stats).toEqual({ tasks: 10, labels: 10 });
  for (const { taskId, step } of labeled) {
    const task = await rpc<ComparisonTask>(page, 'comparisons.task', { taskId, reviewerId: reviewer.id });
    expect(task.label, `task ${taskId}`).not.toBeNull();
    expect(task.label!.choice).toBe(step.expect.choice);
    expect(task.label!.strength).toBe(step.expect.strength);
    expect(task.label!.correction).toBe(step.expect.correction ?? null);
    expect(task.label!.rationale).toBe(step.expect.rationale ?? '');
    expect(task.label!.timeSpentMs).toBeGreaterThan(0);
  }

  // ── The leaderboard ─────────────────────────────────────────────────────────────────────
  await page.keyboard.press('Control+4');
  await expect(page.getByRole('tab', { name: 'Leaderboard' })).toHaveAttribute('aria-selected', 'true');
  const board = await rpc<Leaderboard>(page, 'comparisons.leaderboard', {});
  const ratings = page.getByRole('table', { name: 'Ratings' });
  await expect(ratings.locator('tbody tr')).toHaveCount(2);
  for (const name of [tiny.name, twin.name]) {
    const row = ratings.locator(`tbody tr[data-model="${name}"]`);
    await expect(row).toBeVisible();
    // Both bad says neither is better: the fit leaves that label out (9 of the 10).
    await expect(row.getByTestId('model-comparisons')).toHaveText(String(board.models.find((m) => m.name === name)!.comparisons));
  }
  expect(board.comparisons).toBe(9);
  await expect(page.getByTestId('lb-total')).toHaveText('9 comparisons · 10 labels');
  await expect(page.getByRole('table', { name: 'Reviewers' }).getByRole('row', { name: /Grace Hopper/ })).toContainText('10');
  await expect(page.getByRole('table', { name: 'Win rate matrix' })).toContainText('n = 9');
  await expect(page.getByText('Left (A) wins')).toBeVisible();
  await expect(page.locator('.lb-chart .recharts-errorBar').first()).toBeAttached();
  await page.screenshot({ path: test.info().outputPath('leaderboard.png'), fullPage: true });

  // Filters: half the prompts carry the tag "even", so half the labels.
  await page.getByRole('combobox', { name: 'Prompt tag' }).selectOption('even');
  await expect(page.getByTestId('lb-total')).toHaveText(/ · 5 labels$/);
  await page.getByRole('combobox', { name: 'Prompt tag' }).selectOption('');
  await page.getByRole('combobox', { name: 'Reviewer' }).selectOption(String(reviewer.id));
  await expect(page.getByTestId('lb-total')).toHaveText('9 comparisons · 10 labels');

  expect(errors).toEqual([]);
});

test('N-way ranking by keyboard and by drag, with ties', async ({ page, assay }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  const prompts = [
    { id: 'rank-1', prompt: 'Name three **prime** numbers.' },
    { id: 'rank-2', prompt: 'Write a haiku about the sea.' },
  ];
  const file = writeFile(assay.dir, 'rank.jsonl', prompts.map((p) => JSON.stringify(p)).join('\n'));
  await page.goto(assay.loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-rank', source: { kind: 'path', path: file } });
  const tiny = await rpc<{ id: number; modelPath: string }>(page, 'models.addTestModel', {});
  const twin = await rpc<{ id: number }>(page, 'models.add', { kind: 'llama', name: 'tiny twin', modelPath: tiny.modelPath });
  const triplet = await rpc<{ id: number }>(page, 'models.add', { kind: 'llama', name: 'tiny triplet', modelPath: tiny.modelPath });
  const ids = prompts.map((p) => p.id);
  await runJob(page, 'tiny', ids, tiny.id, 1);
  await runJob(page, 'twin', ids, twin.id, 2);
  await runJob(page, 'triplet', ids, triplet.id, 3);
  const reviewer = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Ranker', role: 'sme' });
  const created = await rpc<{ created: number }>(page, 'comparisons.createTasks', { prompts: {}, kind: 'rank', k: 3, seed: 5 });
  expect(created.created).toBe(2);
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, reviewer.id] as const);
  await page.reload();
  await expectSignedInAs(page, reviewer.id);

  await page.keyboard.press('Control+3');
  const pane = page.getByTestId('compare-task');
  await expect(pane).toHaveAttribute('data-kind', 'rank');
  const summary = pane.getByTestId('ranking-summary');
  await expect(summary).toHaveText('#1 > #2 > #3');

  // Keyboard: 3 selects output 3, ↑↑ moves it to the top; 1 then = ties it with #3 above it.
  const first = Number(await pane.getAttribute('data-task-id'));
  await page.keyboard.press('3');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect(summary).toHaveText('#3 > #1 > #2');
  await page.keyboard.press('1');
  await page.keyboard.press('=');
  await expect(summary).toHaveText('#3 = #1 > #2');
  await page.keyboard.press('=');
  await expect(summary).toHaveText('#3 > #1 > #2');
  await page.keyboard.press('Alt+ArrowDown');
  await expect(summary).toHaveText('#3 > #2 > #1');
  await page.keyboard.press('2');
  await page.keyboard.press('=');
  await expect(summary).toHaveText('#3 = #2 > #1');
  await page.screenshot({ path: test.info().outputPath('rank.png') });
  await page.keyboard.press('Enter');
  await expect(pane).not.toHaveAttribute('data-task-id', String(first));

  // Drag: output 2 onto the top of the first group, output 3 onto the middle of #2's group (a tie).
  const second = Number(await pane.getAttribute('data-task-id'));
  const card = (n: number) => pane.locator(`.cmp-card[data-position="${n - 1}"]`);
  const group = (i: number) => pane.locator('.cmp-rank-group').nth(i);
  await card(2).dragTo(group(0), { targetPosition: { x: 80, y: 4 } });
  await expect(summary).toHaveText('#2 > #1 > #3');
  const top = await group(0).boundingBox();
  await card(3).dragTo(group(0), { targetPosition: { x: 80, y: top!.height / 2 } });
  await expect(summary).toHaveText('#2 = #3 > #1');
  await expect(group(0)).toHaveClass(/tied/);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'End of the queue' })).toBeVisible();

  const one = await rpc<ComparisonTask>(page, 'comparisons.task', { taskId: first, reviewerId: reviewer.id });
  // Positions within a tie are stored in order.
  expect(one.label!.ranking).toEqual([[1, 2], [0]]);
  const two = await rpc<ComparisonTask>(page, 'comparisons.task', { taskId: second, reviewerId: reviewer.id });
  expect(two.label!.ranking).toEqual([[1, 2], [0]]);

  // Looking back (All): the label is shown, still blind; with Blind off, with the models. Shift+Delete
  // removes it, Ctrl+Z restores it.
  await page.getByRole('radio', { name: 'All' }).click();
  await expect(pane).toHaveAttribute('data-task-id', String(first));
  await expect(summary).toHaveText('#2 = #3 > #1');
  await expect(pane.locator('.cmp-model')).toHaveCount(0);
  await page.getByLabel('Blind: hide model names').uncheck();
  await expect(pane.locator('.cmp-model')).toHaveCount(3);
  await page.keyboard.press('Shift+Delete');
  await expect(page.getByTestId('compare-counts')).toContainText('1 of 2 labeled');
  expect((await rpc<ComparisonTask>(page, 'comparisons.task', { taskId: first, reviewerId: reviewer.id })).label).toBeNull();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('compare-counts')).toContainText('2 of 2 labeled');
  expect((await rpc<ComparisonTask>(page, 'comparisons.task', { taskId: first, reviewerId: reviewer.id })).label!.ranking).toEqual([[1, 2], [0]]);
  expect(errors).toEqual([]);
});
