import type { Page } from '@playwright/test';
import { codePointLength, utf16ToCodePoint, type Review, type ReviewItem } from '../contract';
import { expect, expectSignedInAs, pressKey, rpc, test, writeFile } from './fixtures';

// The reviewer is set up through the engine and remembered before the page loads; no first-start dialog.
test.use({ autoReviewer: false });

/** Calls the engine the way the UI does (same origin, the session cookie). */
interface Setup {
  reviewerId: number;
  classId: number;
  generationIds: number[];
}

/** Prompts, the tiny model, a finished batch job, a reviewer (remembered), a failure class. */
async function setUp(page: Page, dir: string, loginUrl: string): Promise<Setup> {
  const prompts = [
    { id: 'arith-1', prompt: 'What is **seven** plus 5?', reference: '12', tags: ['arithmetic'] },
    { id: 'arith-2', prompt: 'What is 9 times 3?', reference: '27', tags: ['arithmetic'] },
    { id: 'arith-3', prompt: 'Spell out 40 + 2.', reference: 'forty-two', tags: ['arithmetic'] },
  ];
  const file = writeFile(dir, 'review.jsonl', prompts.map((p) => JSON.stringify(p)).join('\n'));
  await page.goto(loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-review', source: { kind: 'path', path: file } });
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'review batch',
    spec: { prompts: { ids: prompts.map((p) => p.id) }, modelIds: [model.id], samplesPerPrompt: 1, sampling: { maxTokens: 24, seed: 7, temperature: 0.8 } },
  });
  await expect
    .poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 })
    .toBe('done');
  const generations = await rpc<{ items: { id: number }[] }>(page, 'generations.list', { jobId: job.id });
  const reviewer = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Ada Lovelace', role: 'sme' });
  const cls = await rpc<{ id: number }>(page, 'taxonomy.create', {
    name: 'Arithmetic',
    description: 'Does not handle arithmetic with integers nor their spelled-out forms',
    example: 'seven plus 5 = 13',
  });
  await rpc(page, 'taxonomy.create', { name: 'Off topic', description: 'Answers another question' });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, reviewer.id] as const);
  await page.reload();
  await expectSignedInAs(page, reviewer.id);
  return { reviewerId: reviewer.id, classId: cls.id, generationIds: generations.items.map((g) => g.id).sort((a, b) => a - b) };
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

test('review keyboard-only: rate, tag a span, think aloud, correct, submit, next', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const { reviewerId, classId, generationIds } = await setUp(page, assay.dir, assay.loginUrl);
  const first = generationIds[0]!;
  await page.evaluate(() =>
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)),
  );

  // ── Keyboard only from here ─────────────────────────────────────────────────────────────
  await pressKey(page, 'Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-generation-id', String(first));
  await expect(page.getByTestId('queue-counts')).toContainText('0 of 3 submitted · 3 to do');
  const output = (await rpc<ReviewItem>(page, 'review.item', { generationId: first, reviewerId })).output;

  // Rate the three default criteria and the verdict: the focus moves on after each.
  const criteria = await rpc<{ id: number; name: string; scale: string }[]>(page, 'rubric.list', {});
  expect(criteria.map((c) => c.name.toLowerCase())).toEqual(['correctness', 'helpfulness', 'harmlessness']);
  for (const key of ['2', '3', '5', '1']) await page.keyboard.press(key);
  const rubric = page.getByLabel('Rubric');
  await expect(rubric.getByRole('radiogroup', { name: /correctness/i }).getByRole('radio', { checked: true })).toHaveText('2');
  await expect(rubric.getByRole('radiogroup', { name: /helpfulness/i }).getByRole('radio', { checked: true })).toHaveText('3');
  await expect(rubric.getByRole('radiogroup', { name: /harmlessness/i }).getByRole('radio', { checked: true })).toHaveText('5');
  await expect(rubric.getByRole('radiogroup', { name: /Verdict/ }).getByRole('radio', { checked: true })).toContainText('Bad');

  // Tag a span: caret into the output, select with Shift+arrows (graphemes), T, filter, Enter.
  await page.keyboard.press('o');
  await expect(page.getByTestId('review-output')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 6; i++) await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('t');
  const picker = page.getByRole('dialog', { name: 'Tag a failure' });
  await expect(picker).toBeVisible();
  await expect(picker.getByLabel('Filter failure classes')).toBeFocused();
  await page.keyboard.type('arith');
  await page.screenshot({ path: test.info().outputPath('tag-picker.png') });
  await page.keyboard.press('Enter');
  await expect(picker).toBeHidden();
  const tagChip = page.getByLabel('Failure tags').locator('.tag-chip');
  await expect(tagChip).toHaveCount(1);
  await expect(tagChip).toContainText('Arithmetic');
  await expect(page.getByTestId('review-output').locator('.span-tag')).not.toHaveCount(0);

  // Two think-aloud steps in Monaco: S starts one, Ctrl+Enter the next, Esc leaves.
  await page.keyboard.press('s');
  await page.keyboard.type('The model never answers: it should add seven and 5.');
  await page.keyboard.press('Control+Enter');
  await page.keyboard.type('A correct answer says **12**, in digits or as twelve.');
  await expect(page.locator('.step .monaco-editor')).toHaveCount(2, { timeout: 20_000 });
  await expect(page.locator('.step .save-state').filter({ hasText: 'Saved' })).toHaveCount(2, { timeout: 10_000 });
  await page.keyboard.press('Escape');

  // Correct the output in the diff editor: E, replace the right side, Ctrl+S, Esc.
  await page.keyboard.press('e');
  const diff = page.getByRole('dialog', { name: 'Correct the output' });
  await expect(diff.locator('.monaco-diff-editor')).toBeVisible({ timeout: 20_000 });
  await expect(diff.locator('.modified-in-monaco-diff-editor .monaco-editor.focused, .editor.modified .monaco-editor.focused').first()).toBeVisible();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('Seven plus 5 is 12.');
  await expect(diff.locator('.line-insert, .char-insert').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('correction.png') });
  await page.keyboard.press('Control+s');
  await expect(page.getByRole('status').getByText('Saved correction v1.')).toBeVisible();
  // Monaco's diff ran in its web worker: a same-origin file, allowed by the CSP without changes.
  expect(await page.evaluate(() => performance.getEntriesByType('resource').some((r) => /editor\.worker/.test(r.name)))).toBe(true);
  await page.keyboard.press('Escape');
  await expect(diff).toBeHidden();
  await expect(page.getByLabel('Correction', { exact: true })).toContainText('Seven plus 5 is 12.');

  await page.screenshot({ path: test.info().outputPath('review.png') });

  // Submit with Enter: the next item appears and the progress moves.
  await page.keyboard.press('Enter');
  await expect(item).toHaveAttribute('data-generation-id', String(generationIds[1]));
  await expect(page.getByTestId('queue-counts')).toContainText('1 of 3 submitted · 2 to do');
  await page.screenshot({ path: test.info().outputPath('next.png') });

  // Everything is in the workspace.
  const stored = await rpc<ReviewItem>(page, 'review.item', { generationId: first, reviewerId });
  const review = stored.review as Review;
  expect(review.status).toBe('submitted');
  expect(review.revision).toBe(1);
  expect(review.verdict).toBe('bad');
  expect(Object.fromEntries(criteria.map((c) => [c.name.toLowerCase(), review.ratings[String(c.id)]]))).toEqual({ correctness: 2, helpfulness: 3, harmlessness: 5 });
  expect(review.timeSpentMs).toBeGreaterThan(0);
  expect(review.tags).toHaveLength(1);
  const tag = review.tags[0]!;
  expect(tag.classId).toBe(classId);
  // The span is in code points of the stored output: the caret moved by user-perceived characters.
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(output)].map((s) => s.index);
  const startUtf16 = graphemes[1] ?? output.length;
  const endUtf16 = graphemes[7] ?? output.length;
  expect(tag.span).toEqual({ start: utf16ToCodePoint(output, startUtf16), end: utf16ToCodePoint(output, endUtf16) });
  expect(tag.quote).toBe(output.slice(startUtf16, endUtf16));
  expect(review.steps.map((s) => s.body)).toEqual(['The model never answers: it should add seven and 5.', 'A correct answer says **12**, in digits or as twelve.']);
  expect(stored.corrections.map((c) => [c.version, c.text])).toEqual([[1, 'Seven plus 5 is 12.']]);
  expect(codePointLength(output)).toBeGreaterThan(0);

  expect(errors).toEqual([]);
});

test('spans are stored in code points: emoji, skin tones and combining accents; output never runs as markup; label delete undoes', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const { reviewerId, generationIds } = await setUp(page, assay.dir, assay.loginUrl);
  // An output with characters outside the BMP, a ZWJ family, a skin tone, a combining accent, and markup.
  const tricky = 'Cafe\u0301 👩‍👩‍👧 says 👍🏽 <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> done';
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(assay.workspace);
  db.pragma('busy_timeout = 10000');
  const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all('generations') as { name: string }[]).map((c) => c.name).filter((c) => c !== 'id' && c !== 'output');
  const trickyId = Number(
    db.prepare(`INSERT INTO generations (${columns.join(', ')}, output) SELECT ${columns.join(', ')}, ? FROM generations WHERE id = ?`).run(tricky, generationIds[0]).lastInsertRowid,
  );
  db.close();

  await pressKey(page, 'Control+2');
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-generation-id', String(generationIds[0]));
  for (let i = 0; i < 3; i++) await page.keyboard.press('j');
  await expect(item).toHaveAttribute('data-generation-id', String(trickyId));
  const out = page.getByTestId('review-output');
  await expect(out).toContainText('<img src=x onerror="window.__xss=1">');

  // 1. Keyboard: past "Café " (five graphemes, six code points), then one grapheme: the whole family.
  await page.keyboard.press('o');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(page.getByText('8 characters selected')).toBeVisible();
  await page.keyboard.press('t');
  await page.keyboard.type('Arithmetic');
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Failure tags').locator('.tag-chip')).toHaveCount(1);

  // 2. A DOM selection (what a mouse makes) over the thumbs-up with its skin tone.
  await out.evaluate((root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.textContent!.indexOf('👍🏽');
      if (at >= 0) {
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + '👍🏽'.length);
        getSelection()!.removeAllRanges();
        getSelection()!.addRange(range);
        root.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
        return;
      }
    }
    throw new Error('thumbs-up not found');
  });
  await page.keyboard.press('t');
  await expect(page.getByRole('dialog', { name: 'Tag a failure' })).toContainText('Tags the span 👍🏽Failure');
  await page.keyboard.type('off');
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Failure tags').locator('.tag-chip')).toHaveCount(2);

  // 3. Anchored by typing the text: an e with a combining acute accent.
  await page.keyboard.press('Escape');
  await page.keyboard.press('t');
  await page.keyboard.type('off');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Anchor to text')).toBeFocused();
  await page.keyboard.type('e\u0301');
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Failure tags').locator('.tag-chip')).toHaveCount(3);
  await page.screenshot({ path: test.info().outputPath('unicode-spans.png') });

  const cp = (s: string) => [...s].length;
  const tags = (await rpc<ReviewItem>(page, 'review.item', { generationId: trickyId, reviewerId })).review!.tags;
  const bySpan = tags.map((t) => ({ span: t.span, quote: t.quote })).sort((a, b) => a.span!.start - b.span!.start);
  const thumbs = cp(tricky.slice(0, tricky.indexOf('👍🏽')));
  expect(bySpan).toEqual([
    { span: { start: 3, end: 5 }, quote: 'e\u0301' },
    { span: { start: 6, end: 11 }, quote: '👩‍👩‍👧' },
    { span: { start: thumbs, end: thumbs + 2 }, quote: '👍🏽' },
  ]);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  // M shows the output as rendered markdown (its raw HTML stays text); O goes back to the raw text.
  await page.keyboard.press('Escape');
  await page.keyboard.press('m');
  const renderedOut = page.getByTestId('output-rendered');
  await expect(renderedOut).toContainText('<img src=x onerror="window.__xss=1">');
  await expect(renderedOut.locator('img, script')).toHaveCount(0);
  await expect(out).toHaveCount(0);
  await page.keyboard.press('o');
  await expect(out).toBeFocused();
  await expect(renderedOut).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  // Delete the whole label (Shift+Delete), then undo it (Ctrl+Z): the three tags come back.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Delete');
  await expect(page.getByLabel('Failure tags').locator('.tag-chip')).toHaveCount(0);
  expect((await rpc<ReviewItem>(page, 'review.item', { generationId: trickyId, reviewerId })).review).toBeNull();
  await page.keyboard.press('Control+z');
  await expect(page.getByLabel('Failure tags').locator('.tag-chip')).toHaveCount(3);
  expect((await rpc<ReviewItem>(page, 'review.item', { generationId: trickyId, reviewerId })).review!.tags).toHaveLength(3);

  expect(errors).toEqual([]);
});
