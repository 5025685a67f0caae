import type { Page } from '@playwright/test';
import { startFakeServer, type FakeServer } from '../test/support/openai-fake-server';
import { expect, rpc, signInAs, test } from './fixtures';

/**
 * Prompts, model outputs, think-aloud steps, corrections, comments, guidelines, failure classes and
 * reviewer names are untrusted. Each payload below would set `window.__xss`, open a dialog or fetch
 * from a remote host if it ever became markup. They go in through the engine's own paths (the
 * playground runs a model whose output is the payload), every view that shows them is opened, and
 * the test asserts nothing ran, nothing was fetched, nothing tripped the CSP, and the text is shown
 * as the text it is.
 */

const SCRIPT = `<script>window.__xss = 'script'</script>`;
const IMG = `<img src=x onerror="window.__xss = 'img'">`;
const MD_JS_LINK = `[click me](javascript:window.__xss='link')`;
const SVG = `<svg onload="window.__xss = 'svg'"><circle r="4"/></svg>`;
const STYLE = `<style>body { background: url(http://evil.example/css.png) }</style>`;
const IFRAME = `<iframe src="http://evil.example/frame" onload="window.__xss = 'iframe'"></iframe>`;
const MD_IMAGE = `![pixel](http://evil.example/pixel.png)`;
const HTML_JS_LINK = `<a href="javascript:alert('a')">raw link</a>`;
const AUTOLINK = `<javascript:alert('autolink')>`;
const CSS_INLINE = `<div style="background-image: url('http://evil.example/inline.png')">styled</div>`;
// GitHub-flavoured markdown: raw HTML and a javascript: link inside table cells, a footnote holding a script.
const CELL_IMG = `<img src=y onerror="window.__xss = 'cell'">`;
const GFM_TABLE = `| payload | link |\n|---|---|\n| ${CELL_IMG} | [cell link](javascript:window.__xss='cell-link') |`;
const FOOTNOTE = `See the note[^xss].\n\n[^xss]: <script>window.__xss = 'footnote'</script>`;

/** Blank lines between payloads: each raw-HTML block stands alone in markdown. */
const PAYLOAD = [SCRIPT, IMG, MD_JS_LINK, SVG, STYLE, IFRAME, MD_IMAGE, HTML_JS_LINK, AUTOLINK, CSS_INLINE, GFM_TABLE, FOOTNOTE].join('\n\n');
/** Fragments that must appear as text wherever the payload is shown (raw HTML is shown literally). */
const LITERAL = [SCRIPT, IMG, SVG, IFRAME];

/** Calls the engine the way the UI does (same origin, the session cookie); throws on an error value. */
interface Watch {
  dialogs: string[];
  remote: string[];
}

/** Records dialogs and every request that leaves 127.0.0.1; the page records CSP violations. */
async function watch(page: Page): Promise<Watch> {
  const w: Watch = { dialogs: [], remote: [] };
  page.on('dialog', (dialog) => {
    w.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return; // blob:/data: workers stay local
    if (url.hostname !== '127.0.0.1') w.remote.push(request.url());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
  });
  return w;
}

/** Nothing ran, nothing left the machine, and the DOM holds no markup made from content. */
async function expectClean(page: Page, w: Watch, where: string) {
  const state = await page.evaluate(() => {
    const win = window as unknown as { __xss?: unknown; __csp: string[] };
    const onAttributes: string[] = [];
    for (const el of Array.from(document.querySelectorAll('*'))) {
      for (const attr of el.getAttributeNames()) if (attr.toLowerCase().startsWith('on')) onAttributes.push(`${el.tagName}[${attr}]`);
    }
    return {
      xss: win.__xss,
      csp: win.__csp,
      onAttributes,
      frames: document.querySelectorAll('iframe, frame, object, embed').length,
      images: Array.from(document.querySelectorAll('img')).map((i) => i.getAttribute('src')),
      scripts: Array.from(document.querySelectorAll('script')).filter((s) => !s.src).length,
      jsLinks: Array.from(document.querySelectorAll('a[href]')).map((a) => a.getAttribute('href')!).filter((h) => !/^(https?:|mailto:)/i.test(h)),
      remoteStyles:
        Array.from(document.querySelectorAll('style')).filter((s) => /evil\.example/.test(s.textContent ?? '')).length +
        Array.from(document.querySelectorAll('[style]')).filter((e) => /evil\.example/.test(e.getAttribute('style') ?? '')).length,
    };
  });
  expect(state.xss, `${where}: a payload ran`).toBeUndefined();
  expect(w.dialogs, `${where}: a dialog opened`).toEqual([]);
  expect(w.remote, `${where}: a request left 127.0.0.1`).toEqual([]);
  expect(state.csp, `${where}: content tripped the CSP`).toEqual([]);
  expect(state.onAttributes, `${where}: event handler attributes in the DOM`).toEqual([]);
  expect(state.frames, `${where}: frames in the DOM`).toBe(0);
  expect(state.images, `${where}: images in the DOM`).toEqual([]);
  expect(state.scripts, `${where}: inline scripts in the DOM`).toBe(0);
  expect(state.jsLinks, `${where}: links that are not http(s)/mailto`).toEqual([]);
  expect(state.remoteStyles, `${where}: styles pointing at a remote host`).toBe(0);
}

let fake: FakeServer;
test.beforeAll(async () => {
  fake = await startFakeServer();
  // The model's output is the payload, streamed in pieces that cut through the tags.
  const pieces: string[] = [];
  for (let i = 0; i < PAYLOAD.length; i += 37) pieces.push(PAYLOAD.slice(i, i + 37));
  fake.fallback = { type: 'stream', pieces };
});
test.afterAll(async () => {
  await fake.close();
});

// The reviewer (with a hostile name) is created through the engine and remembered before the page loads.
test.use({ autoReviewer: false });

test('XSS payloads in prompts, outputs, steps, corrections, guidelines and classes never run or load anything', async ({ page, assay }) => {
  test.setTimeout(120_000);
  const w = await watch(page);
  await page.goto(assay.loginUrl);

  const reviewer = await rpc<{ id: number }>(page, 'reviewers.create', { name: `Eve ${IMG}`, role: 'nlp' });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, reviewer.id] as const);

  await rpc(page, 'prompts.create', { id: 'xss-text', prompt: PAYLOAD, reference: PAYLOAD, tags: ['xss'] });
  await rpc(page, 'prompts.create', { id: 'xss-chat', messages: [{ role: 'system', content: PAYLOAD }, { role: 'user', content: PAYLOAD }], tags: ['xss'] });
  const model = await rpc<{ id: number }>(page, 'models.add', { kind: 'openai', name: 'xss model', baseUrl: `${fake.origin}/v1`, remoteModel: 'fake-model' });
  const cls = await rpc<{ id: number }>(page, 'taxonomy.create', { name: `Class ${SVG}`, description: PAYLOAD, example: PAYLOAD });
  await signInAs(page, reviewer.id);
  await rpc(page, 'guidelines.save', { body: `# Guidelines v1\n\n${PAYLOAD}`, reviewerId: reviewer.id });
  await rpc(page, 'guidelines.save', { body: `# Guidelines v2\n\n${PAYLOAD}\n\nSecond version.`, reviewerId: reviewer.id });
  await page.reload();

  // Top bar: the reviewer's name is text.
  await expect(page.getByRole('button', { name: /Eve/ })).toContainText(IMG);

  // Prompts view: the text prompt, its reference, the conversation.
  await page.getByRole('tab', { name: 'Prompts' }).click();
  await page.getByRole('option').filter({ hasText: 'xss-text' }).click();
  const textPrompt = page.getByRole('article', { name: 'Prompt xss-text' });
  for (const literal of LITERAL) await expect(textPrompt).toContainText(literal);
  await page.getByRole('option').filter({ hasText: 'xss-chat' }).click();
  await expect(page.getByRole('article', { name: 'Prompt xss-chat' })).toContainText(SCRIPT);
  await page.screenshot({ path: test.info().outputPath('xss-prompts.png') });
  await expectClean(page, w, 'prompts');

  // Playground: the model streams the payload; the output is saved for review (a generation).
  await page.getByRole('tab', { name: 'Playground' }).click();
  await page.getByLabel('xss model').check();
  await page.getByLabel('Type one').check();
  await page.getByLabel('Playground prompt').fill(PAYLOAD);
  await page.getByRole('button', { name: /Generate/ }).click();
  const output = page.getByRole('article', { name: 'Output of xss model' });
  await expect(output.getByLabel('Generation stats')).toContainText('finish:', { timeout: 30_000 });
  for (const literal of LITERAL) await expect(output.getByTestId('output-text')).toContainText(literal);
  await output.getByRole('button', { name: 'Save for review' }).click();
  await expect(output).toContainText('saved');
  await page.screenshot({ path: test.info().outputPath('xss-playground.png') });
  await expectClean(page, w, 'playground');

  // A second generation of the stored conversation, through the engine.
  await rpc(page, 'playground.generate', { streamId: 'xss-2', modelId: model.id, prompt: { promptId: 'xss-chat' }, sampling: { maxTokens: 64 } });
  await rpc(page, 'playground.save', { streamId: 'xss-2' });
  const { items } = await rpc<{ items: { id: number; promptId: string }[] }>(page, 'generations.list', {});
  expect(items).toHaveLength(2);
  const typed = items.find((g) => g.promptId !== 'xss-chat')!;
  const chat = items.find((g) => g.promptId === 'xss-chat')!;

  // Labels on the typed one (a draft): a tag with a note, two think-aloud steps, a comment, a correction.
  const tagged = await rpc<{ tags: { id: number }[] }>(page, 'review.addTag', { generationId: typed.id, reviewerId: reviewer.id, classId: cls.id, span: { start: 0, end: 8 }, note: PAYLOAD });
  await rpc(page, 'review.saveStep', { generationId: typed.id, reviewerId: reviewer.id, body: PAYLOAD, tagId: tagged.tags[0]!.id });
  await rpc(page, 'review.saveStep', { generationId: typed.id, reviewerId: reviewer.id, body: `Step two\n\n${PAYLOAD}` });
  await rpc(page, 'review.save', { generationId: typed.id, reviewerId: reviewer.id, comment: PAYLOAD });
  await rpc(page, 'corrections.save', { generationId: typed.id, reviewerId: reviewer.id, text: `Corrected.\n\n${PAYLOAD}` });
  // The other is submitted with the tag, so the class shows in the rates chart.
  await rpc(page, 'review.addTag', { generationId: chat.id, reviewerId: reviewer.id, classId: cls.id });
  await rpc(page, 'review.save', { generationId: chat.id, reviewerId: reviewer.id, submit: true, comment: PAYLOAD });

  // Review view: both items, every card.
  await page.getByRole('tab', { name: 'Review' }).click();
  await page.getByRole('radiogroup', { name: 'Status' }).getByRole('radio', { name: 'All' }).click();
  const queue = page.getByRole('listbox', { name: 'Review queue' });
  await expect(queue.getByRole('option')).toHaveCount(2);
  for (const [i, name] of ['first', 'second'].entries()) {
    await queue.getByRole('option').nth(i).click();
    const outputCard = page.getByRole('region', { name: 'Output' });
    await expect(outputCard).toContainText(IMG);
    await expect(page.getByRole('region', { name: 'Prompt' })).toContainText(SCRIPT);
    await page.waitForTimeout(500); // let lazy editors (think-aloud steps) mount
    await page.screenshot({ path: test.info().outputPath(`xss-review-${name}.png`), fullPage: true });
    await expectClean(page, w, `review (${name} item)`);
  }

  // Taxonomy: the class in the tree, its description and example, the rates chart and table.
  await page.getByRole('tab', { name: 'Taxonomy' }).click();
  const tree = page.getByRole('tree', { name: 'Failure classes' });
  await tree.getByRole('treeitem', { name: `Class ${SVG}` }).click();
  const detail = page.getByRole('article', { name: `Class Class ${SVG}` });
  for (const literal of LITERAL) await expect(detail).toContainText(literal);
  const rates = page.getByRole('region', { name: 'Failure rates' });
  await expect(rates.getByRole('table')).toContainText(`Class ${SVG}`);
  await page.screenshot({ path: test.info().outputPath('xss-taxonomy.png') });
  await rates.scrollIntoViewIfNeeded();
  await expect(rates.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('xss-taxonomy-rates.png') });
  await expectClean(page, w, 'taxonomy');

  // Guidelines: the current version, the history, an old version.
  await page.getByRole('button', { name: 'Guidelines' }).click();
  const panel = page.getByRole('complementary', { name: 'Guidelines' });
  await expect(panel.getByRole('heading', { name: 'Guidelines v2' })).toBeVisible();
  for (const literal of LITERAL) await expect(panel).toContainText(literal);
  await expect(panel).toContainText('click me'); // the javascript: link is text
  await expect(panel).toContainText('[image: pixel]'); // the image is not loaded
  await expect(panel.getByRole('link')).toHaveCount(0);
  // The table is a table; its raw HTML is text and its javascript: link is not a link.
  const table = panel.getByRole('table');
  await expect(table.getByRole('columnheader', { name: 'payload' })).toBeVisible();
  await expect(table.getByRole('cell').first()).toHaveText(CELL_IMG);
  await expect(table).toContainText('cell link');
  await page.screenshot({ path: test.info().outputPath('xss-guidelines.png') });
  await panel.getByRole('button', { name: 'History' }).click();
  await panel.getByRole('button', { name: /Version 1/ }).click();
  await expect(panel.getByRole('heading', { name: 'Guidelines v1' })).toBeVisible();
  await expect(panel).toContainText(IFRAME);
  await expectClean(page, w, 'guidelines');

  // The model really was asked, from the engine (not the page).
  expect(fake.requests.some((r) => r.path.endsWith('/chat/completions'))).toBe(true);
});
