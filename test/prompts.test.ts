import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../core/engine';
import { contentId } from '../core/prompts/rows';
import { cleanupAll, collectEvents, failure, importPath, jsonl, newEngine, type TestEngine, unwrap, writeFile } from './helpers';

afterAll(cleanupAll);

async function ids(engine: Engine, query: string, tags: string[] = []): Promise<string[]> {
  return unwrap(await engine.call('prompts.list', { query, tags, limit: 500 })).items.map((p) => p.id);
}

describe('prompts', () => {
  let t: TestEngine;
  let engine: Engine;
  beforeAll(() => {
    t = newEngine('prompts');
    engine = t.engine;
  });

  it('creates, gets, updates and lists prompts', async () => {
    const events = collectEvents(engine, 'onDidChangePrompts');
    const created = unwrap(
      await engine.call('prompts.create', { id: 'cr-1', prompt: 'What is a monad?', reference: 'A monoid in...', tags: ['fp', 'haskell', 'fp'] }),
    );
    expect(created).toMatchObject({ id: 'cr-1', prompt: 'What is a monad?', messages: null, reference: 'A monoid in...', tags: ['fp', 'haskell'] });
    expect(created.createdAt).toBeGreaterThan(0);
    expect(created.updatedAt).toBe(created.createdAt);
    expect(unwrap(await engine.call('prompts.get', { id: 'cr-1' }))).toEqual(created);

    const chat = unwrap(
      await engine.call('prompts.create', {
        id: 'cr-2',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Summarise the plot of Hamlet' },
          { role: 'assistant', content: 'Prince dithers.' },
        ],
      }),
    );
    expect(chat).toMatchObject({ prompt: null, reference: null, tags: [] });
    expect(chat.messages).toHaveLength(3);

    // Without an id the id comes from the content.
    const derived = unwrap(await engine.call('prompts.create', { prompt: 'An id-less prompt' }));
    expect(derived.id).toBe(contentId('An id-less prompt', null));

    await new Promise((r) => setTimeout(r, 5));
    const updated = unwrap(
      await engine.call('prompts.update', { id: 'cr-1', messages: [{ role: 'user', content: 'Explain functors' }], tags: ['category-theory'] }),
    );
    expect(updated).toMatchObject({ id: 'cr-1', prompt: null, messages: [{ role: 'user', content: 'Explain functors' }], reference: null, tags: ['category-theory'] });
    expect(updated.createdAt).toBe(created.createdAt);
    expect(updated.updatedAt).toBeGreaterThan(created.updatedAt);
    expect(unwrap(await engine.call('prompts.get', { id: 'cr-1' }))).toEqual(updated);

    failure(await engine.call('prompts.update', { id: 'no-such', prompt: 'x' }), 'not_found');

    const list = unwrap(await engine.call('prompts.list', {}));
    expect(list.total).toBe(3);
    expect(list.items.map((i) => i.id)).toEqual(['cr-1', 'cr-2', derived.id]);
    expect(list.items[0]).toMatchObject({ kind: 'messages', preview: 'Explain functors', tags: ['category-theory'], hasReference: false });
    // The preview of a conversation is its last user message.
    expect(list.items[1]).toMatchObject({ kind: 'messages', preview: 'Summarise the plot of Hamlet' });
    expect(list.items[2]).toMatchObject({ kind: 'text', preview: 'An id-less prompt' });

    const page = unwrap(await engine.call('prompts.list', { offset: 1, limit: 1 }));
    expect(page.total).toBe(3);
    expect(page.items.map((i) => i.id)).toEqual(['cr-2']);

    events.stop();
    expect(events.events.map((e) => e.reason)).toEqual(['create', 'create', 'create', 'update']);
  });

  it('shows long prompts as a bounded preview', async () => {
    const long = 'word '.repeat(200);
    unwrap(await engine.call('prompts.create', { id: 'long-1', prompt: long }));
    const item = unwrap(await engine.call('prompts.list', { query: '', limit: 500 })).items.find((i) => i.id === 'long-1')!;
    expect(item.preview.length).toBeLessThan(long.length);
    expect(long.startsWith(item.preview)).toBe(true);
    expect(unwrap(await engine.call('prompts.get', { id: 'long-1' })).prompt).toBe(long);
    unwrap(await engine.call('prompts.delete', { ids: ['long-1'] }));
  });

  it('refuses to create a prompt whose id exists', async () => {
    const error = failure(await engine.call('prompts.create', { id: 'cr-2', prompt: 'different content' }), 'conflict');
    expect(error.message).toContain('cr-2');
    // The existing prompt is untouched.
    expect(unwrap(await engine.call('prompts.get', { id: 'cr-2' })).prompt).toBeNull();
    // The same content without an id has the same content id: a conflict too, not a second copy.
    failure(await engine.call('prompts.create', { prompt: 'An id-less prompt' }), 'conflict');
  });

  it('finds prompts by word prefix, in text, in messages and in the reference', async () => {
    unwrap(await engine.call('prompts.create', { id: 's-garden', prompt: 'Tips for gardening in dry climates', tags: ['home'] }));
    unwrap(await engine.call('prompts.create', { id: 's-chat', messages: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'Try xylophones' }] }));
    unwrap(await engine.call('prompts.create', { id: 's-ref', prompt: 'Name a fruit', reference: 'Quinces are underrated' }));
    unwrap(await engine.call('prompts.create', { id: 's-cafe', prompt: 'Open a café in Zürich' }));

    expect(await ids(engine, 'garden')).toEqual(['s-garden']);
    expect(await ids(engine, 'GARD')).toEqual(['s-garden']);
    expect(await ids(engine, 'xylo')).toEqual(['s-chat']);
    expect(await ids(engine, 'quince')).toEqual(['s-ref']);
    // Diacritics are folded both ways.
    expect(await ids(engine, 'cafe zurich')).toEqual(['s-cafe']);
    expect(await ids(engine, 'Café')).toEqual(['s-cafe']);
    // Several words: every one must match.
    expect(await ids(engine, 'gardening dry')).toEqual(['s-garden']);
    expect(await ids(engine, 'gardening wet')).toEqual([]);
    expect(await ids(engine, 'nothingmatchesthis')).toEqual([]);
    // Search and tags combine.
    expect(await ids(engine, 'tips', ['home'])).toEqual(['s-garden']);
    expect(await ids(engine, 'fruit', ['home'])).toEqual([]);
  });

  it('treats quotes, parentheses and FTS operators in a search as text', async () => {
    unwrap(await engine.call('prompts.create', { id: 'p-punct', prompt: `what's "x" (y) AND NOT z* -w col:val` }));
    const queries = [
      `what's "x" (y)`,
      '"',
      '(',
      ')',
      '*',
      'AND',
      'OR NOT',
      'NEAR(a b)',
      'col:val',
      '-w',
      '^x',
      "'",
      '{}[]',
      '\\',
      '   ',
      'x'.repeat(1000),
    ];
    for (const query of queries) {
      const result = await engine.call('prompts.list', { query });
      expect(result.ok, `query ${JSON.stringify(query)}`).toBe(true);
    }
    expect(await ids(engine, `what's "x" (y)`)).toEqual(['p-punct']);
    expect(await ids(engine, 'col:val')).toEqual(['p-punct']);
    // A query with no words at all lists everything, like an empty search.
    const all = unwrap(await engine.call('prompts.list', { query: '' })).total;
    expect(unwrap(await engine.call('prompts.list', { query: '"()*' })).total).toBe(all);
  });

  it('keeps the search index in step with updates', async () => {
    unwrap(await engine.call('prompts.create', { id: 'up-1', prompt: 'Describe a pelican' }));
    expect(await ids(engine, 'pelican')).toEqual(['up-1']);
    unwrap(await engine.call('prompts.update', { id: 'up-1', prompt: 'Describe a flamingo', reference: 'pink' }));
    expect(await ids(engine, 'pelican')).toEqual([]);
    expect(await ids(engine, 'flamingo')).toEqual(['up-1']);
    expect(await ids(engine, 'pink')).toEqual(['up-1']);
  });

  it('filters by tags, all of them', async () => {
    unwrap(await engine.call('prompts.create', { id: 't-ab', prompt: 'tagged a b', tags: ['alpha', 'beta'] }));
    unwrap(await engine.call('prompts.create', { id: 't-a', prompt: 'tagged a', tags: ['alpha'] }));
    unwrap(await engine.call('prompts.create', { id: 't-bc', prompt: 'tagged b c', tags: ['beta', 'gamma'] }));
    expect(await ids(engine, '', ['alpha'])).toEqual(['t-ab', 't-a']);
    expect(await ids(engine, '', ['beta'])).toEqual(['t-ab', 't-bc']);
    expect(await ids(engine, '', ['alpha', 'beta'])).toEqual(['t-ab']);
    expect(await ids(engine, '', ['alpha', 'gamma'])).toEqual([]);
    expect(await ids(engine, '', ['nope'])).toEqual([]);
    const tags = unwrap(await engine.call('prompts.tags', {}));
    expect(tags.filter((x) => ['alpha', 'beta', 'gamma'].includes(x.tag))).toEqual([
      { tag: 'alpha', count: 2 },
      { tag: 'beta', count: 2 },
      { tag: 'gamma', count: 1 },
    ]);
  });

  it('deletes softly: gone from list, search, tags and get; restore brings it back with its tags', async () => {
    unwrap(await engine.call('prompts.create', { id: 'del-1', prompt: 'A doomed zeppelin prompt', reference: 'r', tags: ['doomed', 'air'] }));
    unwrap(await engine.call('prompts.create', { id: 'del-2', prompt: 'A surviving prompt', tags: ['air'] }));
    const before = unwrap(await engine.call('prompts.list', {})).total;
    const events = collectEvents(engine, 'onDidChangePrompts');

    expect(unwrap(await engine.call('prompts.delete', { ids: ['del-1', 'missing-id'] }))).toEqual({ deleted: ['del-1'] });
    expect(unwrap(await engine.call('prompts.list', {})).total).toBe(before - 1);
    expect(await ids(engine, '', ['air'])).toEqual(['del-2']);
    expect(await ids(engine, 'zeppelin')).toEqual([]);
    expect(unwrap(await engine.call('prompts.tags', {})).find((x) => x.tag === 'doomed')).toBeUndefined();
    failure(await engine.call('prompts.get', { id: 'del-1' }), 'not_found');
    failure(await engine.call('prompts.update', { id: 'del-1', prompt: 'edit a deleted prompt' }), 'not_found');
    // Deleting again changes nothing.
    expect(unwrap(await engine.call('prompts.delete', { ids: ['del-1'] }))).toEqual({ deleted: [] });

    expect(unwrap(await engine.call('prompts.restore', { ids: ['del-1'] }))).toEqual({ restored: ['del-1'] });
    expect(unwrap(await engine.call('prompts.get', { id: 'del-1' }))).toMatchObject({
      prompt: 'A doomed zeppelin prompt',
      reference: 'r',
      tags: ['air', 'doomed'],
    });
    expect(await ids(engine, 'zeppelin')).toEqual(['del-1']);
    expect(await ids(engine, '', ['doomed'])).toEqual(['del-1']);
    expect(unwrap(await engine.call('prompts.list', {})).total).toBe(before);
    // Restoring a live prompt does nothing.
    expect(unwrap(await engine.call('prompts.restore', { ids: ['del-1', 'del-2'] }))).toEqual({ restored: [] });
    events.stop();
    expect(events.events.map((e) => e.reason)).toEqual(['delete', 'delete', 'restore', 'restore']);
  });

  it('revives a deleted prompt when a file brings its id again, with the new content', async () => {
    unwrap(await engine.call('prompts.create', { id: 'rev-1', prompt: 'old content', tags: ['old'] }));
    unwrap(await engine.call('prompts.delete', { ids: ['rev-1'] }));
    const file = writeFile(t.dir, 'revive.jsonl', jsonl([{ id: 'rev-1', prompt: 'new content', tags: ['new'] }]));
    // Even with 'skip': the deleted prompt is not a live duplicate.
    const report = unwrap(await importPath(engine, file, { onDuplicate: 'skip' }));
    expect(report).toMatchObject({ rows: 1, imported: 1, replaced: 0, skippedDuplicates: 0 });
    expect(unwrap(await engine.call('prompts.get', { id: 'rev-1' }))).toMatchObject({ prompt: 'new content', tags: ['new'] });
    expect(await ids(engine, 'new content')).toEqual(['rev-1']);
    expect(await ids(engine, 'old content')).toEqual([]);
  });
});
