import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import { openReader, openWriter } from '../db/handles';
import { migrate } from '../db/migrate';
import { cleanupAll, failure, jsonl, newEngine, runJobsThenKill, tempDir, unwrap, waitForJob, writeFile } from './helpers';

const sampling = { maxTokens: 8, temperature: 0.8, seed: 7 };

/** A workspace with `prompts` prompts, the tiny test model, a second model on the same file, and three template arms. */
async function setup(name: string, prompts: number) {
  const t = newEngine(name, { runJobs: false });
  const { engine } = t;
  const source = writeFile(t.dir, 'p.jsonl', jsonl(Array.from({ length: prompts }, (_, i) => ({ id: `q${i}`, prompt: `What is ${i} plus ${i}?` }))));
  unwrap(await engine.call('prompts.import', { importId: name, source: { kind: 'path', path: source } }));
  const first = unwrap(await engine.call('models.addTestModel', {}));
  const second = unwrap(await engine.call('models.add', { kind: 'llama', name: 'tiny again', modelPath: first.modelPath!, settings: { concurrency: 1, threads: 1 } }));
  const zero = unwrap(await engine.call('templates.save', { name: 'sum 0-shot', instruction: 'Add the numbers.' }));
  const one = unwrap(await engine.call('templates.save', { name: 'sum 1-shot', instruction: 'Add the numbers.', demonstrations: [{ input: 'What is 20 plus 22?', output: '42' }] }));
  return { ...t, models: [first.id, second.id], templates: [null, { templateId: zero.id }, { templateId: one.id, version: one.version }] };
}

describe('batch jobs with a template dimension (sweep arms)', () => {
  afterAll(cleanupAll);

  it('runs prompts × models × templates, one generation per item, each bound to its arm’s template version', async () => {
    const t = await setup('arms', 3);
    const spec = { prompts: { query: '', tags: [] }, modelIds: t.models, templates: t.templates, mode: 'raw' as const, sampling };
    const job = unwrap(await t.engine.call('jobs.create', { name: 'arms', spec }));
    expect(job.counts.total).toBe(3 * 2 * 3);
    // Each arm's version is pinned at creation (the 0-shot template was named without a version).
    expect(job.spec.templates).toEqual([null, { templateId: t.templates[1]!.templateId, version: 1 }, t.templates[2]]);
    await t.engine.close();

    const engine = new Engine(openWorkspace(t.file), { shell: 'browser' });
    try {
      const done = await waitForJob(engine, job.id, (j) => j.status === 'done');
      expect(done.counts).toMatchObject({ total: 18, done: 18, failed: 0 });
      const items = unwrap(await engine.call('jobs.items', { id: job.id, limit: 100 })).items;
      expect(items.map((i) => i.arm).sort()).toEqual([...Array(6).fill(0), ...Array(6).fill(1), ...Array(6).fill(2)]);
      const generations = unwrap(await engine.call('generations.list', { jobId: job.id, limit: 100 })).items;
      expect(generations).toHaveLength(18);
      const byId = new Map(generations.map((g) => [g.id, g]));
      for (const item of items) {
        const g = byId.get(item.generationId!)!;
        expect(g.promptId).toBe(item.promptId);
        expect(g.modelId).toBe(item.modelId);
        const arm = t.templates[item.arm]!;
        expect(g.templateId).toBe(arm?.templateId ?? null);
        expect(g.templateVersion).toBe(arm ? 1 : null);
        // What the model saw: the bare prompt, the instruction, or the instruction and the demonstration.
        if (item.arm === 0) expect(g.renderedPrompt).not.toContain('Add the numbers.');
        if (item.arm >= 1) expect(g.renderedPrompt).toContain('Add the numbers.');
        expect(g.renderedPrompt.includes('What is 20 plus 22?')).toBe(item.arm === 2);
      }
      expect(new Set(generations.map((g) => `${g.promptId}/${g.modelId}/${g.templateId}`)).size).toBe(18);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('refuses a spec naming both template and templates, and names the arm of a missing template', async () => {
    const t = await setup('arms-bad', 1);
    const base = { prompts: { query: '', tags: [] }, modelIds: t.models, mode: 'raw' as const, sampling };
    const both = failure(await t.engine.call('jobs.create', { name: 'x', spec: { ...base, template: t.templates[1]!, templates: t.templates } }), 'invalid_input');
    expect(both.message).toMatch(/spec\.template and spec\.templates/);
    const missing = failure(await t.engine.call('jobs.create', { name: 'x', spec: { ...base, templates: [null, { templateId: 999 }] } }), 'not_found');
    expect(missing.message).toMatch(/spec\.templates\[1\]: no template 999/);
    expect(unwrap(await t.engine.call('jobs.list', {}))).toHaveLength(0);
  });

  it('resumes after a kill mid-run with exactly one generation per item across the arms', async () => {
    const t = await setup('arms-crash', 10);
    const spec = { prompts: { query: '', tags: [] }, modelIds: [t.models[0]!], templates: t.templates, mode: 'raw' as const, sampling: { ...sampling, maxTokens: 24 } };
    const job = unwrap(await t.engine.call('jobs.create', { name: 'crash', spec }));
    await t.engine.close();

    await runJobsThenKill(t.file, 5);
    const reader = openReader(t.file);
    const before = reader.prepare("SELECT count(*) FROM job_items WHERE status = 'done'").pluck().get() as number;
    reader.close();
    expect(before).toBeGreaterThanOrEqual(5);
    expect(before).toBeLessThan(30);

    const engine = new Engine(openWorkspace(t.file), { shell: 'browser' });
    try {
      const done = await waitForJob(engine, job.id, (j) => j.status === 'done');
      expect(done.counts).toMatchObject({ total: 30, done: 30, failed: 0 });
    } finally {
      await engine.close();
    }
    const check = openReader(t.file);
    const perItem = check
      .prepare('SELECT prompt_seq, coalesce(template_id, 0) AS t, count(*) AS n FROM generations WHERE job_id = ? GROUP BY prompt_seq, template_id')
      .all(job.id) as { n: number }[];
    expect(perItem).toHaveLength(30);
    expect(perItem.every((r) => r.n === 1)).toBe(true);
    const wrong = check
      .prepare(
        `SELECT count(*) FROM job_items i LEFT JOIN generations g ON g.id = i.generation_id
         WHERE i.job_id = ? AND (i.status <> 'done' OR g.id IS NULL OR g.prompt_seq <> i.prompt_seq
           OR coalesce(g.template_id, 0) <> (CASE i.arm WHEN 0 THEN 0 WHEN 1 THEN ? ELSE ? END))`,
      )
      .pluck()
      .get(job.id, t.templates[1]!.templateId, t.templates[2]!.templateId);
    expect(wrong).toBe(0);
    check.close();
  }, 120_000);

  it('migration 16 keeps every job item (arm 0) and the one-generation-per-item rule', () => {
    const file = path.join(tempDir(), 'v15.assay');
    const db = openWriter(file);
    migrate(db, file, 15);
    db.exec(`
      INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('p1', 'Hi', 1, 1);
      INSERT INTO models (name, kind, model_path, settings, created_at) VALUES ('m', 'llama', '/m.gguf', '{}', 1);
      INSERT INTO jobs (name, status, spec, created_at, updated_at) VALUES ('j', 'running', '{}', 1, 1);
      INSERT INTO job_items (job_id, prompt_seq, model_id, sample_index, status, attempts) VALUES (1, 1, 1, 0, 'pending', 0), (1, 1, 1, 1, 'failed', 2);
    `);
    const before = db.prepare('SELECT * FROM job_items ORDER BY id').all();
    migrate(db, file);
    expect(db.prepare('SELECT * FROM job_items ORDER BY id').all()).toEqual(before.map((r) => ({ ...(r as object), arm: 0 })));
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The same prompt, model and sample may run once per arm, but not twice in one arm.
    db.prepare("INSERT INTO job_items (job_id, prompt_seq, model_id, arm, sample_index, status) VALUES (1, 1, 1, 1, 0, 'pending')").run();
    expect(() => db.prepare("INSERT INTO job_items (job_id, prompt_seq, model_id, arm, sample_index, status) VALUES (1, 1, 1, 1, 0, 'pending')").run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO job_items (job_id, prompt_seq, model_id, sample_index, status) VALUES (1, 99, 1, 0, 'pending')").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
