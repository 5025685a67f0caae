/**
 * Import benchmark: Assay's streaming importer against a raw better-sqlite3 insert loop.
 *
 *   npm run bench:import            (node --import tsx bench/import.ts)
 *   BENCH_ROWS=50000 BENCH_REPEAT=3 npm run bench:import
 *
 * 1. Writes a JSONL file of 200k prompts (100–300 characters of text; some with tags, some
 *    conversations, some with a reference; half with an id, half without) to a temp dir.
 * 2. Imports it with `importPromptsFile` into a fresh workspace — the function the import worker
 *    runs, so this measures reading, UTF-8 checks, JSON parsing, validation, content ids and writes.
 * 3. Inserts the same rows, parsed into memory beforehand (not timed), with plain prepared
 *    statements in one transaction into a second fresh workspace. Both workspaces are created by
 *    openWorkspace, so both have the same schema *including the FTS triggers*: the baseline pays
 *    for the search index too, and the ratio measures only the importer's own overhead.
 * Memory: the 50k-row file is imported first, then the 200k one; RSS is sampled during each import.
 * If the importer streams, RSS after 200k rows is about RSS after 50k rows. Peak RSS is read before
 * the baseline parses its rows into memory, so it is the importer's peak (plus the file generator's).
 * Each 200k measurement runs BENCH_REPEAT times (default 3), alternating, and the fastest counts.
 *
 * The last line of output is one JSON object, for scripts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importPromptsFile } from '../core/prompts/importer';
import { toPromptRecord } from '../core/prompts/rows';
import { openWorkspace } from '../core/workspace/workspace';
import type { PromptRecord } from '../db/prompts';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const SMALL_ROWS = Math.min(50_000, ROWS);
/** Each 200k measurement is taken this many times and the fastest kept: the machine may be busy. */
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));

const WORDS = (
  'the a model answer question explain why how what when where which reward dataset label ' +
  'prompt output compare better worse helpful honest harmless token sample temperature seed ' +
  'river mountain ocean forest desert city village market bridge tower garden kitchen library ' +
  'quickly slowly carefully briefly clearly simply exactly roughly nearly always never often ' +
  'write summarise translate classify rank review critique rewrite shorten expand list describe ' +
  'café naïve résumé über straße 東京 données ünïcödé emoji 🙂 numbers 42 3.14 2024 x86_64 ' +
  'function variable compiler database index query transaction commit rollback stream buffer'
).split(' ');
const TAGS = ['math', 'code', 'writing', 'safety', 'reasoning', 'chat', 'translation', 'long', 'short', 'eval'];

/** A small deterministic PRNG (mulberry32), so every run imports the same file. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function text(rand: () => number, min: number, max: number): string {
  const target = min + Math.floor(rand() * (max - min));
  let s = '';
  while (s.length < target) s += (s ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return s.slice(0, max);
}

function row(i: number, rand: () => number): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  if (i % 2 === 0) r.id = `bench-${i}`;
  if (rand() < 0.2) {
    r.messages = [
      { role: 'system', content: text(rand, 20, 60) },
      { role: 'user', content: `${i} ${text(rand, 80, 240)}` },
    ];
  } else {
    r.prompt = `${i} ${text(rand, 100, 300)}`;
  }
  if (rand() < 0.3) r.tags = TAGS.filter(() => rand() < 0.25).slice(0, 3).concat(TAGS[i % TAGS.length]!);
  if (rand() < 0.25) r.reference = text(rand, 30, 120);
  return r;
}

/** Streams `count` rows to `file` without holding the file in memory. */
function writeJsonl(file: string, count: number, seed: number): number {
  const rand = rng(seed);
  const fd = fs.openSync(file, 'w');
  try {
    let batch: string[] = [];
    for (let i = 0; i < count; i++) {
      batch.push(JSON.stringify(row(i, rand)));
      if (batch.length === 10_000) {
        fs.writeSync(fd, batch.join('\n') + '\n');
        batch = [];
      }
    }
    if (batch.length > 0) fs.writeSync(fd, batch.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(file).size;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const peakRssMb = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

/** Imports with Assay's importer, sampling RSS at every progress report. */
async function assayImport(file: string, workspaceFile: string): Promise<{ seconds: number; rows: number; maxSampledRss: number }> {
  const ws = openWorkspace(workspaceFile);
  let maxSampledRss = process.memoryUsage().rss;
  try {
    const started = performance.now();
    const report = await importPromptsFile(ws.writer, {
      importId: 'bench',
      file,
      onDuplicate: 'skip',
      onProgress: () => {
        maxSampledRss = Math.max(maxSampledRss, process.memoryUsage().rss);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (report.imported !== report.rows) throw new Error(`expected every row to be new, got ${JSON.stringify(report)}`);
    return { seconds, rows: report.rows, maxSampledRss };
  } finally {
    ws.close();
  }
}

/** The baseline: the same records, already parsed, inserted with plain statements in one transaction. */
function rawInsert(records: PromptRecord[], workspaceFile: string): number {
  const ws = openWorkspace(workspaceFile);
  try {
    const db = ws.writer;
    const insert = db.prepare(
      'INSERT INTO prompts (id, prompt, messages, reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const addTag = db.prepare('INSERT INTO prompt_tags (prompt_seq, tag) VALUES (?, ?)');
    const rows = records.map((r) => ({ ...r, messagesJson: r.messages === null ? null : JSON.stringify(r.messages) }));
    const now = Date.now();
    const started = performance.now();
    db.transaction(() => {
      for (const r of rows) {
        const seq = insert.run(r.id, r.prompt, r.messagesJson, r.reference, now, now).lastInsertRowid;
        for (const tag of r.tags) addTag.run(seq, tag);
      }
    })();
    return (performance.now() - started) / 1000;
  } finally {
    ws.close();
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-'));
  let n = 0;
  const freshWorkspace = (label: string) => path.join(dir, `${label}-${++n}.assay`);
  try {
    const small = path.join(dir, 'small.jsonl');
    const big = path.join(dir, 'big.jsonl');
    const smallBytes = writeJsonl(small, SMALL_ROWS, 7);
    const bigBytes = writeJsonl(big, ROWS, 42);
    console.log(`[bench] ${os.cpus().length} cpus, node ${process.version}; best of ${REPEAT} runs each; files in ${dir}`);
    console.log(`[bench] generated ${SMALL_ROWS} rows (${mb(smallBytes)} MB) and ${ROWS} rows (${mb(bigBytes)} MB)`);

    const baseRss = process.memoryUsage().rss;
    const first = await assayImport(small, freshWorkspace('small'));
    const rssAfterSmall = process.memoryUsage().rss;
    const assayRuns = [await assayImport(big, freshWorkspace('assay'))];
    const rssAfterBig = process.memoryUsage().rss;
    // Peak RSS of the process up to here: generating the files and importing both with Assay,
    // before the baseline holds its parsed rows in memory.
    const peakRss = peakRssMb();
    console.log(`[bench] assay ${SMALL_ROWS} rows: ${first.seconds.toFixed(2)} s (${Math.round(first.rows / first.seconds)} rows/s)`);
    console.log(
      `[bench] rss: ${mb(baseRss)} MB before; max ${mb(first.maxSampledRss)} MB during / ${mb(rssAfterSmall)} MB after ${SMALL_ROWS} rows; ` +
        `max ${mb(assayRuns[0]!.maxSampledRss)} MB during / ${mb(rssAfterBig)} MB after ${ROWS} rows; peak ${peakRss} MB`,
    );
    const growth = mb(assayRuns[0]!.maxSampledRss - first.maxSampledRss);
    console.log(`[bench] rss growth from the ${SMALL_ROWS}-row to the ${ROWS}-row import: ${growth} MB (the file is ${(bigBytes / smallBytes).toFixed(1)}× larger)`);

    // The baseline's input: the big file's rows, parsed into records in memory (not timed).
    const rand = rng(42);
    const records: PromptRecord[] = [];
    for (let i = 0; i < ROWS; i++) records.push(toPromptRecord(JSON.parse(JSON.stringify(row(i, rand)))));

    // Alternate the two so a busy moment on the machine does not favour one of them.
    const rawRuns = [rawInsert(records, freshWorkspace('raw'))];
    for (let r = 1; r < REPEAT; r++) {
      assayRuns.push(await assayImport(big, freshWorkspace('assay')));
      rawRuns.push(rawInsert(records, freshWorkspace('raw')));
    }
    const assaySeconds = Math.min(...assayRuns.map((a) => a.seconds));
    const rawSeconds = Math.min(...rawRuns);
    const assayRate = ROWS / assaySeconds;
    const rawRate = ROWS / rawSeconds;
    console.log(`[bench] assay ${ROWS} rows: ${assayRuns.map((a) => a.seconds.toFixed(2)).join(' / ')} s → ${Math.round(assayRate)} rows/s`);
    console.log(
      `[bench] raw better-sqlite3 ${ROWS} rows (pre-parsed; same schema and FTS triggers): ` +
        `${rawRuns.map((s) => s.toFixed(2)).join(' / ')} s → ${Math.round(rawRate)} rows/s`,
    );

    const ratio = Math.round((assayRate / rawRate) * 1000) / 1000;
    console.log(`[bench] ratio assay/raw = ${ratio} (goal ≥ 0.8)`);
    console.log(
      JSON.stringify({
        bench: 'import',
        ratio,
        assay_rows_per_s: Math.round(assayRate),
        raw_rows_per_s: Math.round(rawRate),
        peak_rss_mb: peakRss,
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
