import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../contract';
import { openWorkspace } from '../core/workspace/workspace';
import { openWriter } from '../db/handles';
import { ASSAY_APPLICATION_ID, LATEST_SCHEMA_VERSION, migrate } from '../db/migrate';
import { insertTask } from '../db/comparisons';
import { listPrompts } from '../db/prompts';
import {
  claimNextItem,
  getGeneration,
  getTemplate,
  insertGeneration,
  insertJob,
  insertJobItems,
  insertModel,
  insertTemplate,
  insertTemplateVersion,
  listModelRows,
  type NewGeneration,
} from '../db/runner';
import { Sampling } from '../contract';
import { cleanupAll, tempDir } from './helpers';

afterAll(cleanupAll);

/** Reads a pragma with a connection of our own, so what we check is what is on disk. */
function pragmaOf(file: string, name: string): unknown {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
}

/** The AppError openWorkspace throws for `file`; fails when it opens. */
function openFailure(file: string): AppError {
  try {
    openWorkspace(file).close();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`${file} opened but should have been refused`);
}

function backupsOf(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  return fs
    .readdirSync(dir)
    .filter((n) => n.startsWith(`${base}.v`) && n.endsWith('.bak'))
    .map((n) => path.join(dir, n));
}

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('workspace migrations', () => {
  it('brings a new file to the latest schema and marks it as an Assay workspace', () => {
    const file = path.join(tempDir(), 'fresh.assay');
    const ws = openWorkspace(file);
    expect(ws.migration).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION, backupPath: null });
    ws.close();
    expect(pragmaOf(file, 'user_version')).toBe(LATEST_SCHEMA_VERSION);
    expect(pragmaOf(file, 'application_id')).toBe(ASSAY_APPLICATION_ID);
    expect(backupsOf(file)).toEqual([]);

    // Opening it again changes nothing and writes no backup.
    const again = openWorkspace(file);
    expect(again.migration).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, backupPath: null });
    again.close();
    expect(backupsOf(file)).toEqual([]);
  });

  it('initialises an existing empty file (a touched workspace.assay)', () => {
    const file = path.join(tempDir(), 'touched.assay');
    fs.writeFileSync(file, '');
    const ws = openWorkspace(file);
    expect(ws.migration).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION, backupPath: null });
    ws.close();
    expect(pragmaOf(file, 'application_id')).toBe(ASSAY_APPLICATION_ID);
  });

  it('creates missing parent folders, and refuses a missing file when asked not to create', () => {
    const dir = tempDir();
    const nested = path.join(dir, 'a', 'b', 'nested.assay');
    openWorkspace(nested).close();
    expect(pragmaOf(nested, 'user_version')).toBe(LATEST_SCHEMA_VERSION);

    const missing = path.join(dir, 'missing.assay');
    let error: unknown;
    try {
      openWorkspace(missing, { create: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('not_found');
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('upgrades a v2 file, keeping a v2 backup with the original data, and indexes the old rows for search', () => {
    const file = path.join(tempDir(), 'old.assay');
    const old = openWriter(file);
    expect(migrate(old, file, 2)).toEqual({ from: 0, to: 2, backupPath: null });
    old.prepare("INSERT INTO workspace_meta (key, value) VALUES ('owner', 'alice')").run();
    const insert = old.prepare(
      'INSERT INTO prompts (id, prompt, messages, reference, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1)',
    );
    const seq = insert.run('old-text', 'How do lighthouses rotate their lamps?', null, 'With clockwork').lastInsertRowid;
    insert.run('old-chat', null, JSON.stringify([{ role: 'user', content: 'Describe a marmalade recipe' }]), null);
    old.prepare("INSERT INTO prompt_tags (prompt_seq, tag) VALUES (?, 'legacy')").run(seq);
    old.close();
    expect(pragmaOf(file, 'user_version')).toBe(2);

    const ws = openWorkspace(file);
    try {
      expect(ws.migration.from).toBe(2);
      expect(ws.migration.to).toBe(LATEST_SCHEMA_VERSION);
      const backups = backupsOf(file);
      expect(backups).toHaveLength(1);
      expect(ws.migration.backupPath).toBe(backups[0]);
      expect(path.basename(backups[0]!)).toMatch(/^old\.assay\.v2-.+\.bak$/);

      // The backup is the file as it was: v2, same rows, no search index yet.
      const backup = new Database(backups[0]!, { readonly: true });
      try {
        expect(backup.pragma('user_version', { simple: true })).toBe(2);
        expect(backup.pragma('application_id', { simple: true })).toBe(ASSAY_APPLICATION_ID);
        expect(backup.prepare('SELECT value FROM workspace_meta WHERE key = ?').pluck().get('owner')).toBe('alice');
        expect(backup.prepare('SELECT id FROM prompts ORDER BY seq').pluck().all()).toEqual(['old-text', 'old-chat']);
        expect(backup.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'prompts_fts'").pluck().get()).toBe(0);
      } finally {
        backup.close();
      }

      // The upgraded file has the data, at the latest version, and search finds the old rows.
      expect(ws.writer.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(ws.reader.prepare('SELECT value FROM workspace_meta WHERE key = ?').pluck().get('owner')).toBe('alice');
      const all = listPrompts(ws.reader, { query: '', tags: [], offset: 0, limit: 10 });
      expect(all.items.map((p) => p.id)).toEqual(['old-text', 'old-chat']);
      expect(all.items[0]!.tags).toEqual(['legacy']);
      expect(listPrompts(ws.reader, { query: 'lighthouse', tags: [], offset: 0, limit: 10 }).items.map((p) => p.id)).toEqual([
        'old-text',
      ]);
      expect(listPrompts(ws.reader, { query: 'marmalade', tags: [], offset: 0, limit: 10 }).items.map((p) => p.id)).toEqual([
        'old-chat',
      ]);
      expect(listPrompts(ws.reader, { query: 'clockwork', tags: [], offset: 0, limit: 10 }).items.map((p) => p.id)).toEqual([
        'old-text',
      ]);
    } finally {
      ws.close();
    }

    // A second open finds nothing to do and writes no second backup.
    const again = openWorkspace(file);
    expect(again.migration.backupPath).toBeNull();
    again.close();
    expect(backupsOf(file)).toHaveLength(1);
  });

  it('upgrades a v1 file with only workspace metadata, writing a v1 backup', () => {
    const file = path.join(tempDir(), 'v1.assay');
    const old = openWriter(file);
    migrate(old, file, 1);
    old.prepare("INSERT INTO workspace_meta (key, value) VALUES ('created_by', 'assay 0.0.1')").run();
    old.close();

    const ws = openWorkspace(file);
    try {
      expect(ws.migration).toMatchObject({ from: 1, to: LATEST_SCHEMA_VERSION });
      expect(path.basename(ws.migration.backupPath!)).toMatch(/^v1\.assay\.v1-.+\.bak$/);
      expect(pragmaOf(ws.migration.backupPath!, 'user_version')).toBe(1);
      expect(ws.reader.prepare('SELECT value FROM workspace_meta').pluck().get()).toBe('assay 0.0.1');
    } finally {
      ws.close();
    }
  });

  it('refuses an SQLite file that is not an Assay workspace, and leaves it untouched', () => {
    const file = path.join(tempDir(), 'other.db');
    const db = new Database(file);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('x');");
    db.close();
    const before = sha(file);

    const error = openFailure(file);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not an Assay workspace/);
    expect(sha(file)).toBe(before);
    expect(backupsOf(file)).toEqual([]);
    expect(pragmaOf(file, 'application_id')).toBe(0);
  });

  it('refuses an SQLite file with a schema version but a foreign application_id', () => {
    const file = path.join(tempDir(), 'foreign.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (x); PRAGMA user_version = 3; PRAGMA application_id = 1234;');
    db.close();
    const error = openFailure(file);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/not an Assay workspace \(application_id 1234\)/);
  });

  it('refuses a workspace written by a newer Assay, without backing up or changing it', () => {
    const file = path.join(tempDir(), 'future.assay');
    openWorkspace(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();

    const error = openFailure(file);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/newer Assay/);
    expect(error.message).toContain(`v${LATEST_SCHEMA_VERSION + 1}`);
    expect(pragmaOf(file, 'user_version')).toBe(LATEST_SCHEMA_VERSION + 1);
    expect(backupsOf(file)).toEqual([]);
  });

  it('refuses a file that is not SQLite at all, leaving its bytes as they were', () => {
    const file = path.join(tempDir(), 'noise.assay');
    const bytes = crypto.randomBytes(8192);
    fs.writeFileSync(file, bytes);

    const error = openFailure(file);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/cannot be opened as a workspace/);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
  });

  it('opens the writer in WAL mode with foreign keys enforced', () => {
    const file = path.join(tempDir(), 'pragmas.assay');
    const ws = openWorkspace(file);
    try {
      expect(ws.writer.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(ws.writer.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(ws.reader.pragma('foreign_keys', { simple: true })).toBe(1);
      // WAL is a property of the file: another connection sees it too.
      expect(pragmaOf(file, 'journal_mode')).toBe('wal');
      // And foreign keys are really enforced: a tag for a prompt that does not exist is refused.
      expect(() => ws.writer.prepare("INSERT INTO prompt_tags (prompt_seq, tag) VALUES (999, 'x')").run()).toThrow(/FOREIGN KEY/);
      // The reader cannot write.
      expect(() => ws.reader.prepare("INSERT INTO workspace_meta (key, value) VALUES ('a', 'b')").run()).toThrow(/readonly/);
    } finally {
      ws.close();
    }
  });
});

/** The tables and indexes migration 0004 (runner) adds. */
const RUNNER_TABLES = ['generations', 'job_items', 'jobs', 'model_file_hashes', 'models', 'template_versions', 'templates'];
const RUNNER_INDEXES = ['generations_by_job', 'generations_by_model', 'generations_by_prompt', 'job_items_pending'];

function schemaNames(db: Database.Database, type: 'table' | 'index', names: string[]): string[] {
  return db
    .prepare(`SELECT name FROM sqlite_master WHERE type = ? AND name IN (${names.map(() => '?').join(', ')}) ORDER BY name`)
    .pluck()
    .all(type, ...names) as string[];
}

/** A generation row for `promptSeq` on `modelId`, as the service would store it. */
function generationFor(promptSeq: number, modelId: number, extra: Partial<NewGeneration> = {}): NewGeneration {
  return {
    promptSeq,
    modelId,
    templateId: null,
    templateVersion: null,
    mode: 'raw',
    input: { mode: 'raw', text: 'How do lighthouses rotate their lamps?' },
    renderedPrompt: '<s>How do lighthouses rotate their lamps?',
    output: ' With a clockwork',
    finishReason: 'length',
    error: null,
    runnerKind: 'llama',
    runnerVersion: '3.21.1',
    modelSha256: 'a'.repeat(64),
    modelPath: '/models/tiny.gguf',
    endpointUrl: null,
    modelName: 'tiny test model',
    sampling: Sampling.parse({ seed: 7, maxTokens: 3 }),
    seed: 7,
    promptTokens: 9,
    completionTokens: 3,
    ttftMs: 4.5,
    tokensPerSecond: 800.25,
    startedAt: 1000,
    finishedAt: 1010,
    jobId: null,
    sampleIndex: 0,
    source: 'playground',
    ...extra,
  };
}

const llamaModel = { name: 'tiny', kind: 'llama' as const, model_path: '/models/tiny.gguf', base_url: null, remote_model: null, api_key_env: null, api_key_encrypted: null, settings: { concurrency: 1 } };

describe('migration 0004 (runner)', () => {
  it('creates the runner tables (STRICT) and indexes in a new workspace', () => {
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(4);
    const file = path.join(tempDir(), 'runner.assay');
    openWorkspace(file).close();
    const db = new Database(file, { readonly: true });
    try {
      expect(schemaNames(db, 'table', RUNNER_TABLES)).toEqual(RUNNER_TABLES);
      expect(schemaNames(db, 'index', RUNNER_INDEXES)).toEqual(RUNNER_INDEXES);
      const strict = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE name IN (${RUNNER_TABLES.map(() => '?').join(', ')})`).all(...RUNNER_TABLES) as {
        name: string;
        strict: number;
      }[];
      expect(strict).toHaveLength(RUNNER_TABLES.length);
      expect(strict.every((t) => t.strict === 1)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('enforces what the runner relies on: model kinds, template versions, foreign keys, one generation per item', () => {
    const file = path.join(tempDir(), 'constraints.assay');
    const ws = openWorkspace(file);
    try {
      const db = ws.writer;
      const seq = Number(db.prepare("INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('p1', 'Hello', 1, 1)").run().lastInsertRowid);
      const modelId = insertModel(db, llamaModel, 1);
      // A llama model needs a file; an endpoint model needs a URL and a model id.
      expect(() => insertModel(db, { ...llamaModel, model_path: null }, 1)).toThrow(/CHECK constraint/);
      expect(() => insertModel(db, { ...llamaModel, kind: 'openai', model_path: null, base_url: 'http://x', remote_model: null }, 1)).toThrow(/CHECK constraint/);
      expect(() => db.prepare("INSERT INTO models (name, kind, model_path, settings, created_at) VALUES ('x', 'gpt', '/m', '{}', 1)").run()).toThrow(/CHECK constraint/);
      expect(() => db.prepare("INSERT INTO models (name, kind, model_path, settings, created_at) VALUES ('x', 'llama', '/m', 'not json', 1)").run()).toThrow(/CHECK constraint/);

      const templateId = insertTemplate(db, 'story', 1);
      expect(insertTemplateVersion(db, templateId, { instruction: 'one', demonstrations: [], inputLabel: 'In', outputLabel: 'Out' }, 1)).toBe(1);
      expect(insertTemplateVersion(db, templateId, { instruction: 'two', demonstrations: [{ input: 'a', output: 'b' }], inputLabel: 'In', outputLabel: 'Out' }, 2)).toBe(2);
      expect(getTemplate(db, templateId, 1)).toMatchObject({ instruction: 'one', version: 1, latestVersion: 2 });
      expect(() => insertTemplate(db, 'story', 3)).toThrow(/UNIQUE constraint/);

      // A generation points at a prompt, a model and a template version that exist.
      const id = insertGeneration(db, generationFor(seq, modelId, { templateId, templateVersion: 2 }), 2000);
      expect(getGeneration(ws.reader, id)).toMatchObject({ promptId: 'p1', templateVersion: 2, ttftMs: 4.5, tokensPerSecond: 800.25, sampling: { seed: 7 } });
      expect(() => insertGeneration(db, generationFor(seq + 100, modelId), 1)).toThrow(/FOREIGN KEY/);
      expect(() => insertGeneration(db, generationFor(seq, modelId + 100), 1)).toThrow(/FOREIGN KEY/);
      expect(() => insertGeneration(db, generationFor(seq, modelId, { templateId, templateVersion: 3 }), 1)).toThrow(/FOREIGN KEY/);
      expect(() => insertGeneration(db, generationFor(seq, modelId, { source: 'imported' as NewGeneration['source'] }), 1)).toThrow(/CHECK constraint/);

      // Job items are unique per (job, prompt, model, sample), and a generation belongs to one item.
      const jobId = insertJob(db, 'job', { prompts: { ids: ['p1'] }, modelIds: [modelId], template: null, mode: 'raw', samplesPerPrompt: 1, sampling: Sampling.parse({}) }, 1);
      expect(insertJobItems(db, jobId, [seq], [modelId], 2)).toBe(2);
      expect(() => insertJobItems(db, jobId, [seq], [modelId], 1)).toThrow(/UNIQUE constraint/);
      db.prepare('UPDATE job_items SET generation_id = ? WHERE job_id = ? AND sample_index = 0').run(id, jobId);
      expect(() => db.prepare('UPDATE job_items SET generation_id = ? WHERE job_id = ? AND sample_index = 1').run(id, jobId)).toThrow(/UNIQUE constraint/);
    } finally {
      ws.close();
    }
  });

  it('upgrades a v3 workspace: a v3 backup, the prompts kept, and the old prompts take generations and jobs', () => {
    const file = path.join(tempDir(), 'v3.assay');
    const old = openWriter(file);
    expect(migrate(old, file, 3)).toEqual({ from: 0, to: 3, backupPath: null });
    const insert = old.prepare('INSERT INTO prompts (id, prompt, messages, reference, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1)');
    insert.run('lighthouse', 'How do lighthouses rotate their lamps?', null, null);
    insert.run('marmalade', null, JSON.stringify([{ role: 'user', content: 'Describe a marmalade recipe' }]), null);
    old.close();

    const ws = openWorkspace(file);
    try {
      expect(ws.migration).toMatchObject({ from: 3, to: LATEST_SCHEMA_VERSION });
      const backup = new Database(ws.migration.backupPath!, { readonly: true });
      try {
        expect(path.basename(ws.migration.backupPath!)).toMatch(/^v3\.assay\.v3-.+\.bak$/);
        expect(backup.pragma('user_version', { simple: true })).toBe(3);
        expect(schemaNames(backup, 'table', RUNNER_TABLES)).toEqual([]);
        expect(backup.prepare('SELECT id FROM prompts ORDER BY seq').pluck().all()).toEqual(['lighthouse', 'marmalade']);
      } finally {
        backup.close();
      }

      const upgraded = new Database(file, { readonly: true });
      try {
        expect(schemaNames(upgraded, 'table', RUNNER_TABLES)).toEqual(RUNNER_TABLES);
        expect(schemaNames(upgraded, 'index', RUNNER_INDEXES)).toEqual(RUNNER_INDEXES);
      } finally {
        upgraded.close();
      }
      // The prompts are there and searchable; the new tables start empty and take rows for them.
      expect(listPrompts(ws.reader, { query: 'marmalade', tags: [], offset: 0, limit: 10 }).items.map((p) => p.id)).toEqual(['marmalade']);
      expect(listModelRows(ws.reader)).toEqual([]);
      expect(ws.reader.prepare('SELECT count(*) FROM generations').pluck().get()).toBe(0);
      const seqs = ws.reader.prepare('SELECT seq FROM prompts ORDER BY seq').pluck().all() as number[];
      const modelId = insertModel(ws.writer, llamaModel, 5);
      const generationId = insertGeneration(ws.writer, generationFor(seqs[0]!, modelId), 2000);
      expect(getGeneration(ws.reader, generationId)).toMatchObject({ promptId: 'lighthouse', output: ' With a clockwork', modelSha256: 'a'.repeat(64) });
      const jobId = insertJob(ws.writer, 'old prompts', { prompts: { query: '', tags: [] }, modelIds: [modelId], template: null, mode: 'chat', samplesPerPrompt: 1, sampling: Sampling.parse({}) }, 5);
      expect(insertJobItems(ws.writer, jobId, seqs, [modelId], 1)).toBe(2);
      expect(claimNextItem(ws.writer, modelId, 6)).toMatchObject({ job_id: jobId, prompt_seq: seqs[0], model_id: modelId, sample_index: 0 });
    } finally {
      ws.close();
    }
  });

  it('keeps runner data when a v4 workspace is opened again (or upgraded past v4)', () => {
    const file = path.join(tempDir(), 'v4.assay');
    const old = openWriter(file);
    migrate(old, file, 4);
    const seq = Number(old.prepare("INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('p1', 'Hello', 1, 1)").run().lastInsertRowid);
    const modelId = insertModel(old, llamaModel, 1);
    const generationId = insertGeneration(old, generationFor(seq, modelId), 2000);
    const before = getGeneration(old, generationId);
    old.close();

    const ws = openWorkspace(file);
    try {
      expect(ws.migration).toMatchObject({ from: 4, to: LATEST_SCHEMA_VERSION });
      expect(ws.migration.backupPath === null).toBe(LATEST_SCHEMA_VERSION === 4);
      // Migration 9 binds the old generation to its prompt's text as it is: version 1.
      expect(getGeneration(ws.reader, generationId)).toEqual({ ...before, promptVersion: 1 });
      expect(listModelRows(ws.reader).map((m) => m.id)).toEqual([modelId]);
    } finally {
      ws.close();
    }
  });
});

/** The tables and indexes migration 0006 (comparisons) adds. */
const COMPARISON_TABLES = ['comparison_label_history', 'comparison_labels', 'comparison_ranks', 'comparison_task_outputs', 'comparison_tasks'];
const COMPARISON_INDEXES = [
  'comparison_labels_deleted',
  'comparison_labels_live',
  'comparison_labels_live_by_reviewer',
  'comparison_task_outputs_by_generation',
  'comparison_tasks_by_kind',
  'comparison_tasks_by_prompt',
];

describe('migration 0006 (comparisons)', () => {
  it('creates the comparison tables (STRICT) and their indexes', () => {
    const file = path.join(tempDir(), 'comparisons.assay');
    openWorkspace(file).close();
    const db = new Database(file, { readonly: true });
    try {
      expect(schemaNames(db, 'table', COMPARISON_TABLES)).toEqual(COMPARISON_TABLES);
      expect(schemaNames(db, 'index', COMPARISON_INDEXES)).toEqual(COMPARISON_INDEXES);
      const strict = db.prepare(`SELECT name FROM pragma_table_list WHERE strict = 1 AND name IN (${COMPARISON_TABLES.map(() => '?').join(', ')})`).pluck().all(...COMPARISON_TABLES);
      expect(strict).toHaveLength(COMPARISON_TABLES.length);
      // The queue's "next todo task" seeks the primary key and checks the live-label index.
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT t.id FROM comparison_tasks t WHERE t.id > 5 AND t.kind = 'pair'
           AND NOT EXISTS (SELECT 1 FROM comparison_labels l WHERE l.task_id = t.id AND l.reviewer_id = 1 AND l.deleted_at IS NULL) ORDER BY t.id LIMIT 1`,
        )
        .all() as { detail: string }[];
      const details = plan.map((p) => p.detail).join('\n');
      expect(details).toMatch(/comparison_tasks_by_kind|INTEGER PRIMARY KEY/);
      expect(details).toMatch(/comparison_labels_live/);
      expect(details).not.toMatch(/SCAN l\b/);
    } finally {
      db.close();
    }
  });

  it('enforces one set per kind, the shown order, one live label per reviewer, and label consistency', () => {
    const file = path.join(tempDir(), 'comparison-constraints.assay');
    const ws = openWorkspace(file);
    try {
      const db = ws.writer;
      const seq = Number(db.prepare("INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('p1', 'Hello', 1, 1)").run().lastInsertRowid);
      const modelId = insertModel(db, llamaModel, 1);
      const [g1, g2, g3] = [1, 2, 3].map(() => insertGeneration(db, generationFor(seq, modelId), 2000)) as [number, number, number];
      const reviewer = Number(db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('ann', 'sme', 1)").run().lastInsertRowid);

      const taskId = insertTask(db, { promptSeq: seq, kind: 'pair', design: 'all-pairs', seed: 3, generationIds: [g2, g1] }, 10)!;
      expect(taskId).toBeGreaterThan(0);
      // The same set in the other order is the same task; as an N-way set it is another kind.
      expect(insertTask(db, { promptSeq: seq, kind: 'pair', design: 'balanced', seed: 9, generationIds: [g1, g2] }, 11)).toBeNull();
      expect(db.prepare('SELECT set_key FROM comparison_tasks').pluck().all()).toEqual([`${g1},${g2}`]);
      expect(db.prepare('SELECT generation_id FROM comparison_task_outputs WHERE task_id = ? ORDER BY position').pluck().all(taskId)).toEqual([g2, g1]);
      expect(() => db.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 0, ?)').run(taskId, g3)).toThrow(/UNIQUE|PRIMARY KEY/);
      expect(() => db.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 2, ?)').run(taskId, g1)).toThrow(/UNIQUE/);
      expect(() => db.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 2, 999)').run(taskId)).toThrow(/FOREIGN KEY/);
      expect(() => db.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'triple', 'all-pairs', 0, '1,2', 1)").run(seq)).toThrow(/CHECK/);

      const label = (choice: string | null, strength: string | null, correction: string | null) =>
        db
          .prepare('INSERT INTO comparison_labels (task_id, reviewer_id, choice, strength, correction, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)')
          .run(taskId, reviewer, choice, strength, correction);
      expect(() => label('C', null, null)).toThrow(/CHECK/);
      expect(() => label('tie', 'much', null)).toThrow(/CHECK/);
      expect(() => label('A', null, 'better text')).toThrow(/CHECK/);
      const first = Number(label('both_bad', null, 'better text').lastInsertRowid);
      expect(() => label('A', 'much', null)).toThrow(/UNIQUE/);
      // A deleted label keeps its row; the reviewer may then label the task again.
      db.prepare('UPDATE comparison_labels SET deleted_at = 5 WHERE id = ?').run(first);
      expect(Number(label('A', 'much', null).lastInsertRowid)).toBeGreaterThan(first);
      expect(() => db.prepare("INSERT INTO comparison_label_history (label_id, revision, snapshot, created_at) VALUES (?, 1, 'nope', 1)").run(first)).toThrow(/CHECK/);
      expect(() => db.prepare('INSERT INTO comparison_ranks (label_id, position, rank_group) VALUES (?, 9, 0)').run(first)).toThrow(/CHECK/);
    } finally {
      ws.close();
    }
  });

  it('upgrades a v5 workspace with reviews and generations, keeping them, and takes tasks for the old generations', () => {
    const file = path.join(tempDir(), 'v5.assay');
    const old = openWriter(file);
    migrate(old, file, 5);
    const seq = Number(old.prepare("INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('p1', 'Hello', 1, 1)").run().lastInsertRowid);
    const modelId = insertModel(old, llamaModel, 1);
    const g1 = insertGeneration(old, generationFor(seq, modelId), 2000);
    const g2 = insertGeneration(old, generationFor(seq, modelId), 2001);
    old.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('ann', 'sme', 1)").run();
    old.close();

    const ws = openWorkspace(file);
    try {
      expect(ws.migration).toMatchObject({ from: 5, to: LATEST_SCHEMA_VERSION });
      expect(ws.migration.backupPath).toMatch(/v5\.assay\.v5-.+\.bak$/);
      expect(ws.reader.prepare('SELECT name FROM reviewers').pluck().all()).toEqual(['ann']);
      expect(insertTask(ws.writer, { promptSeq: seq, kind: 'pair', design: 'all-pairs', seed: 0, generationIds: [g1, g2] }, 3)).toBeGreaterThan(0);
    } finally {
      ws.close();
    }
  });
});

/** The tables and indexes migration 0005 (review) adds. */
const REVIEW_TABLES = [
  'corrections',
  'failure_classes',
  'failure_tags',
  'guideline_versions',
  'review_history',
  'review_ratings',
  'reviewers',
  'reviews',
  'rubric_criteria',
  'thinkaloud_steps',
];
const REVIEW_INDEXES = [
  'failure_classes_by_parent',
  'failure_classes_live_name',
  'failure_tags_by_class',
  'failure_tags_by_review',
  'generations_by_template',
  'reviewers_by_name',
  'reviews_deleted',
  'reviews_live',
  'reviews_live_by_reviewer',
  'thinkaloud_steps_by_review',
];

describe('migration 0005 (review)', () => {
  it('upgrades a v4 workspace with generations: a v4 backup, the generations kept, the review tables (STRICT) with their seeds', () => {
    const file = path.join(tempDir(), 'v4-review.assay');
    const old = openWriter(file);
    migrate(old, file, 4);
    const seq = Number(old.prepare("INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('p1', 'What is seven plus 5?', 1, 1)").run().lastInsertRowid);
    const modelId = insertModel(old, llamaModel, 1);
    const templateId = insertTemplate(old, 'three-shot', 1);
    insertTemplateVersion(old, templateId, { instruction: 'Answer.', demonstrations: [], inputLabel: 'Q', outputLabel: 'A' }, 1);
    const g1 = insertGeneration(old, generationFor(seq, modelId, { output: 'seven plus 5 is 75' }), 2000);
    const g2 = insertGeneration(old, generationFor(seq, modelId, { templateId, templateVersion: 1 }), 2001);
    const before = getGeneration(old, g1);
    old.close();
    expect(pragmaOf(file, 'user_version')).toBe(4);

    const ws = openWorkspace(file);
    try {
      expect(ws.migration).toMatchObject({ from: 4, to: LATEST_SCHEMA_VERSION });
      expect(path.basename(ws.migration.backupPath!)).toMatch(/^v4-review\.assay\.v4-.+\.bak$/);
      const backup = new Database(ws.migration.backupPath!, { readonly: true });
      try {
        expect(backup.pragma('user_version', { simple: true })).toBe(4);
        expect(schemaNames(backup, 'table', REVIEW_TABLES)).toEqual([]);
        expect(backup.prepare('SELECT count(*) FROM generations').pluck().get()).toBe(2);
      } finally {
        backup.close();
      }

      const db = new Database(file, { readonly: true });
      try {
        expect(schemaNames(db, 'table', REVIEW_TABLES)).toEqual(REVIEW_TABLES);
        expect(schemaNames(db, 'index', REVIEW_INDEXES)).toEqual(REVIEW_INDEXES);
        const strict = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE name IN (${REVIEW_TABLES.map(() => '?').join(', ')})`).all(...REVIEW_TABLES) as {
          strict: number;
        }[];
        expect(strict).toHaveLength(REVIEW_TABLES.length);
        expect(strict.every((t) => t.strict === 1)).toBe(true);
        // The default rubric and the W&B paper's example failure class.
        expect(db.prepare('SELECT name, scale, position FROM rubric_criteria ORDER BY position').all()).toEqual([
          { name: 'correctness', scale: 'likert5', position: 0 },
          { name: 'helpfulness', scale: 'likert5', position: 1 },
          { name: 'harmlessness', scale: 'likert5', position: 2 },
        ]);
        expect(db.prepare('SELECT name, description FROM failure_classes').all()).toEqual([
          { name: 'Arithmetic with integers and spelled-out numbers', description: 'does not handle arithmetic with integers nor their spelled-out forms' },
        ]);
        // The new index covers the old rows.
        expect(db.prepare('SELECT id FROM generations INDEXED BY generations_by_template WHERE template_id = ?').pluck().all(templateId)).toEqual([g2]);
      } finally {
        db.close();
      }

      // The old generations are there, unchanged, and take labels.
      expect(getGeneration(ws.reader, g1)).toEqual({ ...before, promptVersion: 1 });
      const reviewer = Number(ws.writer.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('Ada', 'sme', 1)").run().lastInsertRowid);
      const review = Number(
        ws.writer.prepare("INSERT INTO reviews (generation_id, reviewer_id, status, created_at, updated_at) VALUES (?, ?, 'submitted', 1, 1)").run(g1, reviewer).lastInsertRowid,
      );
      ws.writer.prepare('INSERT INTO failure_tags (review_id, class_id, span_start, span_end, quote, created_at) VALUES (?, 1, 0, 5, ?, 1)').run(review, 'seven');
      expect(ws.reader.prepare('SELECT quote FROM failure_tags').pluck().get()).toBe('seven');
    } finally {
      ws.close();
    }
  });

  it('enforces one live label per reviewer and generation, spans that end after they start, and merges that retire', () => {
    const file = path.join(tempDir(), 'review-constraints.assay');
    const ws = openWorkspace(file);
    try {
      const db = ws.writer;
      const seq = Number(db.prepare("INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('p1', 'Hi', 1, 1)").run().lastInsertRowid);
      const g = insertGeneration(db, generationFor(seq, insertModel(db, llamaModel, 1)), 1);
      const ada = Number(db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('Ada', 'sme', 1)").run().lastInsertRowid);
      expect(() => db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('ADA', 'nlp', 1)").run()).toThrow(/UNIQUE constraint/);
      expect(() => db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('Bo', 'boss', 1)").run()).toThrow(/CHECK constraint/);

      const label = db.prepare("INSERT INTO reviews (generation_id, reviewer_id, status, created_at, updated_at) VALUES (?, ?, 'draft', 1, 1)");
      const first = Number(label.run(g, ada).lastInsertRowid);
      expect(() => label.run(g, ada)).toThrow(/UNIQUE constraint/);
      // A deleted label stays as it was; a new live one may then be made beside it.
      db.prepare('UPDATE reviews SET deleted_at = 2 WHERE id = ?').run(first);
      expect(Number(label.run(g, ada).lastInsertRowid)).not.toBe(first);
      const bo = Number(db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('Bo', 'nlp', 1)").run().lastInsertRowid);
      expect(() => db.prepare("INSERT INTO reviews (generation_id, reviewer_id, status, created_at, updated_at) VALUES (?, ?, 'done', 1, 1)").run(g, bo)).toThrow(/CHECK constraint/);
      expect(() => label.run(g + 100, ada)).toThrow(/FOREIGN KEY/);

      const tag = db.prepare('INSERT INTO failure_tags (review_id, class_id, span_start, span_end, created_at) VALUES (?, 1, ?, ?, 1)');
      expect(() => tag.run(first, 3, 3)).toThrow(/CHECK constraint/);
      expect(() => tag.run(first, 3, null)).toThrow(/CHECK constraint/);
      expect(() => tag.run(first, -1, 2)).toThrow(/CHECK constraint/);
      tag.run(first, null, null);
      tag.run(first, 0, 1);

      // A merged class must be retired, and cannot point at itself.
      const cls = Number(db.prepare("INSERT INTO failure_classes (name, created_at) VALUES ('Other', 1)").run().lastInsertRowid);
      expect(() => db.prepare('UPDATE failure_classes SET merged_into_id = 1 WHERE id = ?').run(cls)).toThrow(/CHECK constraint/);
      expect(() => db.prepare('UPDATE failure_classes SET merged_into_id = id, retired_at = 1 WHERE id = ?').run(cls)).toThrow(/CHECK constraint/);
      db.prepare('UPDATE failure_classes SET merged_into_id = 1, retired_at = 1 WHERE id = ?').run(cls);
      // Live siblings have distinct names; a retired one may share a name.
      db.prepare("INSERT INTO failure_classes (name, created_at) VALUES ('other', 1)").run();
      expect(() => db.prepare("INSERT INTO failure_classes (name, created_at) VALUES ('OTHER', 1)").run()).toThrow(/UNIQUE constraint/);

      // Corrections are versioned per generation.
      const correction = db.prepare('INSERT INTO corrections (generation_id, reviewer_id, version, text, created_at) VALUES (?, ?, ?, ?, 1)');
      correction.run(g, ada, 1, 'fixed');
      expect(() => correction.run(g, ada, 1, 'again')).toThrow(/UNIQUE constraint/);
      expect(() => correction.run(g, ada, 0, 'zero')).toThrow(/CHECK constraint/);
    } finally {
      ws.close();
    }
  });
});
