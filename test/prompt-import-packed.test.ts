/**
 * Prompt imports (prompts.import, `assay import`) of packed files, as Hugging Face ships them:
 * `.jsonl.gz`, `.csv.gz`, `.jsonl.zst` and Parquet (columns = the JSONL fields), told by their
 * bytes, with the plain files' rules: streamed, numbered errors (rows for Parquet), all or nothing.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportFailure, ImportProgress, ImportReport } from '../contract';
import type { ReadableDB } from '../db/handles';
import { importPromptsFile } from '../core/prompts/importer';
import { openWorkspace } from '../core/workspace/workspace';
import { cleanupAll, failure, importId, importPath, jsonl, newEngine, runCli, tempDir, unwrap, writeFile } from './helpers';
import { importOutcome } from './support/import-outcome';
import { listOfStrings, listOfStructs, str } from './support/import-samples';

afterAll(cleanupAll);

const PROMPTS: Record<string, unknown>[] = [
  { id: 'arith-1', prompt: 'What is seven plus 5?', reference: '12', tags: ['arithmetic', 'easy'] },
  { id: 'chat-1', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Define entropy.' }], tags: ['science'] },
  { prompt: 'Once upon a time, a small dog', tags: [] },
  { id: 'story-2', prompt: 'The rain, "again", fell\non the old town.', reference: null },
];

/** The same prompts as CSV: messages as JSON, tags as a;b. */
function csvOf(rows: Record<string, unknown>[]): string {
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = rows.map((r) =>
    [
      (r.id as string | undefined) ?? '',
      (r.prompt as string | undefined) ?? '',
      r.messages ? JSON.stringify(r.messages) : '',
      (r.reference as string | null | undefined) ?? '',
      ((r.tags as string[] | undefined) ?? []).join(';'),
    ]
      .map(cell)
      .join(','),
  );
  return ['id,prompt,messages,reference,tags', ...lines].join('\n') + '\n';
}

/** The prompts as pyarrow writes a list of dicts: strings, messages a list of {role, content}, tags a list; absent is null. */
function parquetOfPrompts(rows: Record<string, unknown>[], rowGroupSize?: number, extra: Record<string, unknown[]> = {}): Buffer {
  const col = (name: string) => rows.map((r) => (r[name] === undefined ? null : r[name]));
  const extraNames = Object.keys(extra);
  const bytes = parquetWriteBuffer({
    columnData: [
      ...['id', 'prompt', 'messages', 'reference', 'tags'].map((name) => ({ name, data: col(name) })),
      ...extraNames.map((name) => ({ name, data: extra[name]! })),
    ] as never,
    schema: [
      { name: 'root', num_children: 5 + extraNames.length },
      str('id'),
      str('prompt'),
      ...listOfStructs('messages', ['role', 'content']),
      str('reference'),
      ...listOfStrings('tags'),
      ...extraNames.map((name) => str(name)),
    ],
    rowGroupSize,
  });
  return Buffer.from(bytes);
}

function zstdOf(text: string): Buffer {
  return execFileSync('zstd', ['-q', '-c'], { input: Buffer.from(text) });
}

/** Every prompt with its text, messages, reference and tags, ordered by id. */
function promptsOf(db: ReadableDB): unknown[] {
  return db
    .prepare(
      "SELECT id, prompt, messages, reference, (SELECT group_concat(tag, ',') FROM (SELECT tag FROM prompt_tags t WHERE t.prompt_seq = p.seq ORDER BY tag)) AS tags FROM prompts p ORDER BY id",
    )
    .all();
}

type Outcome = { report: ImportReport | null; failure: { message: string; details: ImportFailure } | null; prompts: unknown[] };

/** Imports a file into a new workspace (optionally holding `before` already): the report or the failure, and the prompts after. */
async function importInto(file: string, options: { format?: 'jsonl' | 'csv'; onProgress?: (p: ImportProgress) => void; before?: string } = {}): Promise<Outcome> {
  const { report, failure, content } = await importOutcome(async (writer) => {
    if (options.before) await importPromptsFile(writer, { importId: importId('pp0'), file: options.before, onDuplicate: 'skip' });
    return importPromptsFile(writer, { importId: importId('pp'), file, format: options.format, onDuplicate: 'skip', onProgress: options.onProgress });
  }, promptsOf);
  return { report, failure, prompts: content };
}

describe('packed prompt files', () => {
  const dir = tempDir('assay-packed-prompts-');
  const text = jsonl(PROMPTS);

  it('.jsonl.gz, .csv.gz, .jsonl.zst and Parquet import the same prompts as the plain file', async () => {
    const plain = await importInto(writeFile(dir, 'prompts.jsonl', text));
    expect(plain.failure).toBeNull();
    expect(plain.prompts).toHaveLength(4);
    expect(plain.prompts).toContainEqual({ id: 'arith-1', prompt: 'What is seven plus 5?', messages: null, reference: '12', tags: 'arithmetic,easy' });

    const files = {
      'prompts.jsonl.gz': zlib.gzipSync(text),
      'prompts.csv.gz': zlib.gzipSync(csvOf(PROMPTS)),
      'prompts.jsonl.zst': zstdOf(text),
      'prompts.parquet': parquetOfPrompts(PROMPTS),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const packed = await importInto(writeFile(dir, name, bytes));
      expect(packed.failure, name).toBeNull();
      expect(packed.report, name).toMatchObject({ file: name, format: name.includes('.csv') ? 'csv' : 'jsonl', rows: 4, imported: 4, ignoredColumns: [] });
      expect(packed.prompts, name).toEqual(plain.prompts);
    }
  });

  it('tells the packing by the bytes, not the name: a gzip named .jsonl, a Parquet with no extension, several row groups', async () => {
    const plain = await importInto(writeFile(dir, 'p2.jsonl', text));
    const misnamed = await importInto(writeFile(dir, 'really-gzip.jsonl', zlib.gzipSync(text)));
    expect(misnamed.failure).toBeNull();
    expect(misnamed.prompts).toEqual(plain.prompts);
    // Concatenated gzip members (`cat a.gz b.gz`) are one file.
    const halves = Buffer.concat([zlib.gzipSync(jsonl(PROMPTS.slice(0, 2))), zlib.gzipSync(jsonl(PROMPTS.slice(2)))]);
    expect((await importInto(writeFile(dir, 'members.jsonl.gz', halves))).prompts).toEqual(plain.prompts);
    const noName = await importInto(writeFile(dir, 'train-00000-of-00001', parquetOfPrompts(PROMPTS, 1, { source: ['a', 'b', 'c', 'd'] })));
    expect(noName.failure).toBeNull();
    expect(noName.report).toMatchObject({ rows: 4, imported: 4, ignoredColumns: ['source'] });
    expect(noName.prompts).toEqual(plain.prompts);
  });

  it('a bad line in a .jsonl.gz names its line and commits nothing', async () => {
    const before = writeFile(dir, 'before.jsonl', jsonl([{ id: 'kept', prompt: 'Already here' }]));
    const lines = [jsonl(PROMPTS.slice(0, 2)).trimEnd(), '{"prompt": "cut', jsonl(PROMPTS.slice(2)).trimEnd()].join('\n') + '\n';
    const bad = await importInto(writeFile(dir, 'bad.jsonl.gz', zlib.gzipSync(lines)), { before });
    expect(bad.report).toBeNull();
    expect(bad.failure!.message).toMatch(/^bad\.jsonl\.gz: line 3: invalid JSON .*Nothing from this file was imported\.$/);
    expect(bad.failure!.details).toMatchObject({ file: 'bad.jsonl.gz', line: 3 });
    expect(bad.prompts).toEqual([{ id: 'kept', prompt: 'Already here', messages: null, reference: null, tags: null }]);
    // A row that parses but is not a prompt: named by its line too, in a .zst.
    const noPrompt = await importInto(writeFile(dir, 'bad.jsonl.zst', zstdOf(jsonl([PROMPTS[0], { id: 'x', tags: ['a'] }]))));
    expect(noPrompt.failure!.message).toMatch(/^bad\.jsonl\.zst: line 2: a row needs exactly one of 'prompt'/);
    expect(noPrompt.prompts).toEqual([]);
  });

  it('a damaged or cut-short .gz fails the whole file', async () => {
    const gz = zlib.gzipSync(jsonl(Array.from({ length: 200 }, (_, i) => ({ prompt: `prompt number ${i}` }))));
    const cut = await importInto(writeFile(dir, 'cut.jsonl.gz', gz.subarray(0, gz.length - 30)));
    expect(cut.failure!.message).toMatch(/^cut\.jsonl\.gz: the gzip \(\.gz\) data is damaged or cut short/);
    expect(cut.failure!.details.line).toBeNull();
    expect(cut.prompts).toEqual([]);
  });

  it('a bad Parquet row names its row and commits nothing', async () => {
    const rows = [PROMPTS[0]!, { id: 'empty', prompt: '' }, PROMPTS[2]!];
    const bad = await importInto(writeFile(dir, 'bad.parquet', parquetOfPrompts(rows, 1)));
    expect(bad.report).toBeNull();
    expect(bad.failure!.message).toBe("bad.parquet: row 2: field 'prompt': the prompt is empty. Nothing from this file was imported.");
    expect(bad.failure!.details).toMatchObject({ file: 'bad.parquet', line: 2, reason: "field 'prompt': the prompt is empty" });
    expect(bad.prompts).toEqual([]);
  });

  it('reports progress in the file bytes, for .gz and Parquet alike', async () => {
    const many = Array.from({ length: 30_000 }, (_, i) => ({ id: `p-${i}`, prompt: `Prompt ${i}: ${'words '.repeat(i % 7)}`, tags: [`t${i % 5}`] }));
    for (const [name, bytes] of [
      ['many.jsonl.gz', zlib.gzipSync(jsonl(many))],
      ['many.parquet', parquetOfPrompts(many, 5000)],
    ] as const) {
      const events: ImportProgress[] = [];
      const file = writeFile(dir, name, bytes);
      const outcome = await importInto(file, { onProgress: (p) => events.push(p) });
      expect(outcome.report, name).toMatchObject({ rows: 30_000, imported: 30_000 });
      const last = events.at(-1)!;
      expect(last, name).toMatchObject({ phase: 'done', rows: 30_000, bytesRead: bytes.length, totalBytes: bytes.length });
      expect(events.map((e) => e.phase), name).toContain('committing');
      // Bytes never go backwards and never past the file's size.
      const read = events.map((e) => e.bytesRead);
      expect(read, name).toEqual([...read].sort((a, b) => a - b));
      expect(Math.max(...read), name).toBeLessThanOrEqual(bytes.length);
      if (name.endsWith('.parquet')) {
        // Parquet is read row group by row group: progress moves through the file, not only at the end.
        expect(events.some((e) => e.phase === 'reading' && e.bytesRead > 0 && e.bytesRead < bytes.length && e.rows > 0 && e.rows < 30_000)).toBe(true);
      }
    }
  });

  it('prompts.import (the worker) reads a Parquet file and a .csv.gz', async () => {
    const { engine, dir: edir } = newEngine('packed-prompts');
    const pq = writeFile(edir, 'prompts.parquet', parquetOfPrompts(PROMPTS));
    expect(unwrap(await importPath(engine, pq))).toMatchObject({ file: 'prompts.parquet', rows: 4, imported: 4 });
    const csv = writeFile(edir, 'prompts.csv.gz', zlib.gzipSync(csvOf(PROMPTS)));
    expect(unwrap(await importPath(engine, csv, { format: 'csv' }))).toMatchObject({ rows: 4, imported: 0, skippedDuplicates: 4 });
    const bad = writeFile(edir, 'bad.parquet', parquetOfPrompts([PROMPTS[1]!, { prompt: 'ok', messages: [{ role: 'user', content: 'and messages' }] }]));
    const error = failure(await importPath(engine, bad), 'import_failed');
    expect(error.message).toMatch(/^bad\.parquet: row 2: a row needs exactly one of 'prompt'/);
    expect(error.details).toMatchObject({ line: 2 });
  });

  it('assay import reads a .jsonl.gz prompt file', async () => {
    const cliDir = tempDir('assay-pp-cli-');
    const workspaceFile = path.join(cliDir, 'w.assay');
    const file = writeFile(cliDir, 'prompts.jsonl.gz', zlib.gzipSync(text));
    const run = await runCli('import', file, '--workspace', workspaceFile);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^prompts\.jsonl\.gz: 4 rows, 4 imported, 0 replaced, 0 duplicates skipped in \d+ ms\n$/);
    const workspace = openWorkspace(workspaceFile);
    try {
      expect(promptsOf(workspace.reader)).toEqual((await importInto(writeFile(cliDir, 'prompts.jsonl', text))).prompts);
    } finally {
      workspace.close();
    }
    // A bad line: exit 1, the line named, nothing added.
    const bad = writeFile(cliDir, 'bad.jsonl.gz', zlib.gzipSync(`{"prompt": "new one"}\n{"prompt": 3}\n`));
    const failed = await runCli('import', bad, '--workspace', workspaceFile);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/bad\.jsonl\.gz: line 2: field 'prompt'/);
  });
});
