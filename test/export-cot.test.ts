/**
 * Chain-of-thought SFT exports (sft-cot, sft-cot-messages): the corrector's think-aloud steps before
 * the corrected answer, read back from the files (JSONL, Parquet through DuckDB, the CLI's output).
 * The fixture (test/support/export-fixture.ts): alice tagged g2 (" 5" for 2+2), wrote two steps in her
 * submitted review and corrected it to " 4"; bob corrected g3 twice and wrote no steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportOptions, type ExportOptionsInput, type ExportReport } from '../contract/datasets';
import { runExport } from '../core/datasets/export/run';
import { openReader, type ReadableDB } from '../db/handles';
import { cleanupAll, newEngine, runCli, type TestEngine } from './helpers';
import { buildExportFixture } from './support/export-fixture';

afterAll(cleanupAll);

let t: TestEngine;
let db: ReadableDB;

beforeAll(async () => {
  t = newEngine('export-cot');
  await buildExportFixture(t.engine, t.workspace);
  db = openReader(t.file);
});
afterAll(() => db?.close());

let n = 0;
function exportTo(options: ExportOptionsInput): { dir: string; report: ExportReport } {
  const dir = path.join(t.dir, `out-${++n}`);
  const report = runExport(db, { mode: 'write', exportId: `cot${n}`, options: ExportOptions.parse(options), outDir: dir }) as ExportReport;
  return { dir, report };
}
const rowsOf = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const NO_STEPS = 'a correction whose author left no think-aloud steps in a submitted review';
const THINK = '<think>\nAdds 2 and 2, gets 5.\nShould be 4.\n</think>\n\n 4';

describe('chain-of-thought SFT', () => {
  it('prompt/completion: the steps inside <think>…</think>, then the corrected answer; corrections without steps counted out', () => {
    const { dir, report } = exportTo({ format: 'sft-cot' });
    const text = fs.readFileSync(path.join(dir, 'train.jsonl'), 'utf8');
    expect(text).toBe(`${JSON.stringify({ prompt: 'What is 2+2?', completion: THINK })}\n`);
    // The shape TRL's think_format_reward accepts: one <think> block first, the answer after it.
    const completion = rowsOf(path.join(dir, 'train.jsonl'))[0]!.completion as string;
    expect(completion).toMatch(/^<think>(?![\s\S]*<think>)([\s\S]*?)<\/think>[\s\S]*$/);
    expect(completion.indexOf('Should be 4.')).toBeLessThan(completion.indexOf('</think>'));
    expect(report.counts.train).toBe(1);
    expect(report.counts.skipped).toEqual({ [NO_STEPS]: 1 });
    expect(report.counts.examples[NO_STEPS]).toEqual([expect.stringMatching(/^fix-\d+ \(prompt p2\)$/)]);

    const conv = rowsOf(path.join(exportTo({ format: 'sft-cot', style: 'conversational' }).dir, 'train.jsonl'));
    expect(conv).toEqual([{ prompt: [{ role: 'user', content: 'What is 2+2?' }], completion: [{ role: 'assistant', content: THINK }] }]);
  });

  it('messages: the steps as the assistant reply’s "thinking", the answer as its content; provenance names the corrector', () => {
    const { dir } = exportTo({ format: 'sft-cot-messages', provenance: true });
    const [row, ...rest] = rowsOf(path.join(dir, 'train.jsonl'));
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      messages: [
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', thinking: 'Adds 2 and 2, gets 5.\nShould be 4.', content: ' 4' },
      ],
      reviewer: 'alice',
      model_b: 'm-large',
    });
    // Reasoning comes before the answer in the reply, as the key order a chat template reads.
    expect(Object.keys((row!.messages as object[])[1]!)).toEqual(['role', 'thinking', 'content']);
    const card = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(card).toContain('Chain-of-thought SFT conversations');
    expect(card).toMatch(/- name: thinking\n\s+dtype: string/);
    expect(card).toContain('chain-of-thought');
  });

  it('Parquet: the same rows, thinking null on the prompt turns', async () => {
    const { dir } = exportTo({ format: 'sft-cot-messages', fileType: 'parquet' });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path.join(dir, 'train.parquet')}')`);
      expect(reader.getRowObjectsJson()).toEqual([
        {
          messages: [
            { role: 'user', thinking: null, content: 'What is 2+2?' },
            { role: 'assistant', thinking: 'Adds 2 and 2, gets 5.\nShould be 4.', content: ' 4' },
          ],
        },
      ]);
      const plain = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path.join(exportTo({ format: 'sft-cot', fileType: 'parquet' }).dir, 'train.parquet')}')`);
      expect(plain.getRowObjectsJson()).toEqual([{ prompt: 'What is 2+2?', completion: THINK }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('a deleted step is not reasoning; steps in a draft review are not either', async () => {
    const other = newEngine('export-cot-edit');
    const ofx = await buildExportFixture(other.engine, other.workspace);
    const call = async (method: string, input: unknown) => {
      const r = await other.engine.call(method as 'review.saveStep', input as never);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    const extra = (await call('review.saveStep', { generationId: ofx.gens.g2, reviewerId: ofx.reviewers.alice, body: 'A third thought.' })) as { id: number };
    await call('review.deleteStep', { id: extra.id, reviewerId: ofx.reviewers.alice });
    // bob writes a step on g3 (which he corrected) but leaves his review a draft.
    await call('review.save', { generationId: ofx.gens.g3, reviewerId: ofx.reviewers.bob, verdict: 'bad', submit: false });
    await call('review.saveStep', { generationId: ofx.gens.g3, reviewerId: ofx.reviewers.bob, body: 'Needs an exclamation.' });
    const odb = openReader(other.file);
    try {
      const dir = path.join(other.dir, 'out');
      const report = runExport(odb, { mode: 'write', exportId: 'cot-edit', options: ExportOptions.parse({ format: 'sft-cot' }), outDir: dir }) as ExportReport;
      expect(rowsOf(path.join(dir, 'train.jsonl')).map((r) => r.completion)).toEqual([THINK]);
      expect(report.counts.skipped).toEqual({ [NO_STEPS]: 1 });
    } finally {
      odb.close();
    }
  });

  it('assay export --format sft-cot-messages writes the rows', async () => {
    const out = path.join(t.dir, 'cli-cot');
    const run = await runCli('export', '--workspace', t.file, '--format', 'sft-cot-messages', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sft-cot-messages: train 1, test 0, left out 1/);
    expect(rowsOf(path.join(out, 'train.jsonl'))[0]!.messages).toEqual([
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', thinking: 'Adds 2 and 2, gets 5.\nShould be 4.', content: ' 4' },
    ]);
  });
});
