/**
 * Dataset imports (core/datasets/imports): HH-RLHF, Chatbot Arena, OpenAssistant trees and
 * prompt/completion files, through the engine and its import worker; malformed files that name
 * their line and leave the workspace untouched, generated with fast-check; migration 0007.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, detectImportFormat, type DatasetImportFormat, type DatasetImportReport, type ImportFailure, type Result } from '../contract';
import { importDatasetFile } from '../core/datasets/imports/importer';
import { transcriptMessages } from '../core/datasets/imports/formats';
import { openWorkspace, type Workspace } from '../core/workspace/workspace';
import type { ReadableDB } from '../db/handles';
import { openWriter } from '../db/handles';
import { applyMigration, LATEST_SCHEMA_VERSION, migrate } from '../db/migrate';
import type { Migration } from '../db/migration';
import { cleanupAll, collectEvents, failure, importId, jsonl, newEngine, runCli, tempDir, type TestEngine, unwrap, writeFile } from './helpers';

afterAll(cleanupAll);

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────

function importDataset(t: TestEngine, file: string, format: DatasetImportFormat, options: { onDuplicate?: 'skip' | 'replace'; model?: string; id?: string } = {}) {
  return t.engine.call('datasets.import', {
    importId: options.id ?? importId('ds'),
    source: { kind: 'path', path: file },
    format,
    onDuplicate: options.onDuplicate,
    ...(options.model ? { model: options.model } : {}),
  });
}

/** Row counts of every table and one SHA-256 over all their rows: two equal digests mean nothing changed. */
function tablesDigest(db: ReadableDB): { counts: Record<string, number>; sha256: string } {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const hash = crypto.createHash('sha256');
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const rows = (db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][]).map((r) =>
      JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? v.toString() : v)),
    );
    rows.sort();
    counts[table] = rows.length;
    hash.update(`${table}\0${rows.join('\n')}\0`);
  }
  return { counts, sha256: hash.digest('hex') };
}

/** The same import in this thread (no worker start), as a Result like the engine's. */
async function importHere(t: TestEngine, file: string, format: DatasetImportFormat): Promise<Result<DatasetImportReport>> {
  try {
    return { ok: true, value: await importDatasetFile(t.workspace.writer, { importId: importId('here'), file, format, onDuplicate: 'skip' }) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error: error.toShape() };
    throw error;
  }
}

function importFailureOf(result: Result<unknown>): { message: string; details: ImportFailure } {
  const error = failure(result, 'import_failed');
  return { message: error.message, details: error.details as ImportFailure };
}

const hhLine = (human: string, chosen: string, rejected: string) => ({
  chosen: `\n\nHuman: ${human}\n\nAssistant: ${chosen}`,
  rejected: `\n\nHuman: ${human}\n\nAssistant: ${rejected}`,
});

const battle = (over: Record<string, unknown>) => ({
  question_id: 'q',
  model_a: 'gpt-4',
  model_b: 'vicuna-13b',
  winner: 'model_a',
  judge: 'arena_user_1',
  turn: 1,
  anony: true,
  language: 'English',
  tstamp: 1682351591.5,
  conversation_a: [
    { role: 'user', content: 'Name a prime.' },
    { role: 'assistant', content: '7' },
  ],
  conversation_b: [
    { role: 'user', content: 'Name a prime.' },
    { role: 'assistant', content: '9' },
  ],
  openai_moderation: { flagged: false },
  ...over,
});

interface TaskView {
  taskId: number;
  kind: string;
  design: string;
  texts: string[];
  models: string[];
  choice: string | null;
  ranking: number[][] | null;
  reviewer: string;
}

/** Every imported task with its shown outputs and the importer's label. */
function tasksOf(db: ReadableDB): TaskView[] {
  const tasks = db.prepare('SELECT id, kind, design FROM comparison_tasks ORDER BY id').all() as { id: number; kind: string; design: string }[];
  return tasks.map((t) => {
    const outs = db
      .prepare(
        `SELECT g.output, m.name FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id JOIN models m ON m.id = g.model_id
         WHERE o.task_id = ? ORDER BY o.position`,
      )
      .raw()
      .all(t.id) as [string, string][];
    const label = db
      .prepare('SELECT l.id, l.choice, r.name FROM comparison_labels l JOIN reviewers r ON r.id = l.reviewer_id WHERE l.task_id = ? AND l.deleted_at IS NULL')
      .get(t.id) as { id: number; choice: string | null; name: string };
    const ranks = db.prepare('SELECT position, rank_group FROM comparison_ranks WHERE label_id = ? ORDER BY rank_group, position').all(label.id) as {
      position: number;
      rank_group: number;
    }[];
    const ranking: number[][] = [];
    for (const r of ranks) (ranking[r.rank_group] ??= []).push(r.position);
    return {
      taskId: t.id,
      kind: t.kind,
      design: t.design,
      texts: outs.map((o) => o[0]),
      models: outs.map((o) => o[1]),
      choice: label.choice,
      ranking: ranks.length ? ranking : null,
      reviewer: label.name,
    };
  });
}

/** The text the label prefers (pairs), or the texts best first (rankings). */
function preferred(task: TaskView): string | string[] | null {
  if (task.ranking) return task.ranking.map((g) => g.map((p) => task.texts[p]!).join(' = '));
  if (task.choice === 'A') return task.texts[0]!;
  if (task.choice === 'B') return task.texts[1]!;
  return task.choice;
}

// ── Formats through the engine ───────────────────────────────────────────────────────────────

describe('dataset imports through the engine (worker thread)', () => {
  let t: TestEngine;
  beforeAll(() => {
    t = newEngine('dsimport');
  });

  it('imports HH-RLHF: shared prefix → prompt messages, two generations, a pair labeled chosen ≻ rejected', async () => {
    const file = writeFile(
      t.dir,
      'hh-train.jsonl',
      jsonl([
        hhLine('What is 2+2?', '4.', '5.'),
        {
          chosen: '\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Name a moon of Jupiter.\n\nAssistant: Europa.',
          rejected: '\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Name a moon of Jupiter.\n\nAssistant: Mars.',
        },
        hhLine('Same?', 'Yes.', 'Yes.'),
        hhLine('What is 2+2?', '4.', '5.'),
      ]),
    );
    const prompts = collectEvents(t.engine, 'onDidChangePrompts');
    const comparisons = collectEvents(t.engine, 'onDidChangeComparisons');
    const report = unwrap(await importDataset(t, file, 'hh-rlhf'));
    prompts.stop();
    comparisons.stop();
    expect(report).toMatchObject({
      file: 'hh-train.jsonl',
      format: 'hh-rlhf',
      rows: 4,
      imported: 2,
      replaced: 0,
      skippedDuplicates: 1,
      skipped: { 'chosen and rejected are identical': 1 },
      leftOut: [{ line: 3, reason: 'chosen and rejected are identical' }],
      created: { prompts: 2, models: 1, generations: 4, tasks: 2, labels: 2 },
      reviewer: 'hh-rlhf import',
      ignoredFields: [],
    });
    expect(prompts.events).toEqual([{ reason: 'import' }]);
    expect(comparisons.events).toEqual([{ reason: 'tasks' }]);

    const db = t.workspace.reader;
    const list = unwrap(await t.engine.call('prompts.list', { tags: ['hh-rlhf'] }));
    expect(list.total).toBe(2);
    const multi = unwrap(await t.engine.call('prompts.get', { id: list.items[1]!.id }));
    expect(multi.messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Name a moon of Jupiter.' },
    ]);
    // Generations through the contract (outputs are checked in tests): imported provenance.
    const gens = unwrap(await t.engine.call('generations.list', { promptId: multi.id }));
    expect(gens.items.map((g) => g.output).sort()).toEqual(['Europa.', 'Mars.']);
    for (const g of gens.items) {
      expect(g).toMatchObject({ source: 'import', runnerKind: 'import', runnerVersion: 'hh-rlhf', modelName: 'hh-rlhf: hh-train.jsonl', finishReason: 'stop', mode: 'chat' });
      expect(g.renderedPrompt).toBe('\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Name a moon of Jupiter.\n\nAssistant:');
      expect(g.input).toEqual({ mode: 'chat', messages: multi.messages });
    }
    const provenance = db.prepare('SELECT i.file, i.format, gi.line FROM generation_imports gi JOIN imports i ON i.id = gi.import_id WHERE gi.generation_id = ?').get(gens.items[0]!.id);
    expect(provenance).toEqual({ file: 'hh-train.jsonl', format: 'hh-rlhf', line: 2 });

    const tasks = tasksOf(db);
    expect(tasks.map((x) => [x.kind, x.design, x.reviewer, preferred(x)])).toEqual([
      ['pair', 'imported', 'hh-rlhf import', '4.'],
      ['pair', 'imported', 'hh-rlhf import', 'Europa.'],
    ]);
    // The label as a reviewer sees it in the Compare view, with its first history revision.
    const reviewers = unwrap(await t.engine.call('reviewers.list', {}));
    const importer = reviewers.find((r) => r.name === 'hh-rlhf import')!;
    // The import source is listed (its labels need a name) but as an import, never as a person to pick.
    expect(importer.kind).toBe('import');
    const ada = unwrap(await t.engine.call('reviewers.create', { name: 'Ada', role: 'sme' }));
    expect(ada.kind).toBe('person');
    // Nor can anyone sign in as it.
    expect(await t.engine.call('session.signIn', { reviewerId: importer.id })).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('not a person') } });
    expect(await t.engine.call('session.signIn', { reviewerId: ada.id })).toMatchObject({ ok: true });
    expect(unwrap(await t.engine.call('reviewers.list', {})).map((r) => [r.name, r.kind])).toEqual([
      ['Ada', 'person'],
      ['hh-rlhf import', 'import'],
    ]);
    const task = unwrap(await t.engine.call('comparisons.task', { taskId: tasks[1]!.taskId, reviewerId: importer.id }));
    expect(task.label).toMatchObject({ ranking: null, strength: null, guidelineVersion: 0, timeSpentMs: 0 });
    expect(task.outputs[task.label!.choice === 'A' ? 0 : 1]!.text).toBe('Europa.');
    expect(db.prepare('SELECT count(*) FROM comparison_label_history').pluck().get()).toBe(2);
    // The left/right order of an HH pair is ours, not what the labeler saw: no position-bias evidence.
    expect(unwrap(await t.engine.call('comparisons.leaderboard', { bootstrap: 0 })).positionBias.decided).toBe(0);

    // Imported models never appear among the models that can generate, and refuse to.
    expect(unwrap(await t.engine.call('models.list', {}))).toEqual([]);
    const refused = failure(
      await t.engine.call('playground.generate', { streamId: 's1', modelId: gens.items[0]!.modelId, prompt: { text: 'hi' }, sampling: {} }),
      'invalid_input',
    );
    expect(refused.message).toMatch(/imported dataset/);

    // Imported again: everything is already there.
    const again = unwrap(await importDataset(t, file, 'hh-rlhf'));
    expect(again).toMatchObject({ rows: 4, imported: 0, skippedDuplicates: 3, created: { prompts: 0, models: 0, generations: 0, tasks: 0, labels: 0 } });
  });

  it('keeps or replaces an imported label as the duplicate policy says', async () => {
    const flipped = writeFile(t.dir, 'hh-train.jsonl', jsonl([hhLine('What is 2+2?', '5.', '4.')]));
    const before = tablesDigest(t.workspace.reader);
    const kept = unwrap(await importDataset(t, flipped, 'hh-rlhf', { onDuplicate: 'skip' }));
    expect(kept).toMatchObject({ rows: 1, imported: 0, replaced: 0, skippedDuplicates: 1 });
    // Only the import's own record was written.
    const after = tablesDigest(t.workspace.reader);
    expect({ ...after.counts, imports: 0 }).toEqual({ ...before.counts, imports: 0 });
    expect(preferred(tasksOf(t.workspace.reader)[0]!)).toBe('4.');

    const replaced = unwrap(await importDataset(t, flipped, 'hh-rlhf', { onDuplicate: 'replace' }));
    expect(replaced).toMatchObject({ rows: 1, imported: 0, replaced: 1, skippedDuplicates: 0 });
    const task = tasksOf(t.workspace.reader)[0]!;
    expect(preferred(task)).toBe('5.');
    const label = t.workspace.reader.prepare('SELECT id, revision FROM comparison_labels WHERE task_id = ?').get(task.taskId) as { id: number; revision: number };
    expect(label.revision).toBe(2);
    const history = t.workspace.reader.prepare('SELECT revision, snapshot FROM comparison_label_history WHERE label_id = ? ORDER BY revision').all(label.id) as {
      revision: number;
      snapshot: string;
    }[];
    expect(history.map((h) => h.revision)).toEqual([1, 2]);
    // The label's provenance points at the import that wrote it last.
    expect(t.workspace.reader.prepare('SELECT line FROM comparison_label_imports WHERE label_id = ?').pluck().get(label.id)).toBe(1);
  });

  it('imports Chatbot Arena battles from JSONL: sides kept, ties and both-bad kept, multi-turn left out, judge and time kept', async () => {
    const u = newEngine('arena');
    const battles = [
      battle({ question_id: 'q1', winner: 'model_b' }),
      battle({ question_id: 'q2', winner: 'tie', conversation_a: [{ role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'Paris' }], conversation_b: [{ role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'Paris.' }] }),
      battle({ question_id: 'q3', winner: 'tie (bothbad)', model_a: 'koala-13b', model_b: 'gpt-4', conversation_a: [{ role: 'user', content: 'Square root of 2?' }, { role: 'assistant', content: '1.5' }], conversation_b: [{ role: 'user', content: 'Square root of 2?' }, { role: 'assistant', content: '2' }] }),
      battle({
        question_id: 'q4',
        turn: 2,
        conversation_a: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Bye' }, { role: 'assistant', content: 'Bye' }],
        conversation_b: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hey' }, { role: 'user', content: 'Bye' }, { role: 'assistant', content: 'Ciao' }],
      }),
    ];
    const file = writeFile(u.dir, 'battles.jsonl', jsonl(battles));
    const report = unwrap(await importDataset(u, file, 'arena'));
    expect(report).toMatchObject({
      rows: 4,
      imported: 3,
      skipped: { 'multi-turn battle (Assay compares single replies)': 1 },
      created: { prompts: 3, models: 3, generations: 6, tasks: 3, labels: 3 },
      reviewer: 'arena import',
      ignoredFields: ['openai_moderation'],
    });
    const tasks = tasksOf(u.workspace.reader);
    // model_a is shown on the left, as the judge saw it.
    expect(tasks.map((x) => [x.models, x.texts, x.choice])).toEqual([
      [['gpt-4', 'vicuna-13b'], ['7', '9'], 'B'],
      [['gpt-4', 'vicuna-13b'], ['Paris', 'Paris.'], 'tie'],
      [['koala-13b', 'gpt-4'], ['1.5', '2'], 'both_bad'],
    ]);
    const meta = u.workspace.reader.prepare('SELECT external_id, meta FROM comparison_label_imports ORDER BY label_id').raw().all() as [string, string][];
    expect(meta[0]![0]).toBe('q1');
    expect(JSON.parse(meta[0]![1])).toEqual({ judge: 'arena_user_1', tstamp: 1682351591.5, turn: 1, language: 'English', anony: true });
    const startedAt = u.workspace.reader.prepare('SELECT DISTINCT started_at FROM generations').pluck().all();
    expect(startedAt).toEqual([1682351591500]);

    // The leaderboard reads imported labels like any other (models by name).
    const lb = unwrap(await u.engine.call('comparisons.leaderboard', { bootstrap: 0 }));
    // (koala-13b's only battle is both-bad, which the Bradley–Terry fit leaves out.)
    expect(lb.models.map((m) => m.name).sort()).toEqual(['gpt-4', 'vicuna-13b']);
    // Arena judges saw these sides, so their one decided battle (B won) counts for position bias.
    expect(lb.positionBias).toMatchObject({ decided: 1, leftWinRate: 0 });

    // The same battles as one pretty-printed JSON array are the same records: all duplicates now.
    const array = writeFile(u.dir, 'battles.json', JSON.stringify(battles, null, 2));
    expect(detectImportFormat(fs.readFileSync(array, 'utf8').slice(0, 300), 'battles.json')).toBe('arena');
    const again = unwrap(await importDataset(u, array, 'arena'));
    expect(again).toMatchObject({ rows: 4, imported: 0, skippedDuplicates: 3, created: { prompts: 0, generations: 0, tasks: 0, labels: 0 } });
  });

  it('imports OpenAssistant trees: prompter turns → prompts, replies → generations, ranks → a ranking (two ranked → a pair)', async () => {
    const u = newEngine('oasst');
    const tree = {
      message_tree_id: 'tree-1',
      tree_state: 'ready_for_export',
      prompt: {
        message_id: 'm0',
        parent_id: null,
        role: 'prompter',
        text: 'What is a haiku?',
        lang: 'en',
        replies: [
          {
            message_id: 'a1',
            parent_id: 'm0',
            role: 'assistant',
            text: 'A 5-7-5 poem.',
            rank: 0,
            lang: 'en',
            labels: { name: ['quality'], value: [0.9], count: [3] },
            replies: [
              {
                message_id: 'p2',
                role: 'prompter',
                text: 'Write one about rain.',
                replies: [
                  { message_id: 'b1', role: 'assistant', text: 'Rain taps the window', rank: 1 },
                  { message_id: 'b2', role: 'assistant', text: 'Drops fall, puddles grow', rank: 0 },
                ],
              },
            ],
          },
          { message_id: 'a2', role: 'assistant', text: 'A Japanese poem.', rank: 1 },
          { message_id: 'a3', role: 'assistant', text: 'No idea.', rank: 2 },
          { message_id: 'a4', role: 'assistant', text: 'A deleted reply.', rank: null, deleted: true },
          { message_id: 'a5', role: 'assistant', text: 'An unranked reply.', rank: null },
        ],
      },
      origin: null,
    };
    const bare = { message_id: 'solo', role: 'prompter', text: 'A prompt nobody answered.', replies: [] };
    const file = writeFile(u.dir, '2023-04-12_oasst_ready.trees.jsonl', jsonl([tree, bare]));
    const report = unwrap(await importDataset(u, file, 'oasst'));
    expect(report).toMatchObject({
      rows: 2,
      imported: 2,
      created: { prompts: 3, models: 1, generations: 6, tasks: 2, labels: 2 },
      reviewer: 'oasst import',
    });
    const db = u.workspace.reader;
    const prompts = unwrap(await u.engine.call('prompts.list', { tags: ['oasst'] }));
    expect(prompts.total).toBe(3);
    const followUp = unwrap(await u.engine.call('prompts.get', { id: prompts.items[1]!.id }));
    expect(followUp.messages).toEqual([
      { role: 'user', content: 'What is a haiku?' },
      { role: 'assistant', content: 'A 5-7-5 poem.' },
      { role: 'user', content: 'Write one about rain.' },
    ]);
    expect(unwrap(await u.engine.call('prompts.get', { id: prompts.items[0]!.id })).tags).toEqual(['lang:en', 'oasst']);

    const tasks = tasksOf(db);
    expect(tasks.map((x) => [x.kind, preferred(x)])).toEqual([
      ['rank', ['A 5-7-5 poem.', 'A Japanese poem.', 'No idea.']],
      ['pair', 'Drops fall, puddles grow'],
    ]);
    expect(db.prepare("SELECT count(*) FROM generations WHERE output = 'A deleted reply.'").pluck().get()).toBe(0);
    const a1 = db.prepare("SELECT gi.external_id, gi.meta FROM generation_imports gi JOIN generations g ON g.id = gi.generation_id WHERE g.output = 'A 5-7-5 poem.'").get() as {
      external_id: string;
      meta: string;
    };
    expect(a1.external_id).toBe('a1');
    expect(JSON.parse(a1.meta)).toEqual({ rank: 0, lang: 'en', labels: { name: ['quality'], value: [0.9], count: [3] } });
    expect(db.prepare("SELECT DISTINCT name FROM models WHERE kind = 'import'").pluck().all()).toEqual(['OpenAssistant (human-written)']);
  });

  it('imports prompt/completion JSONL and CSV: given ids, tags, a model per row or the one named', async () => {
    const u = newEngine('completions');
    const file = writeFile(
      u.dir,
      'outputs.jsonl',
      jsonl([
        { id: 'c1', prompt: 'Say hi', completion: 'hi', model: 'm-small', tags: ['greet'] },
        { id: 'c2', messages: [{ role: 'user', content: 'Say bye' }], completion: 'bye' },
        { prompt: 'No id here', completion: '', extra: 1 },
      ]),
    );
    const report = unwrap(await importDataset(u, file, 'completions', { model: 'my-model v2' }));
    expect(report).toMatchObject({ rows: 3, imported: 3, created: { prompts: 3, models: 2, generations: 3, tasks: 0, labels: 0 }, reviewer: null, ignoredFields: ['extra'] });
    const c1 = unwrap(await u.engine.call('generations.list', { promptId: 'c1' })).items;
    expect(c1.map((g) => [g.modelName, g.output, g.mode, g.input])).toEqual([['m-small', 'hi', 'raw', { mode: 'raw', text: 'Say hi' }]]);
    expect(unwrap(await u.engine.call('generations.list', { promptId: 'c2' })).items[0]).toMatchObject({ modelName: 'my-model v2', output: 'bye', mode: 'chat' });
    expect(unwrap(await u.engine.call('prompts.get', { id: 'c1' })).tags).toEqual(['greet']);

    const csv = writeFile(u.dir, 'outputs.csv', ['id,prompt,completion,model,tags,notes', 'k1,"Line one', 'line two",done,m-small,a;b,x', 'k2,Empty completion,,m-small,,', ''].join('\n'));
    expect(detectImportFormat(fs.readFileSync(csv, 'utf8'), 'outputs.csv')).toBe('completions');
    const fromCsv = unwrap(await importDataset(u, csv, 'completions'));
    expect(fromCsv).toMatchObject({ rows: 2, imported: 2, created: { prompts: 2, models: 0, generations: 2 }, ignoredFields: ['notes'] });
    expect(unwrap(await u.engine.call('prompts.get', { id: 'k1' }))).toMatchObject({ prompt: 'Line one\nline two', tags: ['a', 'b'] });
    expect(unwrap(await u.engine.call('generations.list', { promptId: 'k2' })).items[0]!.output).toBe('');

    // A row whose id names a prompt with other text: left out under skip, overwritten under replace.
    const conflict = writeFile(u.dir, 'conflict.jsonl', jsonl([{ id: 'c1', prompt: 'Say hello instead', completion: 'hello', model: 'm-small' }]));
    const skipped = unwrap(await importDataset(u, conflict, 'completions'));
    expect(skipped).toMatchObject({ imported: 0, skipped: { 'a prompt with this id exists with other text (import with replace to overwrite it)': 1 }, created: { generations: 0 } });
    expect(unwrap(await u.engine.call('prompts.get', { id: 'c1' })).prompt).toBe('Say hi');
    const replaced = unwrap(await importDataset(u, conflict, 'completions', { onDuplicate: 'replace' }));
    expect(replaced).toMatchObject({ imported: 1, created: { generations: 1 } });
    expect(unwrap(await u.engine.call('prompts.get', { id: 'c1' })).prompt).toBe('Say hello instead');
  });

  it('refuses malformed records, naming the file and line, and imports nothing from the file', async () => {
    const u = newEngine('malformed');
    unwrap(await importDataset(u, writeFile(u.dir, 'seed.jsonl', jsonl([hhLine('Seed', 'a', 'b')])), 'hh-rlhf'));
    const before = tablesDigest(u.workspace.reader);
    const cases: { name: string; format: DatasetImportFormat; content: string | Buffer; line: number | null; reason: RegExp }[] = [
      { name: 'no-assistant.jsonl', format: 'hh-rlhf', content: jsonl([hhLine('a', 'b', 'c'), { chosen: '\n\nHuman: hi', rejected: '\n\nHuman: hi' }]), line: 2, reason: /no "\\n\\nAssistant:" turn/ },
      { name: 'hh-type.jsonl', format: 'hh-rlhf', content: jsonl([hhLine('a', 'b', 'c'), hhLine('d', 'e', 'f'), { chosen: 3, rejected: 'x' }]), line: 3, reason: /field 'chosen'/ },
      { name: 'winner.jsonl', format: 'arena', content: jsonl([battle({}), battle({ winner: 'model_c' })]), line: 2, reason: /field 'winner'/ },
      { name: 'turns.jsonl', format: 'arena', content: jsonl([battle({ conversation_b: [{ role: 'user', content: 'Other' }, { role: 'assistant', content: 'x' }] })]), line: 1, reason: /different user turns/ },
      { name: 'nesting.jsonl', format: 'arena', content: jsonl([battle({ conversation_a: [[{ role: 'user', content: 'x' }]] })]), line: 1, reason: /conversation_a\.0/ },
      { name: 'root.jsonl', format: 'oasst', content: jsonl([{ prompt: { message_id: 'x', role: 'assistant', text: 'hi' } }]), line: 1, reason: /root message x is an assistant/ },
      { name: 'flat.jsonl', format: 'oasst', content: jsonl([{ message_id: 'x', parent_id: 'y', role: 'assistant', text: 'hi' }]), line: 1, reason: /flat message export/ },
      { name: 'replies.jsonl', format: 'oasst', content: jsonl([{ prompt: { message_id: 'x', role: 'prompter', text: 'hi', replies: { message_id: 'y' } } }]), line: 1, reason: /prompt\.replies/ },
      { name: 'alternate.jsonl', format: 'oasst', content: jsonl([{ prompt: { message_id: 'x', role: 'prompter', text: 'hi', replies: [{ message_id: 'y', role: 'prompter', text: 'again' }] } }]), line: 1, reason: /is not an assistant message/ },
      { name: 'no-completion.jsonl', format: 'completions', content: jsonl([{ prompt: 'a', completion: 'b' }, { prompt: 'c' }]), line: 2, reason: /field 'completion'/ },
      { name: 'header.csv', format: 'completions', content: 'prompt,answer\nx,y\n', line: 1, reason: /'completion' column/ },
      { name: 'unclosed.json', format: 'arena', content: JSON.stringify([battle({})], null, 2).slice(0, -2), line: 2, reason: /array is closed|invalid JSON/ },
      { name: 'comma.json', format: 'hh-rlhf', content: `[\n${JSON.stringify(hhLine('a', 'b', 'c'))},\n]\n`, line: 3, reason: /missing after the last comma/ },
      { name: 'after.json', format: 'hh-rlhf', content: `[${JSON.stringify(hhLine('a', 'b', 'c'))}]\n{}\n`, line: 2, reason: /more after the closing \]/ },
      {
        name: 'utf8.jsonl',
        format: 'hh-rlhf',
        content: Buffer.concat([Buffer.from(jsonl([hhLine('a', 'b', 'c'), hhLine('d', 'e', 'f')])), Buffer.from('{"chosen": "\\n\\nHuman: '), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]),
        line: 3,
        reason: /not valid UTF-8/,
      },
      { name: 'empty.jsonl', format: 'oasst', content: '\n\n', line: null, reason: /holds no rows/ },
    ];
    for (const [i, c] of cases.entries()) {
      // A few through the worker, the rest in this thread (the same importer, without a worker start each).
      const file = writeFile(u.dir, c.name, c.content);
      const { message, details } = importFailureOf(i % 6 === 0 ? await importDataset(u, file, c.format) : await importHere(u, file, c.format));
      expect({ name: c.name, line: details.line, file: details.file }).toEqual({ name: c.name, line: c.line, file: c.name });
      expect(details.reason, c.name).toMatch(c.reason);
      expect(message).toContain(c.name);
      expect(message).toContain('Nothing from this file was imported');
      expect(tablesDigest(u.workspace.reader), c.name).toEqual(before);
    }
  });

  it('cancels a large import: the call fails with cancelled and nothing of it lands', async () => {
    const u = newEngine('dscancel');
    const before = tablesDigest(u.workspace.reader);
    const rows: string[] = [];
    for (let i = 0; i < 40_000; i++) rows.push(JSON.stringify(hhLine(`Question ${i}: ${'why '.repeat(20)}?`, `Because ${i}.`, `No ${i}.`)));
    const file = writeFile(u.dir, 'big.jsonl', rows.join('\n') + '\n');
    const id = importId('cancel');
    const progress = collectEvents(u.engine, 'onDidImportProgress');
    let cancelled = false;
    const stop = u.engine.events.on('onDidImportProgress', (p) => {
      if (p.importId === id && p.rows > 0 && !cancelled) {
        cancelled = true;
        void u.engine.call('prompts.cancelImport', { importId: id });
      }
    });
    const result = await importDataset(u, file, 'hh-rlhf', { id });
    stop();
    progress.stop();
    expect(cancelled).toBe(true);
    failure(result, 'cancelled');
    expect(progress.events.at(-1)?.phase).toBe('failed');
    expect(tablesDigest(u.workspace.reader)).toEqual(before);
  });
});

// ── Pieces ───────────────────────────────────────────────────────────────────────────────────

describe('format pieces', () => {
  it('splits an HH transcript into turns, one space after each colon dropped', () => {
    expect(transcriptMessages('\n\nHuman:  two spaces\n\nAssistant: ok\n\nHuman:no space', 'chosen')).toEqual([
      { role: 'user', content: ' two spaces' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'no space' },
    ]);
    expect(transcriptMessages('Human: no leading newlines', 'chosen')).toEqual([{ role: 'user', content: 'no leading newlines' }]);
    expect(() => transcriptMessages('Preamble\n\nHuman: x', 'chosen')).toThrow(/does not start with/);
  });

  it('detects the format from the first line (even cut short), the CSV header or the file name', () => {
    const long = JSON.stringify(hhLine('x'.repeat(100), 'y', 'z'));
    expect(detectImportFormat(long, 'f.jsonl')).toBe('hh-rlhf');
    expect(detectImportFormat(long.slice(0, 60), 'f.jsonl')).toBe('hh-rlhf');
    expect(detectImportFormat(JSON.stringify(battle({})), 'x')).toBe('arena');
    expect(detectImportFormat('[\n  {\n    "question_id": "q",\n    "model_a": "a",\n    "model_b"', 'x.json')).toBe('arena');
    expect(detectImportFormat('{"message_tree_id": "t", "prompt": {"message_id": "m"', 'x')).toBe('oasst');
    expect(detectImportFormat('{"prompt": "p", "completion": "c"}\n', 'x')).toBe('completions');
    expect(detectImportFormat('\uFEFF{"prompt": "p"}\n', 'x')).toBe('jsonl');
    expect(detectImportFormat('id,prompt,tags\n', 'x.csv')).toBe('csv');
    expect(detectImportFormat('"prompt","completion"\r\n', 'x.txt')).toBe('completions');
    expect(detectImportFormat('{"what": 1}', 'x.jsonl')).toBe('jsonl');
    expect(detectImportFormat('hello world', 'notes.txt')).toBeNull();
    expect(detectImportFormat('', 'empty.csv')).toBe('csv');
  });
});

// ── Property tests: malformed files never crash, always name a line, never half-import ─────

const MAX_LINE = 2048;
const text = (max: number) => fc.oneof(fc.string({ maxLength: max }), fc.string({ unit: 'grapheme', maxLength: Math.ceil(max / 2) }));
const nonEmpty = (max: number) => text(max).filter((s) => s.trim().length > 0);
const modelName = fc.constantFrom('gpt-4', 'vicuna-13b', 'koala-13b', 'claude-v1');

const hhRecord = fc.record({ h: nonEmpty(40), c: text(40), r: text(40) }).map(({ h, c, r }) => hhLine(h, c, r));
const arenaRecord = fc
  .record({ a: modelName, b: modelName, winner: fc.constantFrom('model_a', 'model_b', 'tie', 'tie (bothbad)'), q: nonEmpty(40), ra: text(40), rb: text(40), id: fc.uuid() })
  .map(({ a, b, winner, q, ra, rb, id }) =>
    battle({ question_id: id, model_a: a, model_b: b, winner, conversation_a: [{ role: 'user', content: q }, { role: 'assistant', content: ra }], conversation_b: [{ role: 'user', content: q }, { role: 'assistant', content: rb }] }),
  );
const assistantReply = fc.record({ text: text(30), rank: fc.option(fc.nat(4), { nil: null }) });
const oasstRecord = fc
  .record({ id: fc.uuid(), q: text(30), replies: fc.array(assistantReply, { maxLength: 4 }), follow: fc.option(fc.record({ q: text(20), replies: fc.array(assistantReply, { maxLength: 3 }) }), { nil: null }) })
  .map(({ id, q, replies, follow }) => ({
    message_tree_id: id,
    prompt: {
      message_id: `${id}-0`,
      role: 'prompter',
      text: q,
      replies: replies.map((r, i) => ({
        message_id: `${id}-a${i}`,
        role: 'assistant',
        text: r.text,
        rank: r.rank,
        replies:
          i === 0 && follow
            ? [{ message_id: `${id}-f`, role: 'prompter', text: follow.q, replies: follow.replies.map((f, j) => ({ message_id: `${id}-f${j}`, role: 'assistant', text: f.text, rank: f.rank })) }]
            : [],
      })),
    },
  }));
const completionRecord = fc
  .record({ prompt: nonEmpty(40), completion: text(40), model: fc.option(modelName, { nil: undefined }), tags: fc.option(fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 2 }), { nil: undefined }) })
  .map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);

const RECORDS: Record<DatasetImportFormat, fc.Arbitrary<Record<string, unknown>>> = {
  'hh-rlhf': hhRecord,
  arena: arenaRecord,
  oasst: oasstRecord,
  completions: completionRecord,
};

/** A field each format requires, to give a wrong type. */
const REQUIRED: Record<DatasetImportFormat, string[][]> = {
  'hh-rlhf': [['chosen'], ['rejected']],
  arena: [['winner'], ['model_a'], ['conversation_a'], ['conversation_b', '0', 'content']],
  oasst: [['prompt'], ['prompt', 'text'], ['prompt', 'role'], ['prompt', 'message_id']],
  completions: [['completion'], ['prompt']],
};

/** Nesting a format does not have: a level too deep where a value belongs, or a list where an object does. */
const NESTING: Record<DatasetImportFormat, ((r: Record<string, unknown>) => unknown)[]> = {
  'hh-rlhf': [(r) => ({ ...r, chosen: [r.chosen] }), (r) => ({ data: r })],
  arena: [(r) => ({ ...r, conversation_a: [r.conversation_a] }), (r) => ({ ...r, conversation_b: { turns: r.conversation_b } }), (r) => ({ data: r })],
  oasst: [(r) => ({ ...r, prompt: { ...(r.prompt as object), replies: { reply: (r.prompt as { replies: unknown }).replies } } }), (r) => ({ data: r })],
  completions: [(r) => ({ ...r, prompt: { text: r.prompt } }), (r) => ({ data: r })],
};

const WRONG_VALUES: unknown[] = [42, null, true, { x: 1 }, ['a'], 'text'];

const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];

type Corruption =
  | { kind: 'truncate'; at: number }
  | { kind: 'wrong-type'; field: number; value: number }
  | { kind: 'utf8'; bytes: number; at: number }
  | { kind: 'huge' }
  | { kind: 'nesting'; how: number };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({ kind: fc.constant('wrong-type' as const), field: fc.nat(10), value: fc.nat(WRONG_VALUES.length - 1) }),
  fc.record({ kind: fc.constant('utf8' as const), bytes: fc.nat(INVALID_UTF8.length - 1), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('huge' as const) }),
  fc.record({ kind: fc.constant('nesting' as const), how: fc.nat(10) }),
);

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function setPath(value: Record<string, unknown>, pathKeys: string[], to: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let at: Record<string, unknown> = copy;
  for (const key of pathKeys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[pathKeys.at(-1)!] = to;
  return copy;
}

/** One line of the file, corrupted: its bytes, never a valid record of the format. */
function corruptLine(format: DatasetImportFormat, record: Record<string, unknown>, c: Corruption, isFirstLine: boolean): Buffer {
  const line = JSON.stringify(record);
  switch (c.kind) {
    case 'truncate':
      // A proper prefix of a JSON object is never JSON.
      return Buffer.from(line.slice(0, 1 + Math.floor(c.at * (line.length - 1))));
    case 'wrong-type': {
      const fields = REQUIRED[format];
      const field = fields[c.field % fields.length]!;
      let original: unknown = record;
      for (const key of field) original = (original as Record<string, unknown>)[key];
      // A value of another JSON type than the field holds is never valid there.
      const wrong = WRONG_VALUES.filter((v) => jsonType(v) !== jsonType(original));
      return Buffer.from(JSON.stringify(setPath(record, field, wrong[c.value % wrong.length])));
    }
    case 'utf8': {
      const bytes = Buffer.from(line);
      const at = Math.floor(c.at * bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(INVALID_UTF8[c.bytes]!), bytes.subarray(at)]);
    }
    case 'huge':
      return Buffer.from(JSON.stringify({ ...record, padding: 'x'.repeat(MAX_LINE) }));
    case 'nesting': {
      const ways = NESTING[format];
      // A JSON list as the first line would make the file read as one JSON array.
      if (!isFirstLine && c.how % (ways.length + 1) === ways.length) return Buffer.from(JSON.stringify([record]));
      return Buffer.from(JSON.stringify(ways[c.how % ways.length]!(record)));
    }
  }
}

interface BadFile {
  format: DatasetImportFormat;
  bytes: Buffer;
  /** The line the import must name: the first corrupted one. */
  line: number;
  kinds: Corruption['kind'][];
}

const badFile: fc.Arbitrary<BadFile> = fc.constantFrom<DatasetImportFormat>('hh-rlhf', 'arena', 'oasst', 'completions').chain((format) =>
  fc
    .record({
      records: fc.array(RECORDS[format], { minLength: 1, maxLength: 6 }),
      blanks: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      corruptions: fc.array(fc.tuple(fc.nat(5), corruption), { minLength: 1, maxLength: 3 }),
    })
    .map(({ records, blanks, corruptions }) => {
      const bad = new Map<number, Corruption>();
      for (const [i, c] of corruptions) if (!bad.has(i % records.length)) bad.set(i % records.length, c);
      const lines: Buffer[] = [];
      let first = Infinity;
      records.forEach((record, i) => {
        if (blanks[i] && i > 0) lines.push(Buffer.from(''));
        const c = bad.get(i);
        if (c) {
          first = Math.min(first, lines.length + 1);
          lines.push(corruptLine(format, record, c, lines.length === 0));
        } else lines.push(Buffer.from(JSON.stringify(record)));
      });
      const bytes = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
      return { format, bytes, line: first, kinds: [...bad.values()].map((c) => c.kind) };
    }),
);

/** A valid file of one format written as a pretty-printed JSON array, then cut or given bad bytes. */
const badArray: fc.Arbitrary<{ format: DatasetImportFormat; bytes: Buffer; line: number | null }> = fc
  .constantFrom<DatasetImportFormat>('hh-rlhf', 'arena', 'oasst')
  .chain((format) =>
    fc.record({ records: fc.array(RECORDS[format], { minLength: 1, maxLength: 4 }), cut: fc.boolean(), at: fc.double({ min: 0, max: 0.999, noNaN: true }), bytes: fc.nat(INVALID_UTF8.length - 1) }).map(({ records, cut, at, bytes }) => {
      const full = Buffer.from(JSON.stringify(records, null, 2));
      const close = full.lastIndexOf(']');
      const offset = Math.floor(at * close);
      if (cut) return { format, bytes: full.subarray(0, Math.max(1, offset)), line: null };
      const out = Buffer.concat([full.subarray(0, offset), Buffer.from(INVALID_UTF8[bytes]!), full.subarray(offset)]);
      return { format, bytes: out, line: full.subarray(0, offset).toString('utf8').split('\n').length };
    }),
  );

describe('malformed dataset files (fast-check)', () => {
  let dir: string;
  let ws: Workspace;
  let n = 0;
  const seedFiles: Record<DatasetImportFormat, unknown[]> = {
    'hh-rlhf': [hhLine('Seed question', 'good', 'bad')],
    arena: [battle({ question_id: 'seed' })],
    oasst: [{ prompt: { message_id: 's0', role: 'prompter', text: 'Seed', replies: [{ message_id: 's1', role: 'assistant', text: 'x', rank: 0 }, { message_id: 's2', role: 'assistant', text: 'y', rank: 1 }] } }],
    completions: [{ id: 'seed', prompt: 'Seed', completion: 'z' }],
  };

  beforeAll(async () => {
    dir = tempDir('assay-dsprop-');
    ws = openWorkspace(path.join(dir, 'prop.assay'));
    for (const [format, rows] of Object.entries(seedFiles) as [DatasetImportFormat, unknown[]][]) {
      await importDatasetFile(ws.writer, { importId: `seed-${format}`, file: writeFile(dir, `seed-${format}.jsonl`, jsonl(rows)), format, onDuplicate: 'skip' });
    }
  });
  afterAll(() => ws.close());

  const run = async (format: DatasetImportFormat, bytes: Buffer, name = `case-${n + 1}.jsonl`) => {
    n++;
    const file = writeFile(dir, name, bytes);
    try {
      return await importDatasetFile(ws.writer, { importId: `p${n}`, file, format, onDuplicate: n % 2 ? 'skip' : 'replace', maxLineBytes: MAX_LINE });
    } finally {
      fs.rmSync(file);
    }
  };

  const expectNothingImported = async (format: DatasetImportFormat, bytes: Buffer, line: number | null) => {
    const before = tablesDigest(ws.reader);
    let error: unknown = null;
    try {
      await run(format, bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    const shape = (error as AppError).toShape();
    expect(shape.code).toBe('import_failed');
    const details = shape.details as ImportFailure;
    expect(details.line).not.toBeNull();
    if (line !== null) expect(details.line).toBe(line);
    expect(details.line!).toBeGreaterThanOrEqual(1);
    expect(details.line!).toBeLessThanOrEqual(bytes.toString('latin1').split('\n').length);
    expect(shape.message).toMatch(new RegExp(`line ${details.line}\\b`));
    expect(ws.writer.inTransaction).toBe(false);
    expect(tablesDigest(ws.reader)).toEqual(before);
  };

  it('JSONL with truncated lines, wrong types, invalid UTF-8, huge lines or wrong nesting among valid ones: the first bad line is named, nothing lands', async () => {
    await fc.assert(
      fc.asyncProperty(badFile, async ({ format, bytes, line }) => {
        await expectNothingImported(format, bytes, line);
      }),
      { numRuns: 400 },
    );
  });

  it('JSON arrays cut short or with invalid UTF-8: a line is named, nothing lands', async () => {
    await fc.assert(
      fc.asyncProperty(badArray, async ({ format, bytes, line }) => {
        await expectNothingImported(format, bytes, line);
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary bytes never crash the importer: a file imports whole or fails naming a line with nothing imported', async () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.array(fc.oneof(fc.json(), fc.string()), { minLength: 1, maxLength: 5 }).map((l) => Buffer.from(l.join('\n'))),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<DatasetImportFormat>('hh-rlhf', 'arena', 'oasst', 'completions'), bytesArb, async (format, bytes) => {
        const before = tablesDigest(ws.reader);
        try {
          const report = await run(format, bytes);
          // Whatever was accepted was accepted whole, with a consistent report.
          expect(report.rows).toBe(report.imported + report.replaced + report.skippedDuplicates + Object.values(report.skipped).reduce((a, b) => a + b, 0));
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          const shape = (error as AppError).toShape();
          expect(shape.code).toBe('import_failed');
          expect(ws.writer.inTransaction).toBe(false);
          expect(tablesDigest(ws.reader)).toEqual(before);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('valid generated files import whole, and a second import finds everything there', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<DatasetImportFormat>('hh-rlhf', 'arena', 'oasst', 'completions').chain((format) => fc.tuple(fc.constant(format), fc.array(RECORDS[format], { minLength: 1, maxLength: 5 }))),
        async ([format, records]) => {
          const bytes = Buffer.from(jsonl(records));
          // The same file name: HH-RLHF's default model is named after the file.
          const first: DatasetImportReport = await run(format, bytes, 'valid.jsonl');
          expect(first.rows).toBe(records.length);
          const second = await run(format, bytes, 'valid.jsonl');
          expect(second.created).toEqual({ prompts: 0, models: 0, generations: 0, tasks: 0, labels: 0 });
          expect(second.imported).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('through the worker thread too: a bad file fails naming its line and the workspace is unchanged', async () => {
    const u = newEngine('dspropworker');
    await fc.assert(
      // The worker reads with the default 8 MiB line limit, so a 2 KiB "huge" line is no fault there.
      fc.asyncProperty(
        badFile.filter((f) => !f.kinds.includes('huge')),
        async ({ format, bytes, line }) => {
          const before = tablesDigest(u.workspace.reader);
          const file = writeFile(u.dir, `w-${++n}.jsonl`, bytes);
          const result = await u.engine.call('datasets.import', { importId: importId('pw'), source: { kind: 'path', path: file }, format });
          const error = failure(result, 'import_failed');
          expect((error.details as ImportFailure).line).toBe(line);
          expect(tablesDigest(u.workspace.reader)).toEqual(before);
        },
      ),
      { numRuns: 5 },
    );
  });
});

// ── Migration 0007 ───────────────────────────────────────────────────────────────────────────

describe('migration 0007 (imports)', () => {
  /** A v6 workspace with every kind of row that points at models or generations. */
  function v6Workspace(file: string) {
    const db = openWriter(file);
    migrate(db, file, 6);
    db.exec(`
      INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('p1', 'What is seven plus 5?', 1, 1);
      INSERT INTO models (name, kind, model_path, settings, created_at) VALUES ('local', 'llama', '/m/tiny.gguf', '{"concurrency":2}', 1);
      INSERT INTO models (name, kind, base_url, remote_model, api_key_env, settings, created_at) VALUES ('remote', 'openai', 'http://127.0.0.1:1/v1', 'gpt', 'KEY', '{}', 2);
      INSERT INTO templates (name, created_at) VALUES ('t', 1);
      INSERT INTO template_versions (template_id, version, instruction, demonstrations, input_label, output_label, created_at) VALUES (1, 1, 'Answer.', '[]', 'Q', 'A', 1);
      INSERT INTO jobs (name, status, spec, created_at, updated_at) VALUES ('j', 'done', '{}', 1, 1);
    `);
    const gen = db.prepare(
      `INSERT INTO generations (prompt_seq, model_id, template_id, template_version, mode, input, rendered_prompt, output, finish_reason,
         runner_kind, runner_version, model_name, sampling, seed, started_at, finished_at, job_id, sample_index, source, created_at)
       VALUES (1, ?, ?, ?, 'raw', '{"mode":"raw","text":"x"}', 'x', ?, 'stop', 'llama', '3.21.1', 'local', '{}', 7, 1, 2, ?, 0, ?, 3)`,
    );
    gen.run(1, 1, 1, 'twelve', 1, 'batch');
    gen.run(2, null, null, '75', null, 'playground');
    gen.run(1, null, null, '12', null, 'regenerate');
    db.exec(`
      INSERT INTO job_items (job_id, prompt_seq, model_id, sample_index, status, generation_id) VALUES (1, 1, 1, 0, 'done', 1);
      INSERT INTO reviewers (name, role, created_at) VALUES ('Ada', 'sme', 1);
      INSERT INTO reviews (generation_id, reviewer_id, status, created_at, updated_at) VALUES (2, 1, 'submitted', 1, 1);
      INSERT INTO corrections (generation_id, reviewer_id, version, text, created_at) VALUES (2, 1, 1, '12', 1);
      INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (1, 'pair', 'all-pairs', 0, '1,2', 1);
      INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (1, 0, 2), (1, 1, 1);
      INSERT INTO comparison_labels (task_id, reviewer_id, choice, created_at, updated_at) VALUES (1, 1, 'B', 1, 1);
    `);
    return db;
  }

  const dump = (db: Database.Database, table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all();
  const indexesOf = (db: Database.Database, table: string) =>
    db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name").all(table);

  it('rebuilds models and generations with every row, id, index and reference kept, and takes imported rows', () => {
    const file = path.join(tempDir(), 'v6.assay');
    const old = v6Workspace(file);
    const before = { models: dump(old, 'models'), generations: dump(old, 'generations'), genIndexes: indexesOf(old, 'generations'), modelIndexes: indexesOf(old, 'models') };
    old.close();

    const ws = openWorkspace(file);
    try {
      expect(ws.migration).toMatchObject({ from: 6, to: LATEST_SCHEMA_VERSION });
      expect(fs.existsSync(ws.migration.backupPath!)).toBe(true);
      const db = ws.writer;
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(dump(db, 'models')).toEqual(before.models);
      // Every column kept; migration 9 then binds each generation to its prompt's current text (version 1).
      expect(dump(db, 'generations')).toEqual(before.generations.map((g) => ({ ...(g as object), prompt_version: 1 })));
      expect(indexesOf(db, 'generations')).toEqual(before.genIndexes);
      expect(before.genIndexes.map((i) => (i as { name: string }).name)).toEqual(['generations_by_job', 'generations_by_model', 'generations_by_prompt', 'generations_by_template']);
      expect(indexesOf(db, 'models').map((i) => (i as { name: string }).name)).toEqual([...before.modelIndexes.map((i) => (i as { name: string }).name), 'models_imported_by_name']);
      for (const table of ['models', 'generations', 'imports', 'generation_imports', 'comparison_label_imports']) {
        expect(db.prepare('SELECT strict FROM pragma_table_list WHERE name = ?').pluck().get(table), table).toBe(1);
      }
      // Tables that point at the rebuilt ones still do, and the references are enforced.
      const parents = (table: string) => [...new Set((db.pragma(`foreign_key_list(${table})`) as { table: string }[]).map((f) => f.table))].sort();
      expect(parents('job_items')).toEqual(['generations', 'jobs', 'models', 'prompts']);
      expect(parents('comparison_task_outputs')).toEqual(['comparison_tasks', 'generations']);
      expect(parents('generations')).toEqual(['jobs', 'models', 'prompts', 'template_versions']);
      expect(() => db.prepare('DELETE FROM generations WHERE id = 1').run()).toThrow(/FOREIGN KEY/);
      expect(() => db.prepare('DELETE FROM models WHERE id = 2').run()).toThrow(/FOREIGN KEY/);
      expect(() =>
        db.prepare(`INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version, model_name, sampling, started_at, finished_at, source, created_at)
                    VALUES (1, 99, 'raw', '{}', '', '', 'stop', 'import', 'x', 'x', '{}', 1, 1, 'import', 1)`).run(),
      ).toThrow(/FOREIGN KEY/);
      // The new values are taken; the old rules still hold.
      const imported = Number(db.prepare("INSERT INTO models (name, kind, settings, created_at) VALUES ('gpt-4', 'import', '{}', 5)").run().lastInsertRowid);
      expect(() => db.prepare("INSERT INTO models (name, kind, settings, created_at) VALUES ('gpt-4', 'import', '{}', 5)").run()).toThrow(/UNIQUE/);
      expect(() => db.prepare("INSERT INTO models (name, kind, model_path, settings, created_at) VALUES ('x', 'import', '/a.gguf', '{}', 5)").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO models (name, kind, settings, created_at) VALUES ('x', 'llama', '{}', 5)").run()).toThrow(/CHECK/);
      db.prepare(`INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version, model_name, sampling, started_at, finished_at, source, created_at)
                  VALUES (1, ?, 'raw', '{}', '', 'y', 'stop', 'import', 'arena', 'gpt-4', '{}', 1, 1, 'import', 1)`).run(imported);
      expect(() => db.prepare("UPDATE generations SET source = 'dream' WHERE id = 1").run()).toThrow(/CHECK/);
      // New rows continue the ids.
      expect(db.prepare('SELECT max(id) FROM generations').pluck().get()).toBe(4);
    } finally {
      ws.close();
    }
  });

  it('a table-rebuilding migration that would break a reference rolls back, leaving the version; earlier broken references do not block it', () => {
    const file = path.join(tempDir(), 'rebuild.assay');
    const db = openWriter(file);
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT; CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id)) STRICT;');
    db.exec('INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (1, 1), (2, 2);');
    const lossy: Migration = {
      version: 100,
      name: 'lossy',
      rebuildsTables: true,
      up(w) {
        w.exec('CREATE TABLE parent_new (id INTEGER PRIMARY KEY) STRICT; INSERT INTO parent_new SELECT id FROM parent WHERE id = 1; DROP TABLE parent; ALTER TABLE parent_new RENAME TO parent;');
      },
    };
    expect(() => applyMigration(db, lossy)).toThrow(/broken reference.*child row 2/);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare('SELECT count(*) FROM parent').pluck().get()).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);

    // A reference already broken before (written with foreign keys off) is not the migration's doing.
    db.pragma('foreign_keys = OFF');
    db.exec('INSERT INTO child VALUES (3, 9)');
    db.pragma('foreign_keys = ON');
    const faithful: Migration = { ...lossy, name: 'faithful', up: (w) => w.exec('CREATE TABLE parent_new (id INTEGER PRIMARY KEY) STRICT; INSERT INTO parent_new SELECT id FROM parent; DROP TABLE parent; ALTER TABLE parent_new RENAME TO parent;') };
    applyMigration(db, faithful);
    expect(db.pragma('user_version', { simple: true })).toBe(100);
    db.close();
  });
});

// ── CLI ──────────────────────────────────────────────────────────────────────────────────────

describe('assay import of datasets', () => {
  const cli = runCli;
  const digestOf = (file: string) => {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return tablesDigest(db as unknown as ReadableDB);
    } finally {
      db.close();
    }
  };

  it('detects the format, imports, reports on stdout (exit 0); a bad line exits 1 with nothing imported; wrong usage exits 2', async () => {
    const dir = tempDir('assay-dscli-');
    const workspace = path.join(dir, 'cli.assay');
    const hh = writeFile(dir, 'pairs.jsonl', jsonl([hhLine('Hi', 'Hello!', 'Go away.'), hhLine('Same', 'x', 'x')]));
    const ok = await cli('import', hh, '--workspace', workspace, '--model', 'claude-v1');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^pairs\.jsonl \(hh-rlhf\): 2 records, 1 imported, 0 replaced, 0 duplicates skipped; left out 1: chosen and rejected are identical ×1; created 1 prompts, 1 models, 2 generations, 1 comparison tasks, 1 labels \(as reviewer "hh-rlhf import"\) in \d+ ms\nleft out:\n {2}line 2: chosen and rejected are identical\n$/,
    );
    expect(digestOf(workspace).counts).toMatchObject({ models: 1, generations: 2, comparison_labels: 1 });
    const before = digestOf(workspace);

    const bad = writeFile(dir, 'battles.jsonl', jsonl([battle({}), battle({ winner: 'model_c' })]));
    const failed = await cli('import', bad, '-w', workspace, '--format', 'arena');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/battles\.jsonl: line 2: field 'winner'.*Nothing from this file was imported/);
    expect(digestOf(workspace)).toEqual(before);

    const usage = await cli('import', bad, '-w', workspace, '--format', 'parquet');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--format must be one of jsonl, csv, completions, hh-rlhf, arena, oasst/);
    const prompts = writeFile(dir, 'prompts.jsonl', jsonl([{ prompt: 'p' }]));
    expect((await cli('import', prompts, '-w', workspace, '--model', 'm')).code).toBe(2);
    expect(digestOf(workspace)).toEqual(before);

    const help = await cli('--help');
    expect(help.stdout).toContain('--format F           jsonl|csv|completions|hh-rlhf|arena|oasst');
  });
});
