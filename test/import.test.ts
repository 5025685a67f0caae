import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type ImportFailure, type Result } from '../contract';
import { importPromptsFile } from '../core/prompts/importer';
import { contentId } from '../core/prompts/rows';
import {
  cleanupAll,
  closeEngine,
  collectEvents,
  failure,
  importId,
  importPath,
  jsonl,
  newEngine,
  promptCount,
  type TestEngine,
  unwrap,
  writeBigJsonl,
  writeFile,
} from './helpers';

afterAll(cleanupAll);

/** Two files of 20,000 prompts (ids and file names from the prefixes): one imports while the other waits. */
function twoFiles(dir: string, first: string, second: string): [string, string] {
  return [first, second].map((prefix) => {
    const file = path.join(dir, `${prefix}file.jsonl`);
    writeBigJsonl(file, 20_000, prefix);
    return file;
  }) as [string, string];
}

/** A failed import's details, checked against the contract's shape. */
function importFailure(result: Awaited<ReturnType<typeof importPath>>): { message: string; details: ImportFailure } {
  const error = failure(result, 'import_failed');
  return { message: error.message, details: error.details as ImportFailure };
}

describe('prompt import through the engine (worker thread)', () => {
  let t: TestEngine;
  beforeAll(() => {
    t = newEngine('import');
  });

  it('imports JSONL with prompt, messages, id, reference and tags', async () => {
    const { engine, dir } = t;
    const rows = [
      { id: 'j-1', prompt: 'Write a haiku about rivers', reference: 'Water flows...', tags: ['poetry', 'short'] },
      { id: 'j-2', messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Name three moons' }] },
      { prompt: 'A prompt without an id', tags: ['poetry', 'poetry'], colour: 'blue' },
      { id: 42, prompt: 'Numeric ids become text', reference: null },
    ];
    const file = writeFile(dir, 'valid.jsonl', jsonl(rows));
    const changes = collectEvents(engine, 'onDidChangePrompts');
    const report = unwrap(await importPath(engine, file));
    changes.stop();

    expect(report).toMatchObject({
      file: 'valid.jsonl',
      format: 'jsonl',
      rows: 4,
      imported: 4,
      replaced: 0,
      skippedDuplicates: 0,
      ignoredColumns: ['colour'],
    });
    expect(changes.events).toEqual([{ reason: 'import' }]);

    const first = unwrap(await engine.call('prompts.get', { id: 'j-1' }));
    expect(first).toMatchObject({ prompt: 'Write a haiku about rivers', messages: null, reference: 'Water flows...', tags: ['poetry', 'short'] });
    const second = unwrap(await engine.call('prompts.get', { id: 'j-2' }));
    expect(second.prompt).toBeNull();
    expect(second.messages).toEqual(rows[1]!.messages);
    expect(second.tags).toEqual([]);
    const derived = contentId('A prompt without an id', null);
    expect(derived).toMatch(/^p-[0-9a-f]{20}$/);
    expect(unwrap(await engine.call('prompts.get', { id: derived }))).toMatchObject({ prompt: 'A prompt without an id', tags: ['poetry'] });
    expect(unwrap(await engine.call('prompts.get', { id: '42' })).prompt).toBe('Numeric ids become text');
  });

  it('imports CSV with a header, a quoted multi-line field, a;b tags and a JSON messages cell', async () => {
    const { engine, dir } = t;
    const csv = [
      'id,prompt,messages,reference,tags,notes',
      'c-1,"First line',
      'second line, with a comma and ""quotes""",,ref one,a;b,ignored',
      'c-2,,"[{""role"":""user"",""content"":""Hello from CSV""}]",,"[""x"",""y""]",',
      'c-3,Plain prompt,,,,',
      '',
    ].join('\n');
    const file = writeFile(dir, 'valid.csv', csv);
    const report = unwrap(await importPath(engine, file));
    expect(report).toMatchObject({ format: 'csv', rows: 3, imported: 3, ignoredColumns: ['notes'] });

    expect(unwrap(await engine.call('prompts.get', { id: 'c-1' }))).toMatchObject({
      prompt: 'First line\nsecond line, with a comma and "quotes"',
      reference: 'ref one',
      tags: ['a', 'b'],
    });
    expect(unwrap(await engine.call('prompts.get', { id: 'c-2' }))).toMatchObject({
      prompt: null,
      messages: [{ role: 'user', content: 'Hello from CSV' }],
      reference: null,
      tags: ['x', 'y'],
    });
    expect(unwrap(await engine.call('prompts.get', { id: 'c-3' }))).toMatchObject({ prompt: 'Plain prompt', reference: null, tags: [] });
  });

  it('names the physical line of a bad CSV row, after a multi-line field', async () => {
    const { engine, dir } = t;
    const before = await promptCount(engine);
    const csv = ['id,prompt,messages', 'x-1,"spans', 'two lines",', 'x-2,,not json', ''].join('\n');
    const { message, details } = importFailure(await importPath(engine, writeFile(dir, 'bad-messages.csv', csv)));
    expect(message).toContain('bad-messages.csv');
    expect(message).toContain('line 4');
    expect(details.line).toBe(4);
    expect(details.reason).toMatch(/messages/);
    expect(await promptCount(engine)).toBe(before);
  });

  it('refuses a CSV without a prompt or messages column', async () => {
    const { engine, dir } = t;
    const { message, details } = importFailure(await importPath(engine, writeFile(dir, 'noheader.csv', 'text,tags\nhello,a\n')));
    expect(message).toMatch(/line 1.*'prompt' or a 'messages' column/);
    expect(details.line).toBe(1);
  });

  it('refuses a CSV row with the wrong number of cells, naming its line', async () => {
    const { engine, dir } = t;
    const before = await promptCount(engine);
    const { details } = importFailure(await importPath(engine, writeFile(dir, 'ragged.csv', 'id,prompt\nr-1,ok\nr-2,too,many\n')));
    expect(details.line).toBe(3);
    expect(await promptCount(engine)).toBe(before);
  });

  it('refuses a file with a malformed JSON line, naming the file and line, and imports nothing from it', async () => {
    const { engine, dir } = t;
    const before = await promptCount(engine);
    const lines = [
      JSON.stringify({ id: 'm-1', prompt: 'fine' }),
      JSON.stringify({ id: 'm-2', prompt: 'also fine' }),
      '',
      '{"id": "m-3", "prompt": "broken',
      JSON.stringify({ id: 'm-4', prompt: 'never reached' }),
    ];
    const file = writeFile(dir, 'malformed.jsonl', lines.join('\n') + '\n');
    const progress = collectEvents(engine, 'onDidImportProgress');
    const { message, details } = importFailure(await importPath(engine, file));
    progress.stop();

    expect(message).toContain('malformed.jsonl');
    expect(message).toContain('line 4');
    expect(message).toMatch(/invalid JSON/);
    expect(details).toMatchObject({ file: 'malformed.jsonl', line: 4 });
    expect(await promptCount(engine)).toBe(before);
    for (const id of ['m-1', 'm-2', 'm-4']) failure(await engine.call('prompts.get', { id }), 'not_found');
    expect(progress.events.at(-1)?.phase).toBe('failed');
  });

  it('refuses a row with both or neither of prompt and messages', async () => {
    const { engine, dir } = t;
    const before = await promptCount(engine);
    const both = jsonl([{ prompt: 'ok' }, { prompt: 'x', messages: [{ role: 'user', content: 'y' }] }]);
    const r1 = importFailure(await importPath(engine, writeFile(dir, 'both.jsonl', both)));
    expect(r1.details.line).toBe(2);
    expect(r1.message).toMatch(/exactly one of 'prompt'.*'messages'/);

    const neither = jsonl([{ prompt: 'ok' }, { prompt: 'ok 2' }, { id: 'n', reference: 'only a reference' }]);
    const r2 = importFailure(await importPath(engine, writeFile(dir, 'neither.jsonl', neither)));
    expect(r2.details.line).toBe(3);
    expect(r2.message).toMatch(/exactly one of/);

    const badRole = jsonl([{ messages: [{ role: 'wizard', content: 'y' }] }]);
    const r3 = importFailure(await importPath(engine, writeFile(dir, 'badrole.jsonl', badRole)));
    expect(r3.details.line).toBe(1);
    expect(r3.message).toContain("field 'messages.0.role'");

    const notObject = '["prompt", "x"]\n';
    const r4 = importFailure(await importPath(engine, writeFile(dir, 'array.jsonl', notObject)));
    expect(r4.message).toMatch(/line 1: expected a JSON object/);
    expect(await promptCount(engine)).toBe(before);
  });

  it('skips or replaces prompts whose id already exists, as asked', async () => {
    const { engine, dir } = t;
    unwrap(await importPath(engine, writeFile(dir, 'dup-a.jsonl', jsonl([
      { id: 'd-x', prompt: 'original x', tags: ['old'], reference: 'ref x' },
      { id: 'd-y', prompt: 'original y' },
    ]))));
    const second = writeFile(dir, 'dup-b.jsonl', jsonl([
      { id: 'd-x', prompt: 'new x', tags: ['new'] },
      { id: 'd-z', prompt: 'brand new z' },
    ]));

    const skipped = unwrap(await importPath(engine, second, { onDuplicate: 'skip' }));
    expect(skipped).toMatchObject({ rows: 2, imported: 1, replaced: 0, skippedDuplicates: 1 });
    expect(unwrap(await engine.call('prompts.get', { id: 'd-x' }))).toMatchObject({ prompt: 'original x', tags: ['old'], reference: 'ref x' });

    const replaced = unwrap(await importPath(engine, second, { onDuplicate: 'replace' }));
    expect(replaced).toMatchObject({ rows: 2, imported: 0, replaced: 2, skippedDuplicates: 0 });
    const x = unwrap(await engine.call('prompts.get', { id: 'd-x' }));
    expect(x).toMatchObject({ prompt: 'new x', tags: ['new'], reference: null });
    expect(x.updatedAt).toBeGreaterThanOrEqual(x.createdAt);
    expect(unwrap(await engine.call('prompts.get', { id: 'd-y' })).prompt).toBe('original y');
    // Tags of replaced prompts are replaced too: nothing is tagged 'old' any more.
    expect(unwrap(await engine.call('prompts.list', { tags: ['old'] })).total).toBe(0);
  });

  it('applies the duplicate policy to repeated ids inside one file', async () => {
    const { engine, dir } = t;
    const file = writeFile(dir, 'dup-inside.jsonl', jsonl([
      { id: 'in-1', prompt: 'first copy' },
      { id: 'in-1', prompt: 'second copy' },
      { id: 'in-2', prompt: 'other' },
    ]));
    expect(unwrap(await importPath(engine, file))).toMatchObject({ rows: 3, imported: 2, skippedDuplicates: 1, replaced: 0 });
    expect(unwrap(await engine.call('prompts.get', { id: 'in-1' })).prompt).toBe('first copy');

    const file2 = writeFile(dir, 'dup-inside-2.jsonl', jsonl([
      { id: 'in-3', prompt: 'first copy' },
      { id: 'in-3', prompt: 'second copy' },
    ]));
    expect(unwrap(await importPath(engine, file2, { onDuplicate: 'replace' }))).toMatchObject({ rows: 2, imported: 1, replaced: 1 });
    expect(unwrap(await engine.call('prompts.get', { id: 'in-3' })).prompt).toBe('second copy');
  });

  it('skips every row when the same file without ids is imported again (ids come from the content)', async () => {
    const { engine, dir } = t;
    const file = writeFile(dir, 'no-ids.jsonl', jsonl([
      { prompt: 'content id one' },
      { prompt: 'content id two', tags: ['t'] },
      { messages: [{ role: 'user', content: 'content id three' }] },
    ]));
    expect(unwrap(await importPath(engine, file))).toMatchObject({ rows: 3, imported: 3 });
    const count = await promptCount(engine);
    expect(unwrap(await importPath(engine, file))).toMatchObject({ rows: 3, imported: 0, skippedDuplicates: 3 });
    expect(await promptCount(engine)).toBe(count);
  });

  it('refuses bytes that are not UTF-8, naming the line', async () => {
    const { engine, dir } = t;
    const before = await promptCount(engine);
    const bytes = Buffer.concat([
      Buffer.from(jsonl([{ prompt: 'utf8 line one é' }, { prompt: 'line two' }])),
      Buffer.from('{"prompt": "caf'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('"}\n'),
      Buffer.from(jsonl([{ prompt: 'line four' }])),
    ]);
    const { message, details } = importFailure(await importPath(engine, writeFile(dir, 'latin1.jsonl', bytes)));
    expect(message).toContain('latin1.jsonl');
    expect(message).toContain('line 3');
    expect(message).toMatch(/UTF-8/);
    expect(details.line).toBe(3);
    expect(await promptCount(engine)).toBe(before);
  });

  it('reports the first problem in file order, whatever kind it is', async () => {
    const { engine, dir } = t;
    const bytes = Buffer.concat([
      Buffer.from(jsonl([{ prompt: 'line one' }])),
      Buffer.from('{"prompt": oops}\n'),
      Buffer.from([0x7b, 0xff, 0x7d, 0x0a]),
    ]);
    const { details } = importFailure(await importPath(engine, writeFile(dir, 'two-problems.jsonl', bytes)));
    expect(details.line).toBe(2);
    expect(details.reason).toMatch(/invalid JSON/);
  });

  it('refuses an empty file, and one with only blank lines', async () => {
    const { engine, dir } = t;
    const r1 = importFailure(await importPath(engine, writeFile(dir, 'empty.jsonl', '')));
    expect(r1.message).toMatch(/empty\.jsonl.*no rows/);
    expect(r1.details.line).toBeNull();
    const r2 = importFailure(await importPath(engine, writeFile(dir, 'blank.jsonl', '\n  \n\r\n')));
    expect(r2.message).toMatch(/no rows/);
    const r3 = importFailure(await importPath(engine, writeFile(dir, 'header-only.csv', 'prompt,tags\n')));
    expect(r3.message).toMatch(/no rows/);
  });

  it('accepts a UTF-8 BOM and CRLF line endings, in JSONL and CSV', async () => {
    const { engine, dir } = t;
    const text = '\uFEFF' + [{ id: 'bom-1', prompt: 'first' }, { id: 'bom-2', prompt: 'second' }].map((r) => JSON.stringify(r)).join('\r\n') + '\r\n';
    expect(unwrap(await importPath(engine, writeFile(dir, 'bom.jsonl', text)))).toMatchObject({ rows: 2, imported: 2 });
    expect(unwrap(await engine.call('prompts.get', { id: 'bom-1' })).prompt).toBe('first');
    expect(unwrap(await engine.call('prompts.get', { id: 'bom-2' })).prompt).toBe('second');

    const csv = '\uFEFFid,prompt,tags\r\nbom-c1,"two\r\nlines",a;b\r\nbom-c2,plain,\r\n';
    expect(unwrap(await importPath(engine, writeFile(dir, 'bom.csv', csv)))).toMatchObject({ rows: 2, imported: 2, ignoredColumns: [] });
    expect(unwrap(await engine.call('prompts.get', { id: 'bom-c1' }))).toMatchObject({ prompt: 'two\nlines', tags: ['a', 'b'] });
    expect(unwrap(await engine.call('prompts.get', { id: 'bom-c2' })).prompt).toBe('plain');
  });

  it('takes the format from the option when the extension does not say, and refuses to guess otherwise', async () => {
    const { engine, dir } = t;
    const file = writeFile(dir, 'prompts.txt', 'prompt\nfrom a txt file\n');
    const guess = failure(await importPath(engine, file), 'invalid_input');
    expect(guess.message).toMatch(/Cannot tell the format of prompts\.txt/);
    expect(unwrap(await importPath(engine, file, { format: 'csv' }))).toMatchObject({ format: 'csv', rows: 1 });
  });

  it('reports a file that does not exist', async () => {
    const { engine, dir } = t;
    const { message } = importFailure(await importPath(engine, path.join(dir, 'nope.jsonl')));
    expect(message).toMatch(/nope\.jsonl.*cannot be read/);
  });

  it('reports a folder given as the file as import_failed, not as an internal error', async () => {
    const { engine, dir } = t;
    const folder = path.join(dir, 'a-folder.jsonl');
    fs.mkdirSync(folder);
    const { message, details } = importFailure(await importPath(engine, folder));
    expect(message).toMatch(/a-folder\.jsonl: the file cannot be read \(it is not a file\)/);
    expect(details.line).toBeNull();
  });

  it('refuses an upload source outside browser mode', async () => {
    const { engine } = t;
    const error = failure(
      await engine.call('prompts.import', {
        importId: importId(),
        source: { kind: 'upload', uploadId: 'a'.repeat(32), fileName: 'x.jsonl' },
      }),
      'invalid_input',
    );
    expect(error.message).toMatch(/browser mode/);
  });
});

describe('oversized lines (importer called directly)', () => {
  let t: TestEngine;
  beforeAll(() => {
    t = newEngine('oversize');
  });

  it('refuses a line longer than maxLineBytes, naming it, and rolls back', async () => {
    const { workspace, dir } = t;
    const file = writeFile(dir, 'long.jsonl', jsonl([{ prompt: 'short' }, { prompt: 'x'.repeat(500) }, { prompt: 'short again' }]));
    let error: unknown;
    try {
      await importPromptsFile(workspace.writer, { importId: 'long', file, onDuplicate: 'skip', maxLineBytes: 200 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('import_failed');
    expect((error as AppError).message).toMatch(/long\.jsonl: line 2: the line is longer than/);
    expect(((error as AppError).details as ImportFailure).line).toBe(2);
    expect(workspace.writer.inTransaction).toBe(false);
    expect(workspace.reader.prepare('SELECT count(*) FROM prompts').pluck().get()).toBe(0);

    // The same file imports with the default limit.
    const report = await importPromptsFile(workspace.writer, { importId: 'long-ok', file, onDuplicate: 'skip' });
    expect(report.imported).toBe(3);
  });

  it('reports a bad line before an oversized one', async () => {
    const { workspace, dir } = t;
    const file = writeFile(dir, 'bad-then-long.jsonl', `{"prompt": "ok"}\nnot json\n${JSON.stringify({ prompt: 'z'.repeat(400) })}\n`);
    const error = await importPromptsFile(workspace.writer, { importId: 'bl', file, onDuplicate: 'skip', maxLineBytes: 100 }).then(
      () => null,
      (e: unknown) => e as AppError,
    );
    expect((error?.details as ImportFailure).line).toBe(2);
    expect(error?.message).toMatch(/invalid JSON/);
  });

  it('refuses an oversized last line without a newline, naming it', async () => {
    const { workspace, dir } = t;
    const file = writeFile(dir, 'long-tail.jsonl', jsonl([{ prompt: 'a' }, { prompt: 'b' }]) + JSON.stringify({ prompt: 'y'.repeat(400) }));
    const error = await importPromptsFile(workspace.writer, { importId: 'tail', file, onDuplicate: 'skip', maxLineBytes: 100 }).then(
      () => null,
      (e: unknown) => e as AppError,
    );
    expect(error?.code).toBe('import_failed');
    expect((error?.details as ImportFailure).line).toBe(3);
  });

  it('counts a final line without a newline as a row', async () => {
    const { workspace, dir } = t;
    const file = writeFile(dir, 'no-final-newline.jsonl', `${JSON.stringify({ id: 'nf-1', prompt: 'a' })}\n${JSON.stringify({ id: 'nf-2', prompt: 'b' })}`);
    const report = await importPromptsFile(workspace.writer, { importId: 'nf', file, onDuplicate: 'skip' });
    expect(report).toMatchObject({ rows: 2, imported: 2 });
  });
});

describe('content ids', () => {
  it('are stable across versions: the same content always gets the same id', () => {
    // Stored workspaces hold these ids; a change here would make re-imports double every prompt.
    expect(contentId('hello', null)).toBe('p-f3093bd13a2010b41ff4');
    expect(contentId('café', null)).toBe('p-bbf69a23cb1d8800106c');
    expect(contentId(null, [{ role: 'user', content: 'hi 🙂' }])).toBe('p-fa96a1c992327adbfcb1');
  });
});

describe('large imports', () => {
  let t: TestEngine;
  beforeAll(() => {
    t = newEngine('large');
  });
  afterAll(async () => {
    await closeEngine(t.engine);
  });

  it('imports a 50k-row JSONL file completely, with progress events', async () => {
    const { engine, dir } = t;
    const file = path.join(dir, 'fifty-k.jsonl');
    writeBigJsonl(file, 50_000, 'fk-');
    const id = importId('fifty');
    const progress = collectEvents(engine, 'onDidImportProgress');
    const report = unwrap(await importPath(engine, file, { id }));
    progress.stop();

    expect(report).toMatchObject({ importId: id, rows: 50_000, imported: 50_000, skippedDuplicates: 0 });
    expect(await promptCount(engine)).toBe(50_000);
    expect(unwrap(await engine.call('prompts.get', { id: 'fk-49999' })).prompt).toMatch(/^Prompt number 49999:/);
    expect(unwrap(await engine.call('prompts.list', { tags: ['physics'], limit: 1 })).total).toBe(Math.ceil(50_000 / 3));

    const events = progress.events;
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.every((e) => e.importId === id && e.file === 'fifty-k.jsonl')).toBe(true);
    expect(events[0]!.phase).toBe('reading');
    expect(events.some((e) => e.phase === 'committing')).toBe(true);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ phase: 'done', rows: 50_000 });
    expect(last.bytesRead).toBe(last.totalBytes);
    // Rows and bytes only ever grow.
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.rows).toBeGreaterThanOrEqual(events[i - 1]!.rows);
      expect(events[i]!.bytesRead).toBeGreaterThanOrEqual(events[i - 1]!.bytesRead);
    }
  });

  it('cancels a running import: the call fails with cancelled and no row of it lands', async () => {
    const { engine, dir } = t;
    const before = await promptCount(engine);
    const file = path.join(dir, 'cancel-me.jsonl');
    writeBigJsonl(file, 200_000, 'cx-');
    const id = importId('cancel');

    const state: { cancel?: Promise<Result<{ cancelled: boolean }>> } = {};
    const stop = engine.events.on('onDidImportProgress', (p) => {
      // Cancel once rows are flowing into the open transaction.
      if (p.importId === id && p.rows > 0 && !state.cancel) state.cancel = engine.call('prompts.cancelImport', { importId: id });
    });
    const result = await importPath(engine, file, { id });
    stop();

    expect(state.cancel).toBeDefined();
    expect(unwrap(await state.cancel!)).toEqual({ cancelled: true });
    expect(failure(result, 'cancelled').message).toMatch(/cancel-me\.jsonl.*nothing was imported/);
    expect(await promptCount(engine)).toBe(before);
    failure(await engine.call('prompts.get', { id: 'cx-0' }), 'not_found');

    // Nothing is left locked or running: the id is free and the workspace takes the next import.
    expect(unwrap(await engine.call('prompts.cancelImport', { importId: id }))).toEqual({ cancelled: false });
    const after = unwrap(await importPath(engine, writeFile(dir, 'after-cancel.jsonl', jsonl([{ id: 'ac', prompt: 'after' }])), { id }));
    expect(after.imported).toBe(1);
  });

  it('runs two imports at once: the second waits its turn (phase waiting) and both land', async () => {
    const { engine, dir } = t;
    const before = await promptCount(engine);
    const [a, b] = twoFiles(dir, 'ba-', 'bb-');
    const idB = importId('second');
    const progress = collectEvents(engine, 'onDidImportProgress');
    const [ra, rb] = await Promise.all([importPath(engine, a), importPath(engine, b, { id: idB })]);
    progress.stop();
    expect(unwrap(ra).imported).toBe(20_000);
    expect(unwrap(rb).imported).toBe(20_000);
    expect(await promptCount(engine)).toBe(before + 40_000);
    const phasesOfB = progress.events.filter((e) => e.importId === idB).map((e) => e.phase);
    expect(phasesOfB[0]).toBe('waiting');
    expect(phasesOfB.at(-1)).toBe('done');
  });

  it('keeps answering and saving while an import holds the write lock: writes wait for its commit instead of failing', async () => {
    const { engine, dir, workspace } = t;
    const file = path.join(dir, 'long-import.jsonl');
    writeBigJsonl(file, 120_000, 'li-');
    const id = importId('long');
    unwrap(await engine.call('prompts.create', { id: 'there-before', prompt: 'imported earlier' }));
    // What happened, and whether the import still held the lock at that moment.
    const seen: string[] = [];
    const calls: Promise<unknown>[] = [];
    const stop = engine.events.on('onDidImportProgress', (p) => {
      // Once rows flow into the open transaction, a person adds a prompt by hand and reads another.
      if (p.importId !== id || p.rows === 0 || calls.length > 0) return;
      const during = () => (workspace.writeGate.busy ? 'during the import' : 'after the import');
      calls.push(
        engine.call('prompts.create', { id: 'typed-during-import', prompt: 'typed while a big file imports' }).then((r) => {
          seen.push(r.ok ? `write saved ${during()}` : `write failed: ${r.error.message}`);
        }),
        engine.call('prompts.get', { id: 'there-before' }).then((r) => seen.push(r.ok ? `read answered ${during()}` : `read failed: ${r.error.message}`)),
      );
    });
    const report = unwrap(await importPath(engine, file, { id }));
    stop();
    await Promise.all(calls);
    expect(report.imported).toBe(120_000);
    // The read did not wait; the write waited for the commit (instead of blocking this thread on
    // SQLite's lock and failing "database is locked"), and then landed.
    expect(seen).toEqual(['read answered during the import', 'write saved after the import']);
    expect(unwrap(await engine.call('prompts.get', { id: 'typed-during-import' })).prompt).toBe('typed while a big file imports');
  });

  it('cancels an import still waiting for its turn: it never starts, the running one lands', async () => {
    const { engine, dir } = t;
    const before = await promptCount(engine);
    const [a, b] = twoFiles(dir, 'runs-', 'queued-');
    const idB = importId('queued');
    const stop = engine.events.on('onDidImportProgress', (p) => {
      if (p.importId === idB && p.phase === 'waiting') void engine.call('prompts.cancelImport', { importId: idB });
    });
    const [ra, rb] = await Promise.all([importPath(engine, a), importPath(engine, b, { id: idB })]);
    stop();
    expect(unwrap(ra).imported).toBe(20_000);
    expect(failure(rb, 'cancelled').message).toMatch(/queued-file\.jsonl cancelled before it started; nothing was imported/);
    expect(await promptCount(engine)).toBe(before + 20_000);
    failure(await engine.call('prompts.get', { id: 'queued-0' }), 'not_found');
  });

  it('refuses a second import with the id of one still running', async () => {
    const { engine, dir } = t;
    const file = path.join(dir, 'cancel-me.jsonl');
    const id = importId('twice');
    const first = importPath(engine, file, { id });
    const second = await importPath(engine, file, { id });
    expect(failure(second, 'conflict').message).toContain(id);
    unwrap(await engine.call('prompts.cancelImport', { importId: id }));
    failure(await first, 'cancelled');
  });
});
