// The demo workspace (core/demo) and the shipped sample model, on real SQLite and real llama.cpp:
// the demo is built once for this file (about 8 s for 80 generations on one thread).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type DemoProgress } from '../contract';
import { buildDemoWorkspace, DEMO_FILE_NAME, isDemoWorkspace, type DemoSummary } from '../core/demo/build';
import { DEMO_MODELS, DEMO_PROMPTS } from '../core/demo/content';
import { Engine } from '../core/engine';
import { SAMPLE_MODEL_NAME, SAMPLE_MODEL_SHA256, sampleModelPath } from '../core/runner/sample-model';
import { openWorkspace } from '../core/workspace/workspace';
import type { MethodInput, MethodName, MethodOutput } from '../contract';
import { cleanupAll, closeEngine, failure, newEngine, tempDir, unwrap } from './helpers';

const callOk = async <M extends MethodName>(engine: Engine, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => unwrap(await engine.call(method, input));

let dir: string;
let demoFile: string;
let summary: DemoSummary;
const progress: DemoProgress[] = [];

beforeAll(async () => {
  dir = tempDir('assay-demo-');
  demoFile = path.join(dir, DEMO_FILE_NAME);
  summary = await buildDemoWorkspace(demoFile, { onProgress: (p) => progress.push(p) });
}, 120_000);

afterAll(cleanupAll);

function query<T>(file: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
const scalar = (file: string, sql: string) => Object.values(query<Record<string, number>>(file, sql)[0]!)[0]!;

describe('demo workspace', () => {
  it('holds 40 prompts with references and tags, the sample model at two temperatures, and a finished batch', () => {
    expect(summary).toMatchObject({ file: demoFile, prompts: 40, models: 2, generations: 80 });
    expect(isDemoWorkspace(demoFile)).toBe(true);
    // Nothing is left beside it: no partial build, no WAL (checkpointed before the rename).
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(DEMO_FILE_NAME))).toEqual([DEMO_FILE_NAME]);

    expect(scalar(demoFile, 'SELECT count(*) FROM prompts WHERE deleted_at IS NULL')).toBe(40);
    expect(DEMO_PROMPTS).toHaveLength(40);
    const questions = query<{ reference: string | null }>(demoFile, "SELECT reference FROM prompts WHERE id LIKE 'demo-arith-%' OR id LIKE 'demo-count-%'");
    expect(questions).toHaveLength(16);
    expect(questions.every((q) => q.reference !== null && q.reference !== '')).toBe(true);
    const tags = query<{ tag: string; n: number }>(demoFile, 'SELECT tag, count(*) AS n FROM prompt_tags GROUP BY tag ORDER BY tag');
    expect(tags).toEqual([
      { tag: 'arithmetic', n: 8 },
      { tag: 'counting', n: 8 },
      { tag: 'question', n: 16 },
      { tag: 'story', n: 24 },
    ]);

    const models = query<{ id: number; name: string; kind: string; model_path: string }>(demoFile, 'SELECT id, name, kind, model_path FROM models ORDER BY id');
    expect(models.map((m) => m.name)).toEqual(DEMO_MODELS.map((m) => m.name));
    expect(models.every((m) => m.kind === 'llama' && m.model_path === sampleModelPath())).toBe(true);

    // At least one output per prompt and model, made by llama.cpp from the shipped file, in raw mode.
    const perPair = query<{ n: number }>(
      demoFile,
      'SELECT count(g.id) AS n FROM prompts p CROSS JOIN models m LEFT JOIN generations g ON g.prompt_seq = p.seq AND g.model_id = m.id GROUP BY p.seq, m.id',
    );
    expect(perPair).toHaveLength(80);
    expect(perPair.every((r) => r.n >= 1)).toBe(true);
    const generations = query<{ runner_kind: string; model_sha256: string; mode: string; output: string; error: string | null; sampling: string; source: string }>(
      demoFile,
      'SELECT runner_kind, model_sha256, mode, output, error, sampling, source FROM generations',
    );
    expect(generations).toHaveLength(80);
    for (const g of generations) {
      expect(g).toMatchObject({ runner_kind: 'llama', model_sha256: SAMPLE_MODEL_SHA256, mode: 'raw', error: null, source: 'batch' });
      expect(g.output.trim().length).toBeGreaterThan(0);
    }
    expect(new Set(generations.map((g) => (JSON.parse(g.sampling) as { temperature: number }).temperature))).toEqual(new Set([0.2, 1.0]));
    // English a reviewer can read: most outputs use the commonest words of TinyStories.
    const english = generations.filter((g) => /\b(the|was|and|she|he|they|a)\b/i.test(g.output));
    expect(english.length).toBeGreaterThan(60);
    expect(scalar(demoFile, "SELECT count(*) FROM jobs WHERE status = 'done'")).toBe(2);

    // Nothing labelled.
    for (const table of ['reviews', 'failure_tags', 'thinkaloud_steps', 'corrections', 'comparison_tasks', 'comparison_labels', 'reviewers']) {
      expect(scalar(demoFile, `SELECT count(*) FROM ${table}`), table).toBe(0);
    }

    // Progress: prompts, models, then generating up to 80, then done.
    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(['prompts', 'models', 'generating', 'done']);
    const generating = progress.filter((p) => p.phase === 'generating').map((p) => p.done);
    expect(generating.every((d, i) => i === 0 || d >= generating[i - 1]!)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: 80, total: 80 });
  });

  it('each demo model carries the temperature its name states, as its stored default sampling, and its outputs were made at it', async () => {
    const engine = new Engine(openWorkspace(demoFile), { shell: 'browser' });
    try {
      const models = await callOk(engine, 'models.list', {});
      expect(models.map((m) => [m.name, m.settings.sampling])).toEqual(DEMO_MODELS.map((m) => [m.name, { temperature: m.temperature }]));
      for (const m of models) {
        const stated = Number(/temperature ([\d.]+)/.exec(m.name)![1]);
        expect(m.settings.sampling?.temperature).toBe(stated);
        const used = query<{ sampling: string }>(demoFile, 'SELECT sampling FROM generations WHERE model_id = ?', m.id);
        expect(used.length).toBe(40);
        expect(used.every((g) => (JSON.parse(g.sampling) as { temperature: number }).temperature === stated)).toBe(true);
      }
      // Saving other settings keeps them; an edit can change them.
      const careful = models[0]!;
      const saved = await callOk(engine, 'models.update', { id: careful.id, name: careful.name, settings: { ...careful.settings, threads: 2 } });
      expect(saved.settings).toMatchObject({ threads: 2, sampling: { temperature: 0.2 } });
      const failed = await engine.call('models.update', { id: careful.id, name: careful.name, settings: { concurrency: 1, sampling: { temperature: 9 } } });
      expect(failed.ok).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('refuses a target that holds anything, and leaves it as it was', async () => {
    // The finished demo itself.
    const before = fs.statSync(demoFile).mtimeMs;
    await expect(buildDemoWorkspace(demoFile)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/not empty.*never written over/) });
    expect(fs.statSync(demoFile).mtimeMs).toBe(before);

    // A workspace with one prompt in it.
    const { file, engine } = newEngine('notempty');
    await callOk(engine, 'prompts.create', { id: 'mine', prompt: 'my own prompt', tags: [] });
    await closeEngine(engine);
    await expect(buildDemoWorkspace(file)).rejects.toBeInstanceOf(AppError);
    expect(scalar(file, 'SELECT count(*) FROM prompts')).toBe(1);
    expect(scalar(file, 'SELECT count(*) FROM models')).toBe(0);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.building-'))).toEqual([]);

    // A folder.
    await expect(buildDemoWorkspace(tempDir())).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/is a folder/) });
  });

  it('workspace.openDemo switches to the demo beside the workspace; without a shell that can switch it says what to run', async () => {
    // A workspace in the demo's folder: the finished demo there is reused, not rebuilt.
    const file = path.join(dir, 'mine.assay');
    const switched: string[] = [];
    const engine = new Engine(openWorkspace(file), { shell: 'browser', switchWorkspace: (next) => void switched.push(next) });
    try {
      const mtime = fs.statSync(demoFile).mtimeMs;
      expect(await callOk(engine, 'workspace.openDemo', {})).toEqual({ path: demoFile, built: false });
      expect(switched).toEqual([demoFile]);
      expect(fs.statSync(demoFile).mtimeMs).toBe(mtime);
    } finally {
      await engine.close();
    }

    const cli = new Engine(openWorkspace(path.join(dir, 'cli.assay')), { shell: 'browser' });
    try {
      expect(failure(await cli.call('workspace.openDemo', {}), 'invalid_input').message).toContain(`assay demo --workspace ${demoFile}`);
    } finally {
      await cli.close();
    }

    // Another workspace already named demo.assay: never written over; the error says why.
    const other = tempDir();
    const taken = new Engine(openWorkspace(path.join(other, DEMO_FILE_NAME)), { shell: 'browser' });
    await callOk(taken, 'prompts.create', { id: 'x', prompt: 'not a demo', tags: [] });
    await taken.close();
    const beside = new Engine(openWorkspace(path.join(other, 'work.assay')), { shell: 'browser', switchWorkspace: () => undefined });
    try {
      expect(failure(await beside.call('workspace.openDemo', {}), 'conflict').message).toMatch(/not empty: it is another workspace, not the demo.*Move or rename that file/);
      expect(scalar(path.join(other, DEMO_FILE_NAME), 'SELECT count(*) FROM prompts')).toBe(1);
    } finally {
      await beside.close();
    }
  });
});

describe('models.addSampleModel', () => {
  it('adds the shipped stories260K once; a second call returns the same model', async () => {
    const { engine } = newEngine('sample');
    const first = await callOk(engine, 'models.addSampleModel', {});
    expect(first.added).toBe(true);
    expect(first.model).toMatchObject({ name: SAMPLE_MODEL_NAME, kind: 'llama', modelPath: sampleModelPath(), isTestModel: false });
    // No chat template in the file: raw completion by default, and chat mode names its generic format.
    expect(first.model.chatFormat).toMatchObject({ hasTemplate: false, defaultMode: 'raw', name: 'generic format (### Human / ### Assistant)' });
    const second = await callOk(engine, 'models.addSampleModel', {});
    expect(second).toEqual({ model: first.model, added: false });
    expect(await callOk(engine, 'models.list', {})).toHaveLength(1);
    await closeEngine(engine);
  });

  it('in the demo workspace reuses one of the two demo models instead of adding a third', async () => {
    const engine = new Engine(openWorkspace(demoFile), { shell: 'browser', runJobs: false });
    try {
      const result = await callOk(engine, 'models.addSampleModel', {});
      expect(result.added).toBe(false);
      expect(DEMO_MODELS.map((m) => m.name)).toContain(result.model.name);
      expect(await callOk(engine, 'models.list', {})).toHaveLength(2);
    } finally {
      await engine.close();
    }
  });

  it('the shipped file is the one its attribution describes', async () => {
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(fs.readFileSync(sampleModelPath())).digest('hex');
    expect(hash).toBe(SAMPLE_MODEL_SHA256);
    expect(fs.readFileSync(path.join(path.dirname(sampleModelPath()), 'README.md'), 'utf8')).toMatch(/MIT/);
  });
});
