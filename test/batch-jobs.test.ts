import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../core/engine';
import { openReader } from '../db/handles';
import { openWorkspace } from '../core/workspace/workspace';
import { runJobsThenKill, waitForJob } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-jobs-'));
process.env.ASSAY_USER_DATA = dir;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function newWorkspaceWithPrompts(name: string, prompts: number): Promise<{ file: string; engine: Engine; modelId: number }> {
  const file = path.join(dir, `${name}.assay`);
  const lines = Array.from({ length: prompts }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `Question number ${i}: what is ${i} plus ${i}?` }));
  fs.writeFileSync(path.join(dir, `${name}.jsonl`), `${lines.join('\n')}\n`);
  const engine = new Engine(openWorkspace(file), { shell: 'browser', runJobs: false });
  unwrap(await engine.call('prompts.import', { importId: name, source: { kind: 'path', path: path.join(dir, `${name}.jsonl`) } }));
  const model = unwrap(await engine.call('models.addTestModel', {}));
  return { file, engine, modelId: model.id };
}

const sampling = { maxTokens: 12, temperature: 0.8, seed: 7 };

describe('batch generation', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs prompts × samples to done, one generation per item, with provenance', async () => {
    const { file, engine: setup, modelId } = await newWorkspaceWithPrompts('basic', 4);
    await setup.close();
    const engine = new Engine(openWorkspace(file), { shell: 'browser' });
    try {
      const job = unwrap(await engine.call('jobs.create', { name: 'basic', spec: { prompts: { query: '', tags: [] }, modelIds: [modelId], samplesPerPrompt: 2, mode: 'raw', sampling } }));
      expect(job.counts.total).toBe(8);
      const done = await waitForJob(engine, job.id, (j) => j.status === 'done');
      expect(done.counts).toMatchObject({ total: 8, done: 8, failed: 0, pending: 0, running: 0 });
      const generations = unwrap(await engine.call('generations.list', { jobId: job.id, limit: 100 }));
      expect(generations.total).toBe(8);
      const g = generations.items[0]!;
      expect(g.runnerKind).toBe('llama');
      expect(g.modelSha256).toMatch(/^[a-f0-9]{64}$/);
      expect(g.sampling.maxTokens).toBe(12);
      expect(g.seed).toBe(7);
      expect(g.renderedPrompt).toContain('Question number');
      expect(g.completionTokens).toBeGreaterThan(0);
      expect(new Set(generations.items.map((x) => `${x.promptId}/${x.sampleIndex}`)).size).toBe(8);
    } finally {
      await engine.close();
    }
  });

  it('a failed item keeps its error and can be retried', async () => {
    const { file, engine: setup } = await newWorkspaceWithPrompts('failing', 2);
    // models.add refuses a file that is not GGUF, so the file goes bad after the model was added
    // (overwritten, as a failed re-download would).
    const broken = path.join(dir, 'not-a-model.gguf');
    fs.copyFileSync(unwrap(await setup.call('models.list', {}))[0]!.modelPath!, broken);
    const model = unwrap(await setup.call('models.add', { kind: 'llama', name: 'broken', modelPath: broken }));
    fs.writeFileSync(broken, 'this is not a GGUF file');
    await setup.close();
    const engine = new Engine(openWorkspace(file), { shell: 'browser' });
    try {
      const job = unwrap(await engine.call('jobs.create', { name: 'failing', spec: { prompts: { query: '', tags: [] }, modelIds: [model.id], sampling } }));
      const settled = await waitForJob(engine, job.id, (j) => j.counts.failed === 2);
      expect(settled.counts.done).toBe(0);
      const items = unwrap(await engine.call('jobs.items', { id: job.id, status: 'failed' }));
      expect(items.items[0]!.error).toMatch(/gguf|model|load/i);
      // The workspace stays usable, and retry puts the items back in the queue.
      const retried = unwrap(await engine.call('jobs.retryFailed', { id: job.id }));
      expect(retried.counts.failed + retried.counts.pending + retried.counts.running).toBe(2);
    } finally {
      await engine.close();
    }
  });

  it('resumes after the process is killed mid-run, without duplicating or losing items', async () => {
    const { file, engine: setup, modelId } = await newWorkspaceWithPrompts('crash', 30);
    const job = unwrap(await setup.call('jobs.create', { name: 'crash', spec: { prompts: { query: '', tags: [] }, modelIds: [modelId], mode: 'raw', sampling: { ...sampling, maxTokens: 24 } } }));
    await setup.close();

    await runJobsThenKill(file, 5);

    const reader = openReader(file);
    const before = reader.prepare("SELECT count(*) FROM job_items WHERE status = 'done'").pluck().get() as number;
    reader.close();
    expect(before).toBeGreaterThanOrEqual(5);
    expect(before).toBeLessThan(30);

    const engine = new Engine(openWorkspace(file), { shell: 'browser' });
    try {
      const done = await waitForJob(engine, job.id, (j) => j.status === 'done');
      expect(done.counts).toMatchObject({ total: 30, done: 30, failed: 0 });
    } finally {
      await engine.close();
    }
    const check = openReader(file);
    const perPrompt = check.prepare('SELECT prompt_seq, count(*) AS n FROM generations WHERE job_id = ? GROUP BY prompt_seq').all(job.id) as { n: number }[];
    expect(perPrompt).toHaveLength(30);
    expect(perPrompt.every((r) => r.n === 1)).toBe(true);
    const orphans = check.prepare("SELECT count(*) FROM job_items WHERE job_id = ? AND (generation_id IS NULL OR status <> 'done')").pluck().get(job.id);
    expect(orphans).toBe(0);
    check.close();
  });
  it('a cancelled job keeps its real progress, is final (no resume, no retry), and a paused one resumes', async () => {
    const { file, engine: setup, modelId } = await newWorkspaceWithPrompts('cancel', 24);
    await setup.close();
    const engine = new Engine(openWorkspace(file), { shell: 'browser' });
    try {
      const spec = { prompts: { query: '', tags: [] }, modelIds: [modelId], mode: 'raw' as const, sampling: { ...sampling, maxTokens: 32 } };
      const job = unwrap(await engine.call('jobs.create', { name: 'to cancel', spec }));
      await waitForJob(engine, job.id, (j) => j.counts.done >= 3);
      const cancelled = unwrap(await engine.call('jobs.cancel', { id: job.id }));
      expect(cancelled.status).toBe('cancelled');
      // Let an item that was already finishing land (done with its output) before counting.
      await new Promise((r) => setTimeout(r, 500));
      const after = unwrap(await engine.call('jobs.get', { id: job.id }));
      const { counts } = after;
      expect(after.status).toBe('cancelled');
      expect(counts.total).toBe(24);
      expect(counts.done).toBeGreaterThanOrEqual(3);
      expect(counts.done).toBeLessThan(24);
      expect(counts.pending + counts.running + counts.failed).toBe(0);
      expect(counts.done + counts.cancelled).toBe(24);
      // Done items have their generations; cancelled ones none, and no more are made.
      const generations = unwrap(await engine.call('generations.list', { jobId: job.id, limit: 100 }));
      expect(generations.total).toBe(counts.done);
      await new Promise((r) => setTimeout(r, 500));
      expect(unwrap(await engine.call('jobs.get', { id: job.id })).counts).toEqual(counts);

      // Final: Resume and Retry refuse it, and it stays cancelled.
      const resumed = await engine.call('jobs.resume', { id: job.id });
      expect(resumed.ok).toBe(false);
      if (!resumed.ok) {
        expect(resumed.error.code).toBe('conflict');
        expect(resumed.error.message).toMatch(/cancelled/);
      }
      const retried = await engine.call('jobs.retryFailed', { id: job.id });
      expect(retried.ok).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      expect(unwrap(await engine.call('jobs.get', { id: job.id }))).toMatchObject({ status: 'cancelled', counts });

      // Pause is the stop that can be undone: nothing is cancelled, and Resume runs the rest to done.
      const second = unwrap(await engine.call('jobs.create', { name: 'to pause', spec }));
      await waitForJob(engine, second.id, (j) => j.counts.done >= 1);
      const paused = unwrap(await engine.call('jobs.pause', { id: second.id }));
      expect(paused.status).toBe('paused');
      expect(paused.counts.cancelled).toBe(0);
      expect(paused.counts.done).toBeLessThan(24);
      unwrap(await engine.call('jobs.resume', { id: second.id }));
      const done = await waitForJob(engine, second.id, (j) => j.status === 'done');
      expect(done.counts).toMatchObject({ total: 24, done: 24, cancelled: 0, failed: 0 });
    } finally {
      await engine.close();
    }
  }, 120_000);
});
