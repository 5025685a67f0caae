/**
 * Issue 9, defect 2: editing a prompt that already has outputs must not change the prompt those
 * outputs (and their labels) are exported with. Real workspace, real batch jobs on the tiny llama.cpp
 * test model, real exports written to disk and read back.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput } from '../contract';
import { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import { migrate } from '../db/migrate';
import { openWriter } from '../db/handles';
import { cleanupAll, failure, newEngine, tempDir, unwrap, waitForJob as waitForJobUntil, type TestEngine } from './helpers';

const waitForJob = (engine: Engine, jobId: number) => waitForJobUntil(engine, jobId, (job) => job.status === 'done');

afterAll(cleanupAll);

let t: TestEngine;
const call = async <M extends MethodName>(m: M, input: MethodInput<M>): Promise<MethodOutput<M>> => unwrap(await t.engine.call(m, input));

let modelId: number;
let reviewerId: number;

/** Two samples of prompt q1 on the test model (a real llama.cpp run), returned by generation id. */
async function generateTwice(name: string): Promise<number[]> {
  const job = await call('jobs.create', {
    name,
    spec: { prompts: { ids: ['q1'] }, modelIds: [modelId], samplesPerPrompt: 2, mode: 'raw', sampling: { maxTokens: 6, temperature: 0.8, seed: 3 } },
  });
  await waitForJob(t.engine, job.id);
  const list = await call('generations.list', { jobId: job.id, limit: 10 });
  return list.items.map((g) => g.id).sort((a, b) => a - b);
}

/** Labels two outputs: a good verdict on the first, a bad one with a correction on the second, a comparison of both. */
async function label(ids: number[], correction: string) {
  await call('review.save', { generationId: ids[0]!, reviewerId, verdict: 'good', submit: true });
  await call('review.save', { generationId: ids[1]!, reviewerId, verdict: 'bad', submit: true });
  await call('corrections.save', { generationId: ids[1]!, reviewerId, text: correction });
}

let exports = 0;
/** A real export through the engine (its worker), read back from disk as parsed JSONL rows. */
async function exported(format: 'kto' | 'sft' | 'trl'): Promise<Record<string, unknown>[]> {
  const outDir = path.join(t.dir, `export-${++exports}`);
  unwrap(await t.engine.call('datasets.export', { exportId: `pv-${exports}`, options: { format }, outDir }));
  const text = fs.readFileSync(path.join(outDir, 'train.jsonl'), 'utf8');
  const rows = text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  if (process.env.PV_DEBUG) console.log(format, JSON.stringify(rows));
  return rows;
}

const OLD = 'What is 2+2? Answer with one number.';
const NEW = 'What is 3+3? Answer with one number.';

describe('prompt versions: outputs stay bound to the text the model saw', () => {
  let v1: number[];
  let v2: number[];

  beforeAll(async () => {
    t = newEngine('prompt-versions');
    modelId = (await call('models.addTestModel', {})).id;
    reviewerId = (await call('reviewers.create', { name: 'Ada', role: 'sme' })).id;
    const created = await call('prompts.create', { id: 'q1', prompt: OLD, reference: '4', tags: ['arith'] });
    expect(created).toMatchObject({ version: 1, outputs: 0 });
    v1 = await generateTwice('before the edit');
    await label(v1, 'The answer is 4.');
  }, 120_000);

  it('a generation records the version it was made from; the prompt counts its outputs', async () => {
    const g = await call('generations.get', { id: v1[0]! });
    expect(g.promptVersion).toBe(1);
    expect(await call('prompts.get', { id: 'q1' })).toMatchObject({ version: 1, outputs: 2 });
  });

  it('editing the text makes version 2; the old outputs keep version 1, readable in prompts.versions', async () => {
    const edited = await call('prompts.update', { id: 'q1', prompt: NEW, reference: '6', tags: ['arith'] });
    expect(edited).toMatchObject({ prompt: NEW, version: 2, outputs: 0 });
    expect((await call('generations.get', { id: v1[0]! })).promptVersion).toBe(1);
    const versions = await call('prompts.versions', { id: 'q1' });
    expect(versions.map((v) => [v.version, v.prompt, v.reference, v.outputs])).toEqual([
      [2, NEW, '6', 0],
      [1, OLD, '4', 2],
    ]);
    expect(versions[0]!.supersededAt).toBeNull();
    expect(versions[1]!.supersededAt).toBeGreaterThan(0);
  });

  it('tags or the reference alone make no version', async () => {
    const same = await call('prompts.update', { id: 'q1', prompt: NEW, reference: '6', tags: ['arith', 'easy'] });
    expect(same.version).toBe(2);
    await call('prompts.update', { id: 'q1', prompt: NEW, reference: '6', tags: ['arith'] });
  });

  it('exports pair the old outputs with the old text (KTO from verdicts, SFT from corrections)', async () => {
    // Two verdicts and the correction (desirable), all with the text the model saw.
    const kto = await exported('kto');
    expect(kto).toHaveLength(3);
    for (const row of kto) expect(row.prompt).toBe(OLD);
    const sft = await exported('sft');
    expect(sft).toEqual([expect.objectContaining({ prompt: OLD, completion: 'The answer is 4.' })]);
  });

  it('the review pane shows the text (and the reference) the output was made from', async () => {
    const item = await call('review.item', { generationId: v1[0]!, reviewerId });
    expect(item.prompt).toEqual({ text: OLD });
    expect(item.reference).toBe('4');
    expect([item.promptVersion, item.promptCurrentVersion]).toEqual([1, 2]);
    // The queue's preview is that text too.
    const queue = await call('review.queue', { reviewerId, status: 'all', offset: 0, limit: 10 });
    expect(queue.items.find((e) => e.generationId === v1[0])!.preview).toBe(OLD);
  });

  it('new generations use version 2 and export with the new text; old rows still export with the old', async () => {
    v2 = await generateTwice('after the edit');
    for (const id of v2) expect((await call('generations.get', { id })).promptVersion).toBe(2);
    expect((await call('generations.get', { id: v2[0]! })).renderedPrompt).toContain('3+3');
    await label(v2, 'The answer is 6.');
    const kto = await exported('kto');
    expect(kto.map((r) => r.prompt).sort()).toEqual([OLD, OLD, OLD, NEW, NEW, NEW].sort());
    // Each correction row carries its own version's text.
    expect(kto.filter((r) => String(r.completion).startsWith('The answer')).map((r) => [r.prompt, r.completion])).toEqual([
      [OLD, 'The answer is 4.'],
      [NEW, 'The answer is 6.'],
    ]);
    const sft = await exported('sft');
    expect(sft.map((r) => [r.prompt, r.completion])).toEqual([
      [OLD, 'The answer is 4.'],
      [NEW, 'The answer is 6.'],
    ]);
    expect((await call('review.item', { generationId: v2[0]!, reviewerId })).prompt).toEqual({ text: NEW });
    expect(await call('prompts.get', { id: 'q1' })).toMatchObject({ version: 2, outputs: 2 });
  }, 120_000);

  it('comparison tasks pair outputs of one version only, and export with that version’s text', async () => {
    const made = await call('comparisons.createTasks', { prompts: { query: '', tags: [] } });
    // Four outputs, but only the two of the current text are compared: one task, not six.
    expect(made.created).toBe(1);
    const queue = await call('comparisons.queue', { reviewerId, offset: 0, limit: 10 });
    const taskId = queue.items[0]!.taskId;
    const task = await call('comparisons.task', { taskId, reviewerId });
    expect(task.prompt).toEqual({ text: NEW });
    expect(queue.items[0]!.preview).toBe(NEW);
    expect(task.outputs.map((o) => o.generationId).sort((a, b) => a - b)).toEqual(v2);
    await call('comparisons.label', { taskId, reviewerId, choice: 'A', strength: 'clearly' });
    // Edit again: the task's label still exports with the text its outputs saw.
    await call('prompts.update', { id: 'q1', prompt: 'What is 4+4?', reference: '8', tags: ['arith'] });
    // The comparison's row and the two correction pairs (correction over the bad output), each with its text.
    const trl = await exported('trl');
    expect(trl.map((r) => [r.prompt, r.chosen === 'The answer is 4.' || r.chosen === 'The answer is 6.' ? r.chosen : 'a comparison'])).toEqual([
      [NEW, 'a comparison'],
      [OLD, 'The answer is 4.'],
      [NEW, 'The answer is 6.'],
    ]);
    expect((await call('comparisons.task', { taskId, reviewerId })).prompt).toEqual({ text: NEW });
    expect((await call('comparisons.queue', { reviewerId, status: 'all', offset: 0, limit: 10 })).items[0]!.preview).toBe(NEW);
  });

  it('a playground run saved after an edit is bound to the text it was generated from', async () => {
    const before = await call('prompts.get', { id: 'q1' });
    const run = await call('playground.generate', {
      streamId: 'pv-play',
      modelId,
      prompt: { promptId: 'q1' },
      template: null,
      mode: 'raw',
      sampling: { maxTokens: 4, temperature: 0, seed: 1 },
    });
    expect(run.renderedPrompt).toContain('4+4');
    await call('prompts.update', { id: 'q1', prompt: 'What is 5+5?', reference: '10', tags: ['arith'] });
    const saved = await call('playground.save', { streamId: 'pv-play' });
    expect(saved.promptVersion).toBe(before.version);
    expect((await call('review.item', { generationId: saved.id, reviewerId })).prompt).toEqual({ text: 'What is 4+4?' });
    // A regenerate of it replays the same input, so it binds to the same version.
    await call('generations.regenerate', { id: saved.id, streamId: 'pv-regen' });
    expect((await call('playground.save', { streamId: 'pv-regen' })).promptVersion).toBe(before.version);
  }, 60_000);

  it('typed playground text is saved under the version that is that text, even after its prompt was edited', async () => {
    const typed = 'Count from one to three.';
    const play = async (streamId: string) => {
      await call('playground.generate', { streamId, modelId, prompt: { text: typed }, template: null, mode: 'raw', sampling: { maxTokens: 3, temperature: 0, seed: 1 } });
      return call('playground.save', { streamId });
    };
    const first = await play('pv-typed-1');
    expect(first.promptVersion).toBe(1);
    await call('prompts.update', { id: first.promptId, prompt: 'Count from one to ten.', tags: ['playground'] });
    // The same typed text again: the same prompt, on version 1 (that text), not the edited version 2.
    const again = await play('pv-typed-2');
    expect([again.promptId, again.promptVersion]).toEqual([first.promptId, 1]);
    expect((await call('review.item', { generationId: again.id, reviewerId })).prompt).toEqual({ text: typed });
  }, 60_000);

  it('a prompt replaced by a re-import keeps its old outputs on their version', async () => {
    const file = path.join(t.dir, 'replace.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ id: 'q1', prompt: 'What is 6+6?' })}\n`);
    unwrap(await t.engine.call('prompts.import', { importId: 'pv-replace', source: { kind: 'path', path: file }, onDuplicate: 'replace' }));
    const versions = await call('prompts.versions', { id: 'q1' });
    expect(versions[0]!.prompt).toBe('What is 6+6?');
    expect(versions.find((v) => v.prompt === OLD)!.outputs).toBe(2);
    expect((await exported('sft')).map((r) => r.prompt)).toEqual([OLD, NEW]);
  });

  it('prompts.versions of a missing prompt is not_found, and its input is strict', async () => {
    failure(await t.engine.call('prompts.versions', { id: 'nope' }), 'not_found');
    failure(await t.engine.call('prompts.versions', { id: 'q1', version: 1 } as never), 'invalid_input');
  });
});

describe('migration 9 binds existing generations to the current text', () => {
  it('a v7 workspace with a labelled output upgrades: version 1 is the text it has; an edit then makes version 2', async () => {
    const dir = tempDir('assay-pv-migrate-');
    const file = path.join(dir, 'old.assay');
    const db = openWriter(file);
    migrate(db, file, 7);
    db.exec(`
      INSERT INTO prompts (seq, id, prompt, created_at, updated_at) VALUES (1, 'old', 'Old text', 1, 1);
      INSERT INTO models (id, name, kind, model_path, created_at) VALUES (1, 'm', 'llama', '/x.gguf', 1);
      INSERT INTO generations (id, prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version,
                               model_name, sampling, started_at, finished_at, source, created_at)
        VALUES (1, 1, 1, 'raw', '{"mode":"raw","text":"Old text"}', 'Old text', 'out', 'stop', 'llama', '1', 'm', '{}', 1, 1, 'batch', 1);
    `);
    db.close();

    const engine = new Engine(openWorkspace(file), { shell: 'browser' });
    try {
      expect(unwrap(await engine.call('generations.get', { id: 1 })).promptVersion).toBe(1);
      expect(unwrap(await engine.call('prompts.get', { id: 'old' }))).toMatchObject({ version: 1, outputs: 1 });
      expect(unwrap(await engine.call('prompts.update', { id: 'old', prompt: 'New text' }))).toMatchObject({ version: 2, outputs: 0 });
      const versions = unwrap(await engine.call('prompts.versions', { id: 'old' }));
      expect(versions.map((v) => [v.version, v.prompt, v.outputs])).toEqual([
        [2, 'New text', 0],
        [1, 'Old text', 1],
      ]);
    } finally {
      await engine.close();
    }
    // The trigger, not only the service, keeps it right: another program's UPDATE makes a version too.
    const raw = new Database(file);
    raw.prepare("UPDATE prompts SET prompt = 'Third', updated_at = 5 WHERE id = 'old'").run();
    expect(raw.prepare("SELECT version FROM prompts WHERE id = 'old'").pluck().get()).toBe(3);
    expect(raw.prepare('SELECT version, prompt FROM prompt_versions ORDER BY version').all()).toEqual([
      { version: 1, prompt: 'Old text' },
      { version: 2, prompt: 'New text' },
    ]);
    raw.close();
  });
});
