/**
 * Parquet imports for every dataset format: a row is the format's JSONL record (columns are the
 * fields; lists and structs as JSON arrays and objects; nulls as absent fields), rows numbered
 * from 1 in errors, row group by row group, all or nothing. Files written with hyparquet-writer.
 */
import path from 'node:path';
import zlib from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetImportFormat } from '../contract';
import { textHead } from '../core/datasets/imports/containers';
import { detectImportFormat } from '../contract';
import { cleanupAll, failure, importId, jsonl, newEngine, runCli, tempDir, unwrap, writeFile } from './helpers';
import { importDatasetInto } from './support/import-outcome';
import { EXPECTED, parquetOf, SAMPLES } from './support/import-samples';

afterAll(cleanupAll);

const FORMATS: DatasetImportFormat[] = ['hh-rlhf', 'arena', 'oasst', 'completions'];
const EMPTY = { prompts: [], generations: [], labels: [] };

describe('Parquet imports', () => {
  const dir = tempDir('assay-parquet-');

  it.each(FORMATS)('%s: a Parquet file imports exactly what the same records as JSONL do', async (format) => {
    const plain = await importDatasetInto(writeFile(dir, `${format}.jsonl`, jsonl(SAMPLES[format])), format);
    const file = writeFile(dir, `${format}.parquet`, parquetOf(format, SAMPLES[format]));
    // Detection reads the column names, as it reads a JSONL file's first keys.
    expect(detectImportFormat((await textHead(file, 65536))!, file)).toBe(format);
    const packed = await importDatasetInto(file, format);
    expect(packed.failure).toBeNull();
    expect(packed.report).toMatchObject({ file: `${format}.parquet`, ...EXPECTED[format] });
    expect(packed.content).toEqual(plain.content);
    expect(packed.content).not.toEqual(EMPTY);
  });

  it('reads row group by row group, gzip-compressed pages too, whatever the file is named', async () => {
    const again = (r: Record<string, unknown>) => ({
      ...r,
      question_id: `${String(r.question_id)}-b`,
      conversation_b: (r.conversation_b as { role: string; content: string }[]).map((m) => (m.role === 'assistant' ? { ...m, content: `${m.content} (again)` } : m)),
    });
    const rows = [...SAMPLES.arena, ...SAMPLES.arena.map(again)];
    const plain = await importDatasetInto(writeFile(dir, 'arena4.jsonl', jsonl(rows)), 'arena');
    const grouped = await importDatasetInto(writeFile(dir, 'arena4.parquet', parquetOf('arena', rows, 1)), 'arena');
    expect(grouped.report).toMatchObject({ rows: 4, imported: 4 });
    expect(grouped.content).toEqual(plain.content);
    const gz = parquetWriteBuffer({
      columnData: [
        { name: 'chosen', data: SAMPLES['hh-rlhf'].map((r) => r.chosen as string), type: 'STRING' },
        { name: 'rejected', data: SAMPLES['hh-rlhf'].map((r) => r.rejected as string), type: 'STRING' },
      ],
      codec: 'GZIP',
      compressors: { GZIP: (input: Uint8Array) => new Uint8Array(zlib.gzipSync(input)) },
    });
    const named = await importDatasetInto(writeFile(dir, 'train-00000-of-00001', Buffer.from(gz)), 'hh-rlhf');
    expect(named.report).toMatchObject(EXPECTED['hh-rlhf']);
  });

  it('names the row of a bad record (in a later row group too), and nothing lands', async () => {
    const rows = [...SAMPLES.arena, { ...SAMPLES.arena[0]!, winner: 'model_c' }];
    const result = await importDatasetInto(writeFile(dir, 'bad.parquet', parquetOf('arena', rows, 2)), 'arena');
    expect(result.failure?.details).toMatchObject({ file: 'bad.parquet', line: 3, reason: expect.stringMatching(/field 'winner'/) });
    expect(result.failure?.message).toMatch(/^bad\.parquet: row 3: .*Nothing from this file was imported\.$/);
    expect(result.content).toEqual(EMPTY);
    // A required column missing: the first row says so.
    const noRejected = parquetWriteBuffer({ columnData: [{ name: 'chosen', data: ['\n\nHuman: a\n\nAssistant: b'], type: 'STRING' }] });
    const missing = await importDatasetInto(writeFile(dir, 'missing.parquet', Buffer.from(noRejected)), 'hh-rlhf');
    expect(missing.failure?.details).toMatchObject({ line: 1, reason: expect.stringMatching(/rejected/) });
  });

  it('a damaged Parquet file fails whole with a plain reason', async () => {
    const bytes = parquetOf('hh-rlhf', SAMPLES['hh-rlhf']);
    const cut = await importDatasetInto(writeFile(dir, 'cut.parquet', bytes.subarray(0, bytes.length - 10)), 'hh-rlhf');
    expect(cut.failure?.message).toMatch(/the Parquet file cannot be read/);
    expect(cut.content).toEqual(EMPTY);
  });

  it('through the engine worker and the CLI (format from the columns); left-out rows are listed by row', async () => {
    const t = newEngine('pq-engine');
    const file = writeFile(t.dir, 'hh.parquet', parquetOf('hh-rlhf', SAMPLES['hh-rlhf']));
    const report = unwrap(await t.engine.call('datasets.import', { importId: importId('pq'), source: { kind: 'path', path: file }, format: 'hh-rlhf' }));
    expect(report).toMatchObject(EXPECTED['hh-rlhf']);
    const bad = writeFile(t.dir, 'bad.parquet', parquetOf('completions', [{ prompt: 'x' }]));
    const error = failure(await t.engine.call('datasets.import', { importId: importId('pq'), source: { kind: 'path', path: bad }, format: 'completions' }), 'import_failed');
    expect(error.message).toMatch(/row 1: .*completion/);

    const run = await runCli('import', file, '--workspace', path.join(tempDir('assay-pq-cli-'), 'w.assay'));
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^hh\.parquet \(hh-rlhf\): 3 records, 2 imported.*\nleft out:\n {2}row 3: chosen and rejected are identical\n$/s);
  });
});
