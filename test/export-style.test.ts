/**
 * The prompt style of an export chosen from the data, and the reasons for what was left out.
 *
 * A real workspace: an HH-RLHF file (mostly multi-turn, as Anthropic's splits are) and a Chatbot
 * Arena file (single-turn battles, one tie) imported through the engine; exports through the
 * engine and the CLI, the written files read back (JSONL, and Parquet through DuckDB).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportOptionsInput, ExportReport } from '../contract/datasets';
import { SKIP_CONVERSATION } from '../core/datasets/export/rows';
import { cleanupAll, closeEngine, newEngine, runCli, unwrap, type TestEngine } from './helpers';

afterAll(cleanupAll);

let t: TestEngine;

const human = (...turns: string[]) => turns.map((s, i) => (i % 2 === 0 ? `\n\nHuman: ${s}` : `\n\nAssistant: ${s}`)).join('');
/** 7 multi-turn pairs, 3 single-turn ones. */
const hh = [
  ...Array.from({ length: 7 }, (_, i) => ({
    chosen: human(`Hi ${i}`, 'Hello!', `Tell me about ${i}.`, `${i} is a number.`),
    rejected: human(`Hi ${i}`, 'Hello!', `Tell me about ${i}.`, 'No.'),
  })),
  ...Array.from({ length: 3 }, (_, i) => ({ chosen: human(`What is ${i}+1?`, `${i + 1}`), rejected: human(`What is ${i}+1?`, 'seven') })),
];
const battle = (q: string, a: string, b: string, winner: string) => ({
  model_a: 'alpha',
  model_b: 'beta',
  winner,
  conversation_a: [{ role: 'user', content: q }, { role: 'assistant', content: a }],
  conversation_b: [{ role: 'user', content: q }, { role: 'assistant', content: b }],
});
const arena = [battle('Capital of France?', 'Paris', 'Lyon', 'model_a'), battle('2*3?', '6', '5', 'model_a'), battle('Sky colour?', 'blue', 'green', 'model_a'), battle('A tie?', 'x', 'y', 'tie')];

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

beforeAll(async () => {
  t = newEngine('export-style');
  for (const [name, format, rows] of [
    ['hh.jsonl', 'hh-rlhf', hh],
    ['arena.jsonl', 'arena', arena],
  ] as const) {
    const file = path.join(t.dir, name);
    fs.writeFileSync(file, jsonl(rows));
    unwrap(await t.engine.call('datasets.import', { importId: name.replace('.', '-'), source: { kind: 'path', path: file }, format }));
  }
});
afterAll(async () => {
  if (t) await closeEngine(t.engine);
});

let n = 0;
async function exportTrl(options: Omit<ExportOptionsInput, 'format'> = {}): Promise<{ report: ExportReport; rows: Record<string, unknown>[] }> {
  const outDir = path.join(t.dir, `out-${++n}`);
  const report = unwrap(await t.engine.call('datasets.export', { exportId: `s${n}`, options: { format: 'trl', ...options }, outDir }));
  const text = fs.readFileSync(path.join(outDir, 'train.jsonl'), 'utf8');
  return { report, rows: text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the style chosen from the data', () => {
  it('multi-turn prompts among the selected: conversational by default, no row left out for its prompt', async () => {
    const { report, rows } = await exportTrl();
    expect(report.style).toEqual({
      style: 'conversational',
      auto: true,
      reason: expect.stringMatching(
        /^Conversational \(message lists\), chosen from the data: 7 of 13 rows have a prompt with several turns or a system message \(first: prompt \S+\), which plain strings cannot hold; --style standard would leave those rows out\.$/,
      ),
      leftOut: 0,
    });
    expect(report.counts.train).toBe(13);
    expect(rows).toHaveLength(13);
    expect(report.counts.skipped).toEqual({ 'tie (not a pair)': 1 });
    expect(report.counts.skipped[SKIP_CONVERSATION]).toBeUndefined();
    // Every prompt is a message list; the multi-turn ones keep their three turns.
    for (const row of rows) expect(Array.isArray(row.prompt)).toBe(true);
    expect(rows.filter((r) => (r.prompt as unknown[]).length === 3)).toHaveLength(7);
    expect(rows[0]).toEqual({
      prompt: [
        { role: 'user', content: 'Hi 0' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Tell me about 0.' },
      ],
      chosen: [{ role: 'assistant', content: '0 is a number.' }],
      rejected: [{ role: 'assistant', content: 'No.' }],
      margin: 0,
    });
    // The card says the same.
    const card = fs.readFileSync(path.join(report.dir, 'README.md'), 'utf8');
    expect(card).toContain(`- Style: ${report.style!.reason}`);
  });

  it('an explicit --style standard still wins, and says what it left out, with example prompts', async () => {
    const { report, rows } = await exportTrl({ style: 'standard' });
    expect(report.style).toEqual({
      style: 'standard',
      auto: false,
      reason: 'Standard (strings), as asked: 7 rows with a prompt of several turns or a system message were left out (the conversational style keeps them).',
      leftOut: 7,
    });
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(typeof row.prompt).toBe('string');
    expect(report.counts.skipped).toEqual({ [SKIP_CONVERSATION]: 7, 'tie (not a pair)': 1 });
    const examples = report.counts.examples[SKIP_CONVERSATION]!;
    // Three different prompts (the first three multi-turn ones, in export order).
    expect(examples).toHaveLength(3);
    expect(new Set(examples).size).toBe(3);
    for (const e of examples) expect(e).toMatch(/^prompt \S+$/);
    expect(report.counts.examples['tie (not a pair)']).toEqual([expect.stringMatching(/^cmp-\d+ \(prompt \S+\)$/)]);
  });

  it('only single-turn prompts selected (a tag filter): standard strings', async () => {
    const { report, rows } = await exportTrl({ filters: { tags: ['arena'] } });
    expect(report.style).toEqual({ style: 'standard', auto: true, reason: 'Standard (strings), chosen from the data: every selected prompt is a single user turn.', leftOut: 0 });
    expect(rows).toEqual([
      { prompt: 'Capital of France?', chosen: 'Paris', rejected: 'Lyon', margin: 0 },
      { prompt: '2*3?', chosen: '6', rejected: '5', margin: 0 },
      { prompt: 'Sky colour?', chosen: 'blue', rejected: 'green', margin: 0 },
    ]);
  });

  it('the same choice for Parquet: the prompt column holds message lists', async () => {
    const outDir = path.join(t.dir, 'parquet');
    const written = unwrap(await t.engine.call('datasets.export', { exportId: 'pq', options: { format: 'trl', fileType: 'parquet' }, outDir }));
    expect(written.style?.style).toBe('conversational');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const read = await connection.runAndReadAll(`SELECT len(prompt) AS turns, prompt[1].content AS first FROM read_parquet('${path.join(outDir, 'train.parquet')}')`);
      const got = read.getRowObjectsJson() as { turns: number; first: string }[];
      expect(got).toHaveLength(13);
      expect(got.filter((r) => Number(r.turns) === 3)).toHaveLength(7);
      expect(got[0]!.first).toBe('Hi 0');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('the preview says the same before anything is written', async () => {
    const preview = unwrap(await t.engine.call('datasets.previewExport', { exportId: 'pv', options: { format: 'trl' }, limit: 1 }));
    expect(preview.style?.style).toBe('conversational');
    expect(preview.style?.auto).toBe(true);
    expect(preview.columns).toEqual(['prompt', 'chosen', 'rejected', 'margin']);
    expect(Array.isArray(preview.rows.train[0]!.prompt)).toBe(true);
  });
});

describe('the style follows the text each output was made from', () => {
  it('a multi-turn prompt edited to one line since: its rows keep the old turns, so still conversational', async () => {
    const e = newEngine('export-style-versions');
    try {
      const file = path.join(e.dir, 'hh.jsonl');
      fs.writeFileSync(file, jsonl([hh[0]!]));
      unwrap(await e.engine.call('datasets.import', { importId: 'v', source: { kind: 'path', path: file }, format: 'hh-rlhf' }));
      const [prompt] = unwrap(await e.engine.call('prompts.list', {})).items;
      unwrap(await e.engine.call('prompts.update', { id: prompt!.id, prompt: 'Now one line.' }));
      const outDir = path.join(e.dir, 'out');
      const report = unwrap(await e.engine.call('datasets.export', { exportId: 'v', options: { format: 'trl' }, outDir }));
      expect(report.style).toMatchObject({ style: 'conversational', auto: true });
      const row = JSON.parse(fs.readFileSync(path.join(outDir, 'train.jsonl'), 'utf8')) as { prompt: { content: string }[] };
      expect(row.prompt.map((m) => m.content)).toEqual(['Hi 0', 'Hello!', 'Tell me about 0.']);
    } finally {
      await closeEngine(e.engine);
    }
  });
});

describe('assay export prints the style and the reasons', () => {
  it('default: the style and why; each reason with its count and examples', async () => {
    const out = path.join(t.dir, 'cli-default');
    const run = await runCli('export', '--workspace', t.file, '--format', 'trl', '--out', out);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^trl: train 13, test 0, left out 1 in \d+ ms$/m);
    expect(run.stdout).toMatch(/^style: Conversational \(message lists\), chosen from the data: 7 of 13 rows have a prompt with several turns/m);
    expect(run.stdout).toMatch(/^left out:\n +1 {2}tie \(not a pair\) {2}e\.g\. cmp-\d+ \(prompt \S+\)$/m);
    expect(fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(13);
  });

  it('--style standard: the rows it leaves out, counted, most first, with example prompts', async () => {
    const run = await runCli('export', '--workspace', t.file, '--format', 'trl', '--style', 'standard', '--out', path.join(t.dir, 'cli-std'));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^trl: train 6, test 0, left out 8 in \d+ ms$/m);
    expect(run.stdout).toContain('style: Standard (strings), as asked: 7 rows with a prompt of several turns or a system message were left out');
    const lines = run.stdout.split('\n');
    const at = lines.indexOf('left out:');
    expect(lines[at + 1]).toMatch(new RegExp(`^ +7 {2}${SKIP_CONVERSATION.replace(/[()]/g, '\\$&')} {2}e\\.g\\. prompt \\S+, prompt \\S+, prompt \\S+$`));
    expect(lines[at + 2]).toMatch(/^ +1 {2}tie \(not a pair\) {2}e\.g\. cmp-\d+/);
    // --style auto is the default, said out loud.
    const auto = await runCli('export', '--workspace', t.file, '--format', 'trl', '--style', 'auto', '--preview', '--limit', '0');
    expect(auto.code).toBe(0);
    expect(auto.stdout).toMatch(/^train 13 rows, test 0 rows\nstyle: Conversational/m);
  });
});
