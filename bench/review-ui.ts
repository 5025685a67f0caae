/**
 * Review UI latency in Chromium: keypress → next item painted, on a queue of 100k generations.
 *
 *   npx tsx bench/review-ui.ts          (after `npm run build`; env BENCH_ITEMS, BENCH_PRESSES, ASSAY_CHROMIUM)
 *
 * 1. Creates a workspace with the built CLI (`assay serve` runs the migrations), stops it, and
 *    inserts BENCH_ITEMS (100,000) generations over 10,000 prompts and 2 models directly with
 *    better-sqlite3, in one transaction.
 * 2. Serves it again, opens the Review tab in Chromium as a reviewer, and measures in the page, from
 *    the keydown event's timestamp to the first frame painted after the next item's pane is in the
 *    DOM (requestAnimationFrame, then a task after that frame):
 *    - J at a reading pace (a pause between items, as a reviewer reads): the common case;
 *    - J held down (the next press as soon as the item is painted);
 *    - Enter after rating an item: the next item (found in the queue pages already loaded, as
 *      review.next would) is painted while review.save submit:true is acknowledged; the queue
 *      shows "Saving…" meanwhile. After the run every submit must be acknowledged and stored
 *      (checked through review.queue), or the bench fails.
 * Goal (issues 4 and 9): J and submit p95 ≤ 50 ms. The last line is JSON (j_p95_ms, submit_p95_ms).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import Database from 'better-sqlite3';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const PRESSES = Number(process.env.BENCH_PRESSES ?? 300);
const SUBMITS = Math.max(20, Math.floor(PRESSES / 5));
const PROMPTS = Math.min(10_000, ITEMS);
const READING_PAUSE_MS = 120;
const executablePath = process.env.ASSAY_CHROMIUM ?? '/usr/bin/chromium';

const OUTPUTS = [
  'Seven plus 5 is 12. Spelled out: twelve.',
  'The sky is blue because shorter wavelengths scatter more (Rayleigh scattering); at dusk the light crosses more air, so red remains.',
  'def add(a, b):\n    return a + b\n\nprint(add(2, 3))  # 5',
  'Café au lait 👩‍🔬 — naïve résumé, 東京の天気は晴れ。 🎉',
  'Step 1: read the question. Step 2: compute 17 × 3 = 51. Step 3: subtract 9 to get 42.\n\nSo the answer is **42**.',
];

async function serve(workspace: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['dist/node/cli.mjs', 'serve', '--port', '0', '--workspace', workspace], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return { url, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function fill(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const now = Date.now();
  db.transaction(() => {
    const insertPrompt = db.prepare('INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES (?, ?, ?, ?)');
    const insertTag = db.prepare('INSERT INTO prompt_tags (prompt_seq, tag) VALUES (?, ?)');
    const seqs: number[] = [];
    for (let i = 0; i < PROMPTS; i++) {
      const seq = Number(insertPrompt.run(`ui-${i}`, `Question ${i}: what is ${i} plus ${i % 97}? Explain **why**, briefly.`, now, now).lastInsertRowid);
      if (i % 4 === 0) insertTag.run(seq, 'math');
      seqs.push(seq);
    }
    const insertModel = db.prepare("INSERT INTO models (name, kind, base_url, remote_model, settings, created_at) VALUES (?, 'openai', 'http://127.0.0.1:9/v1', ?, '{}', ?)");
    const models = ['model-a', 'model-b'].map((name) => ({ name, id: Number(insertModel.run(name, name, now).lastInsertRowid) }));
    const insertGeneration = db.prepare(
      `INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version,
         endpoint_url, model_name, sampling, seed, started_at, finished_at, sample_index, source, created_at)
       VALUES (?, ?, 'raw', ?, ?, ?, 'stop', 'openai', 'bench', 'http://127.0.0.1:9/v1', ?, ?, 7, ?, ?, 0, 'batch', ?)`,
    );
    const sampling = JSON.stringify({ temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05, repeatPenalty: 1.1, maxTokens: 256, stop: [], seed: 7 });
    for (let i = 0; i < ITEMS; i++) {
      const p = Math.floor(i / models.length) % PROMPTS;
      const model = models[i % models.length]!;
      const text = `Question ${p}: what is ${p} plus ${p % 97}?`;
      insertGeneration.run(seqs[p], model.id, JSON.stringify({ mode: 'raw', text }), text, `${OUTPUTS[i % OUTPUTS.length]} (#${i})`, model.name, sampling, now, now, now);
    }
  })();
  db.close();
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round = (x: number) => Math.round(x * 10) / 10;

/**
 * Keydown (its timestamp) → the frame after the next item's pane appears, recorded in the page:
 * `__lat` the painted times, `__dom` when the pane was in the DOM. Installed once per page.
 */
async function instrument(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __lat: number[]; __dom: number[]; __t0: number | null };
    w.__lat = [];
    w.__dom = [];
    w.__t0 = null;
    let last = document.querySelector('[data-testid="review-item"]')?.getAttribute('data-generation-id') ?? null;
    window.addEventListener('keydown', (e) => (w.__t0 = e.timeStamp), true);
    new MutationObserver(() => {
      const id = document.querySelector('[data-testid="review-item"]')?.getAttribute('data-generation-id') ?? null;
      if (!id || id === last || w.__t0 === null) return;
      last = id;
      const start = w.__t0;
      w.__t0 = null;
      w.__dom.push(performance.now() - start);
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => w.__lat.push(performance.now() - start);
        channel.port2.postMessage(0);
      });
    }).observe(document.querySelector('.review-main')!, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-generation-id'] });
  });
}

async function run(page: Page, count: number, press: () => Promise<void>, pauseMs: number): Promise<{ painted: number[]; dom: number[] }> {
  await page.evaluate(() => {
    const w = window as unknown as { __lat: number[]; __dom: number[] };
    w.__lat = [];
    w.__dom = [];
  });
  for (let i = 0; i < count; i++) {
    await press();
    await page.waitForFunction((n) => (window as unknown as { __lat: number[] }).__lat.length >= n, i + 1, { timeout: 10_000 }).catch(async (e: unknown) => {
      await page.screenshot({ path: path.join(os.tmpdir(), 'review-ui-bench-failed.png') });
      console.error(await page.evaluate(() => ({ active: document.activeElement?.outerHTML.slice(0, 200), focus: document.hasFocus() })));
      throw e;
    });
    if (pauseMs > 0) await page.waitForTimeout(pauseMs);
  }
  return page.evaluate(() => {
    const w = window as unknown as { __lat: number[]; __dom: number[] };
    return { painted: w.__lat, dom: w.__dom };
  });
}

async function rpc<T>(page: Page, method: string, input: unknown): Promise<T> {
  const r = (await page.evaluate(
    async ([m, i]) => (await fetch(`/rpc/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(i) })).json(),
    [method, input] as const,
  )) as { ok: boolean; value: T; error?: { message: string } };
  if (!r.ok) throw new Error(`${method}: ${r.error?.message}`);
  return r.value;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-ui-'));
  const workspace = path.join(dir, 'bench.assay');
  let server: ChildProcess | null = null;
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    console.log(`load average (1 min) at the start: ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} CPUs`);
    const first = await serve(workspace);
    await stop(first.child);
    let started = performance.now();
    fill(workspace);
    console.log(`inserted ${ITEMS.toLocaleString()} generations in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const { url, child } = await serve(workspace);
    server = child;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    const reviewer = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Bench', role: 'sme' });
    const info = await rpc<{ path: string }>(page, 'workspace.info', {});
    await page.evaluate(([key, id]) => {
      localStorage.setItem(key, String(id));
      localStorage.removeItem('assay.review.filter');
    }, [`assay.reviewer:${info.path}`, reviewer.id] as const);
    await page.reload();
    await page.getByRole('tab', { name: 'Review' }).waitFor();
    started = performance.now();
    await page.getByRole('tab', { name: 'Review' }).click();
    await page.waitForSelector('[data-testid="review-item"]', { timeout: 30_000 }).catch(async (e: unknown) => {
      await page.screenshot({ path: path.join(os.tmpdir(), 'review-ui-bench-failed.png') });
      throw e;
    });
    console.log(`review tab with the first item painted: ${Math.round(performance.now() - started)} ms`);
    const counts = await page.textContent('[data-testid="queue-counts"]');
    console.log(`queue: ${counts}`);
    // Let Monaco's chunk and the first prefetches settle, as they would while a reviewer reads.
    await page.waitForTimeout(1000);
    await instrument(page);

    const reading = await run(page, PRESSES, () => page.keyboard.press('j'), READING_PAUSE_MS);
    const held = await run(page, PRESSES, () => page.keyboard.press('j'), 0);
    const criteria = await rpc<{ scale: string }[]>(page, 'rubric.list', {});
    const keys = [...criteria.map((c) => (c.scale === 'passfail' ? '1' : '4')), '3'];
    const submit = await run(
      page,
      SUBMITS,
      async () => {
        for (const k of keys) await page.keyboard.press(k);
        await page.waitForTimeout(20);
        await page.keyboard.press('Enter');
      },
      READING_PAUSE_MS,
    );

    // Painting early must not lose a submit: all of them acknowledged, and stored as submitted.
    await page.waitForFunction(() => document.querySelector('.save-indicator')?.textContent === 'All saved', undefined, { timeout: 30_000 });
    const stored = await rpc<{ done: number }>(page, 'review.queue', { reviewerId: reviewer.id, status: 'all', limit: 1 });
    if (stored.done !== SUBMITS) throw new Error(`${SUBMITS} submits pressed, ${stored.done} stored`);
    console.log(`submits acknowledged and stored: ${stored.done} of ${SUBMITS}`);

    const line = (name: string, r: { painted: number[]; dom: number[] }) =>
      console.log(
        `${name.padEnd(38)} n=${String(r.painted.length).padStart(4)}  p50 ${round(pct(r.painted, 50))} ms  p95 ${round(pct(r.painted, 95))} ms  max ${round(Math.max(...r.painted))} ms` +
          `   (in the DOM: p50 ${round(pct(r.dom, 50))}, p95 ${round(pct(r.dom, 95))} ms)`,
      );
    line('J at a reading pace → painted', reading);
    line('J held down → painted', held);
    line('rate + Enter (submit) → next painted', submit);
    // Chromium, the server and this script share the machine: a busy one shows in the tail.
    console.log(`load average (1 min) at the end: ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} CPUs`);
    console.log(
      JSON.stringify({
        bench: 'review-ui',
        items: ITEMS,
        j_p50_ms: round(pct(reading.painted, 50)),
        j_p95_ms: round(pct(reading.painted, 95)),
        j_held_p95_ms: round(pct(held.painted, 95)),
        submit_p50_ms: round(pct(submit.painted, 50)),
        submit_p95_ms: round(pct(submit.painted, 95)),
        submits_stored: stored.done,
        load: Math.round(os.loadavg()[0]! * 100) / 100,
      }),
    );
  } finally {
    await browser.close();
    if (server) await stop(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
