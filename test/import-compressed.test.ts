/**
 * Compressed dataset files, as Hugging Face datasets ship them: `.jsonl.gz` (node:zlib, streamed)
 * and `.zst` (fzstd), told by their magic bytes rather than their names, with the same streaming,
 * line-numbered, all-or-nothing rules as plain files.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetImportFormat, DatasetImportReport, ImportProgress } from '../contract';
import { containerOf, textHead } from '../core/datasets/imports/containers';
import { cleanupAll, failure, importId, jsonl, newEngine, runCli, tempDir, unwrap, writeFile } from './helpers';
import { importDatasetInto } from './support/import-outcome';
import { EXPECTED, SAMPLES } from './support/import-samples';

afterAll(cleanupAll);

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
const FORMATS: DatasetImportFormat[] = ['hh-rlhf', 'arena', 'oasst', 'completions'];

const EMPTY = { prompts: [], generations: [], labels: [] };

describe('.jsonl.gz and .zst imports', () => {
  const dir = tempDir('assay-gz-');

  it.each(FORMATS)('%s: a .jsonl.gz imports exactly what the plain .jsonl does', async (format) => {
    const text = jsonl(SAMPLES[format]);
    const plain = await importDatasetInto(writeFile(dir, `${format}.jsonl`, text), format);
    const packed = await importDatasetInto(writeFile(dir, `${format}.jsonl.gz`, zlib.gzipSync(text)), format);
    expect(packed.report).toMatchObject({ file: `${format}.jsonl.gz`, ...EXPECTED[format] } as Partial<DatasetImportReport>);
    expect(packed.content).toEqual(plain.content);
    expect(packed.content).not.toEqual(EMPTY);
  });

  it('a completions CSV inside .csv.gz is read as CSV', async () => {
    const csv = 'id,prompt,completion,model\nc1,Say hi,hi,m-small\nc2,Say bye,bye,\n';
    const plain = await importDatasetInto(writeFile(dir, 'rows.csv', csv), 'completions');
    const packed = await importDatasetInto(writeFile(dir, 'rows.csv.gz', zlib.gzipSync(csv)), 'completions');
    expect(packed.report).toMatchObject({ rows: 2, imported: 2, created: { generations: 2 } });
    expect(packed.content).toEqual(plain.content);
  });

  it('a .zst made by the zstd CLI (test/fixtures) imports what its JSONL holds', async () => {
    const fixture = path.join(FIXTURES, 'hh-rlhf-sample.jsonl.zst');
    expect(containerOf(fs.readFileSync(fixture))).toBe('zstd');
    const plain = await importDatasetInto(writeFile(dir, 'hh-plain.jsonl', jsonl(SAMPLES['hh-rlhf'])), 'hh-rlhf');
    const packed = await importDatasetInto(fixture, 'hh-rlhf');
    expect(packed.report).toMatchObject({ file: 'hh-rlhf-sample.jsonl.zst', ...EXPECTED['hh-rlhf'] });
    expect(packed.content).toEqual(plain.content);
  });

  it('tells the container by its bytes, not its name: gzip named .jsonl, plain text named .gz', async () => {
    const text = jsonl(SAMPLES['hh-rlhf']);
    const disguised = await importDatasetInto(writeFile(dir, 'pairs.jsonl', zlib.gzipSync(text)), 'hh-rlhf');
    expect(disguised.report).toMatchObject(EXPECTED['hh-rlhf']);
    const plainNamedGz = await importDatasetInto(writeFile(dir, 'pairs-plain.jsonl.gz', text), 'hh-rlhf');
    expect(plainNamedGz.report).toMatchObject(EXPECTED['hh-rlhf']);
    expect(await textHead(writeFile(dir, 'head.bin', zlib.gzipSync(text)), 64 * 1024)).toBe(text);
  });

  it('concatenated gzip members are one file, numbered across members', async () => {
    const rows = SAMPLES['hh-rlhf'];
    const file = writeFile(dir, 'members.jsonl.gz', Buffer.concat([zlib.gzipSync(jsonl(rows.slice(0, 2))), zlib.gzipSync(jsonl(rows.slice(2)) + '{"chosen": 1}\n')]));
    const result = await importDatasetInto(file, 'hh-rlhf');
    expect(result.failure?.details.line).toBe(4);
    expect(result.content).toEqual(EMPTY);
    const good = writeFile(dir, 'members-ok.jsonl.gz', Buffer.concat([zlib.gzipSync(jsonl(rows.slice(0, 2))), zlib.gzipSync(jsonl(rows.slice(2)))]));
    expect((await importDatasetInto(good, 'hh-rlhf')).report).toMatchObject(EXPECTED['hh-rlhf']);
  });

  it('a bad line inside a compressed file is named by its line, and nothing lands', async () => {
    const text = jsonl(SAMPLES.arena) + '{"model_a": "x", "model_b": "y", "winner": "model_c", "conversation_a": [], "conversation_b": []}\n';
    for (const [name, bytes] of [
      ['bad.jsonl.gz', zlib.gzipSync(text)],
      ['bad.jsonl', zlib.gzipSync(text)],
    ] as const) {
      const result = await importDatasetInto(writeFile(dir, name, bytes), 'arena');
      expect(result.failure?.details).toMatchObject({ file: name, line: 3 });
      expect(result.failure?.message).toMatch(/line 3: .*Nothing from this file was imported/);
      expect(result.content).toEqual(EMPTY);
    }
    // Invalid UTF-8 after decompression: the strict line rules hold.
    const utf8 = Buffer.concat([Buffer.from(jsonl(SAMPLES['hh-rlhf'].slice(0, 1))), Buffer.from('{"chosen": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const bad = await importDatasetInto(writeFile(dir, 'utf8.jsonl.gz', zlib.gzipSync(utf8)), 'hh-rlhf');
    expect(bad.failure?.details).toMatchObject({ line: 2, reason: expect.stringMatching(/not valid UTF-8/) });
  });

  it('damaged or cut-short gzip and Zstandard data fails the whole file, nothing imported', async () => {
    // Enough rows that the first lines decode before the damage is reached.
    const rows = Array.from({ length: 3000 }, (_, i) => ({ chosen: `\n\nHuman: q${i}\n\nAssistant: yes ${i}`, rejected: `\n\nHuman: q${i}\n\nAssistant: no ${i % 7}` }));
    const gz = zlib.gzipSync(jsonl(rows));
    const zst = fs.readFileSync(path.join(FIXTURES, 'hh-rlhf-sample.jsonl.zst'));
    const flipped = Buffer.from(gz);
    for (let i = 200; i < 260; i++) flipped[i] = flipped[i]! ^ 0xff;
    const cases: [string, Buffer, RegExp][] = [
      ['cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)), /gzip \(\.gz\) data is damaged or cut short/],
      ['flipped.jsonl.gz', flipped, /gzip \(\.gz\) data is damaged or cut short/],
      ['cut.jsonl.zst', zst.subarray(0, zst.length - 20), /Zstandard \(\.zst\) data is damaged or cut short/],
    ];
    for (const [name, bytes, reason] of cases) {
      const result = await importDatasetInto(writeFile(dir, name, bytes), 'hh-rlhf');
      expect(result.failure?.message, name).toMatch(reason);
      expect(result.failure?.message).toMatch(/Nothing from this file was imported/);
      expect(result.content, name).toEqual(EMPTY);
    }
  });

  it('streams: progress counts compressed bytes against the file size', async () => {
    const rows = Array.from({ length: 8_000 }, (_, i) => ({ chosen: `\n\nHuman: question ${i} ${'why '.repeat(30)}\n\nAssistant: yes`, rejected: `\n\nHuman: question ${i} ${'why '.repeat(30)}\n\nAssistant: no` }));
    const file = writeFile(dir, 'big.jsonl.gz', zlib.gzipSync(jsonl(rows)));
    const size = fs.statSync(file).size;
    const seen: ImportProgress[] = [];
    const result = await importDatasetInto(file, 'hh-rlhf', (p) => seen.push(p));
    expect(result.report).toMatchObject({ rows: 8_000, imported: 8_000 });
    expect(seen.every((p) => p.totalBytes === size && p.bytesRead <= size)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ phase: 'done', bytesRead: size, rows: 8_000 });
  });

  it('through the engine and its worker, and from the CLI with the format detected inside the .gz', async () => {
    const t = newEngine('gz-engine');
    const file = writeFile(t.dir, 'battles.jsonl.gz', zlib.gzipSync(jsonl(SAMPLES.arena)));
    const report = unwrap(await t.engine.call('datasets.import', { importId: importId('gz'), source: { kind: 'path', path: file }, format: 'arena' }));
    expect(report).toMatchObject(EXPECTED.arena);
    const bad = writeFile(t.dir, 'bad.jsonl.gz', zlib.gzipSync(jsonl(SAMPLES.arena)).subarray(0, 40));
    const error = failure(await t.engine.call('datasets.import', { importId: importId('gz'), source: { kind: 'path', path: bad }, format: 'arena' }), 'import_failed');
    expect(error.message).toMatch(/damaged or cut short/);

    const cliDir = tempDir('assay-gz-cli-');
    const run = await runCli('import', file, '--workspace', path.join(cliDir, 'w.assay'));
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^battles\.jsonl\.gz \(arena\): 2 records, 2 imported/);
    const zst = await runCli('import', path.join(FIXTURES, 'hh-rlhf-sample.jsonl.zst'), '--workspace', path.join(cliDir, 'w.assay'));
    expect(zst.stdout).toMatch(/^hh-rlhf-sample\.jsonl\.zst \(hh-rlhf\): 3 records, 2 imported.*\nleft out:\n {2}line 3: chosen and rejected are identical\n$/s);
    // Prompt files (no dataset format) import packed too (test/prompt-import-packed.test.ts).
    const prompts = writeFile(cliDir, 'prompts.jsonl.gz', zlib.gzipSync(jsonl([{ prompt: 'Hi' }])));
    const imported = await runCli('import', prompts, '--workspace', path.join(cliDir, 'w.assay'));
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^prompts\.jsonl\.gz: 1 rows, 1 imported/);
  });
});
