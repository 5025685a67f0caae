import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { methodNames, methods } from '../contract';
import type { Engine } from '../core/engine';
import { cleanupAll, failure, newEngine, type TestEngine, unwrap } from './helpers';

afterAll(cleanupAll);

describe('Engine.dispatch checks input against the contract', () => {
  let t: TestEngine;
  let engine: Engine;
  /** Everything the writer connection has changed since it opened, and what the tables hold. */
  let snapshot: () => { changes: number; prompts: number; tags: number };

  beforeAll(async () => {
    t = newEngine('contract');
    engine = t.engine;
    unwrap(await engine.call('prompts.create', { id: 'existing', prompt: 'keep me', tags: ['t'] }));
    const { writer } = t.workspace;
    snapshot = () => ({
      changes: writer.prepare('SELECT total_changes()').pluck().get() as number,
      prompts: writer.prepare('SELECT count(*) FROM prompts').pluck().get() as number,
      tags: writer.prepare('SELECT count(*) FROM prompt_tags').pluck().get() as number,
    });
  });

  it('refuses unknown methods, including names inherited from Object', async () => {
    for (const method of ['nope', 'prompts.drop', '', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 42, null, undefined]) {
      const error = failure(await engine.dispatch(method, {}), 'unknown_method');
      expect(error.message).toContain(String(method));
    }
  });

  const refusals: { name: string; method: string; input: unknown; field: RegExp }[] = [
    { name: 'a number where a string goes', method: 'prompts.get', input: { id: 5 }, field: /\(id\)/ },
    { name: 'a missing required field', method: 'prompts.update', input: { prompt: 'x' }, field: /\(id\)/ },
    { name: 'an empty id', method: 'prompts.get', input: { id: '' }, field: /\(id\).*cannot be empty/ },
    { name: 'an extra key on a strict object', method: 'prompts.list', input: { query: '', extra: 1 }, field: /"extra"/ },
    { name: 'an extra key on an empty input', method: 'workspace.info', input: { sneaky: true }, field: /"sneaky"/ },
    { name: 'limit above 500', method: 'prompts.list', input: { limit: 501 }, field: /\(limit\).*500/ },
    { name: 'limit zero', method: 'prompts.list', input: { limit: 0 }, field: /\(limit\)/ },
    { name: 'a fractional offset', method: 'prompts.list', input: { offset: 1.5 }, field: /\(offset\)/ },
    { name: 'a negative offset', method: 'prompts.list', input: { offset: -1 }, field: /\(offset\)/ },
    { name: 'a query longer than 1000 characters', method: 'prompts.list', input: { query: 'x'.repeat(1001) }, field: /\(query\)/ },
    { name: 'an empty tag in a filter', method: 'prompts.list', input: { tags: ['ok', ' '] }, field: /\(tags\.1\).*tag cannot be empty/ },
    { name: 'more than 20 tags in a filter', method: 'prompts.list', input: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, field: /\(tags\)/ },
    { name: 'an empty prompt', method: 'prompts.create', input: { prompt: '' }, field: /\(prompt\).*empty/ },
    { name: 'a bad message role', method: 'prompts.create', input: { messages: [{ role: 'wizard', content: 'hi' }] }, field: /\(messages\.0\.role\)/ },
    { name: 'a message without content', method: 'prompts.create', input: { messages: [{ role: 'user' }] }, field: /\(messages\.0\.content\)/ },
    { name: 'both prompt and messages', method: 'prompts.create', input: { prompt: 'x', messages: [{ role: 'user', content: 'y' }] }, field: /\((prompt|messages)\)/ },
    { name: 'neither prompt nor messages', method: 'prompts.create', input: { reference: 'r' }, field: /\((prompt|messages)\)/ },
    { name: 'an empty tag', method: 'prompts.create', input: { prompt: 'x', tags: [''] }, field: /\(tags\.0\)/ },
    { name: 'a tag over 100 characters', method: 'prompts.create', input: { prompt: 'x', tags: ['t'.repeat(101)] }, field: /\(tags\.0\).*100/ },
    { name: 'an id over 200 characters', method: 'prompts.create', input: { id: 'i'.repeat(201), prompt: 'x' }, field: /\(id\)/ },
    { name: 'an empty list to delete', method: 'prompts.delete', input: { ids: [] }, field: /\(ids\)/ },
    { name: 'ids that are not a list', method: 'prompts.restore', input: { ids: 'existing' }, field: /\(ids\)/ },
    {
      name: 'an upload id that is not 32 hex digits',
      method: 'prompts.import',
      input: { importId: 'i1', source: { kind: 'upload', uploadId: '../../etc/passwd', fileName: 'x.jsonl' } },
      field: /\(source\.uploadId\)/,
    },
    {
      name: 'an upload without a file name',
      method: 'prompts.import',
      input: { importId: 'i1', source: { kind: 'upload', uploadId: 'a'.repeat(32) } },
      field: /\(source\.fileName\)/,
    },
    {
      name: 'an unknown source kind',
      method: 'prompts.import',
      input: { importId: 'i1', source: { kind: 'url', url: 'http://example.com/x.jsonl' } },
      field: /\(source\.kind\)/,
    },
    {
      name: 'an empty path',
      method: 'prompts.import',
      input: { importId: 'i1', source: { kind: 'path', path: '' } },
      field: /\(source\.path\)/,
    },
    {
      name: 'an import id with a slash',
      method: 'prompts.import',
      input: { importId: '../x', source: { kind: 'path', path: '/tmp/x.jsonl' } },
      field: /\(importId\)/,
    },
    {
      name: 'an unknown duplicate policy',
      method: 'prompts.import',
      input: { importId: 'i1', source: { kind: 'path', path: '/tmp/x.jsonl' }, onDuplicate: 'merge' },
      field: /\(onDuplicate\)/,
    },
    {
      name: 'an unknown format',
      method: 'prompts.import',
      input: { importId: 'i1', source: { kind: 'path', path: '/tmp/x.jsonl' }, format: 'xlsx' },
      field: /\(format\)/,
    },
    {
      name: 'an extra key on an import',
      method: 'prompts.import',
      input: { importId: 'i1', source: { kind: 'path', path: '/tmp/x.jsonl' }, overwrite: true },
      field: /"overwrite"/,
    },
  ];

  for (const { name, method, input, field } of refusals) {
    it(`refuses ${name} (${method}) with invalid_input naming the field, writing nothing`, async () => {
      const before = snapshot();
      const error = failure(await engine.dispatch(method, input), 'invalid_input');
      expect(error.message).toContain(`Invalid input for ${method}`);
      expect(error.message).toMatch(field);
      expect(Array.isArray(error.details)).toBe(true);
      expect(snapshot()).toEqual(before);
    });
  }

  it('refuses input that is not an object at all', async () => {
    for (const input of [[], 'text', 7, true]) {
      failure(await engine.dispatch('workspace.info', input), 'invalid_input');
      failure(await engine.dispatch('prompts.list', input), 'invalid_input');
    }
  });

  it('treats a missing input as {} and applies defaults', async () => {
    expect(unwrap(await engine.dispatch('workspace.info', undefined))).toMatchObject({ shell: 'browser', promptCount: 1 });
    expect(unwrap(await engine.dispatch('workspace.info', null))).toMatchObject({ promptCount: 1 });
    expect(unwrap(await engine.dispatch('prompts.list', undefined))).toMatchObject({ total: 1 });
  });

  it('leaves the existing prompt exactly as it was after all the refusals', async () => {
    expect(unwrap(await engine.call('prompts.get', { id: 'existing' }))).toMatchObject({ prompt: 'keep me', tags: ['t'] });
    expect(unwrap(await engine.call('prompts.list', {})).total).toBe(1);
  });
});

/**
 * Why a method input would take an object with a field it does not list, or null when it would not:
 * an object must be strict, a union strict in every branch, and an intersection is never strict
 * (each side lets the other's fields through). Nested objects are not walked: some (chat messages
 * in imported rows, stored settings) deliberately keep fields they do not know.
 */
function looseness(schema: z.core.$ZodType, path = ''): string | null {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  const where = path || '(input)';
  switch (def.type) {
    case 'object':
      return (def.catchall as z.core.$ZodType | undefined)?._zod.def.type === 'never' ? null : `${where}: an object that is not strict`;
    case 'union':
      for (const [i, option] of (def.options as z.core.$ZodType[]).entries()) {
        const found = looseness(option, `${path}|${i}`);
        if (found) return found;
      }
      return null;
    case 'intersection':
      return `${where}: an intersection (neither side refuses the other's fields)`;
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
      return looseness(def.innerType as z.core.$ZodType, path);
    case 'pipe':
      return looseness(def.in as z.core.$ZodType, path);
    default:
      return `${where}: not an object (${def.type})`;
  }
}

/** Every unrecognized_keys issue in a failed parse, looking inside union branches too. */
function unrecognizedKeys(issues: readonly z.core.$ZodIssue[]): string[] {
  const keys: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') keys.push(...issue.keys);
    if (issue.code === 'invalid_union') for (const branch of issue.errors) keys.push(...unrecognizedKeys(branch));
  }
  return keys;
}

describe('every method input is strict', () => {
  const UNKNOWN = 'zzNotInTheContract';

  it.each(methodNames)('%s: its input is strict (checked on the schema)', (method) => {
    expect(looseness(methods[method].input)).toBeNull();
  });

  it.each(methodNames)('%s refuses an unknown field (dispatch-level probe)', (method) => {
    const parsed = methods[method].input.safeParse({ [UNKNOWN]: 1 });
    expect(parsed.success).toBe(false);
    const issues = parsed.error!.issues;
    // A discriminated union refuses a probe without its discriminator before looking at fields.
    const noBranch = issues.length === 1 && issues[0]!.code === 'invalid_union' && issues[0]!.errors.length === 0;
    if (!noBranch) expect(unrecognizedKeys(issues)).toContain(UNKNOWN);
  });

  it('the checks tell a strict object from a loose one and from an intersection', () => {
    const a = z.object({ x: z.number().optional() });
    const b = z.object({ y: z.number().optional() });
    const probe = (schema: z.ZodType) => {
      const parsed = schema.safeParse({ [UNKNOWN]: 1 });
      return parsed.success ? [] : unrecognizedKeys(parsed.error.issues);
    };
    expect(probe(a.strict())).toContain(UNKNOWN);
    expect(probe(a)).toEqual([]);
    expect(probe(z.intersection(a, b))).toEqual([]);
    expect(probe(z.union([a.strict(), b.strict()]))).toContain(UNKNOWN);
    expect(looseness(a.strict())).toBeNull();
    expect(looseness(z.union([a.strict(), b.strict()]).default({}))).toBeNull();
    expect(looseness(a)).toMatch(/not strict/);
    expect(looseness(z.intersection(a.strict(), b.strict()))).toMatch(/intersection/);
    expect(looseness(z.discriminatedUnion('k', [a.extend({ k: z.literal(1) }).strict(), b.extend({ k: z.literal(2) })]))).toMatch(/\|1: .*not strict/);
  });

  it('prompts.create and prompts.update name the unknown field through dispatch, and write nothing', async () => {
    const t = newEngine('contract-strict');
    const before = unwrap(await t.engine.call('prompts.create', { id: 'p1', prompt: 'text' }));
    for (const [method, input] of [
      ['prompts.create', { prompt: 'x', extra: 1 }],
      ['prompts.create', { messages: [{ role: 'user', content: 'hi' }], extra: 1 }],
      ['prompts.update', { id: 'p1', prompt: 'changed', extra: 1 }],
    ] as const) {
      const error = failure(await t.engine.dispatch(method, input), 'invalid_input');
      expect(error.message).toMatch(/"extra"/);
    }
    expect(unwrap(await t.engine.call('prompts.get', { id: 'p1' }))).toEqual(before);
    expect(unwrap(await t.engine.call('prompts.list', {})).total).toBe(1);
  });
});
