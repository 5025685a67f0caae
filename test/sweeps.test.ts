import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, failure, jsonl, newEngine, unwrap, waitForJob, writeFile, type TestEngine } from './helpers';

const sampling = { maxTokens: 4, temperature: 0.8, seed: 11 };

describe('sweeps: a suite × models × templates × shots as one batch job', () => {
  let t: TestEngine;
  let models: number[];
  let sumId: number;

  beforeAll(async () => {
    t = newEngine('sweeps');
    const rows = [
      ...Array.from({ length: 3 }, (_, i) => ({ id: `add-${i}`, prompt: `What is ${i} plus ${i + 3}?`, tags: ['suite:arith', 'class:arithmetic'] })),
      ...Array.from({ length: 3 }, (_, i) => ({ id: `words-${i}`, prompt: `What is ${['one', 'two', 'three'][i]} plus four?`, tags: ['suite:arith', 'class:arithmetic', 'variant:numbers=words'] })),
      { id: 'story', prompt: 'Once upon a time', tags: ['stories'] },
    ];
    unwrap(await t.engine.call('prompts.import', { importId: 'sweeps', source: { kind: 'path', path: writeFile(t.dir, 'p.jsonl', jsonl(rows)) } }));
    const sample = unwrap(await t.engine.call('models.addSampleModel', {})).model;
    const again = unwrap(await t.engine.call('models.add', { kind: 'llama', name: 'stories again', modelPath: sample.modelPath!, settings: { concurrency: 1, threads: 1 } }));
    models = [sample.id, again.id];
    sumId = unwrap(
      await t.engine.call('templates.save', {
        name: 'sum',
        instruction: 'Answer with the number.',
        demonstrations: [
          { input: 'What is 10 plus 20?', output: '30' },
          { input: 'What is six plus seven?', output: '13' },
        ],
      }),
    ).id;
  });
  afterAll(cleanupAll);

  it('runs every suite prompt on every model at 0, 1 and k shots (and bare), each generation on a template version with that many demonstrations', async () => {
    const job = unwrap(
      await t.engine.call('sweeps.create', { name: 'arith sweep', suite: 'arith', modelIds: models, templateIds: [sumId, null], shots: [0, 1, 'all'], sampling }),
    );
    expect(job.spec.sweep).toEqual({ suite: 'arith', tags: [], arms: [{ templateId: sumId, shots: 0 }, { templateId: sumId, shots: 1 }, { templateId: sumId, shots: 2 }, { templateId: null, shots: 0 }] });
    expect(job.counts.total).toBe(6 * 2 * 4);
    const templates = unwrap(await t.engine.call('templates.list', {}));
    expect(templates.map((x) => `${x.name}: ${x.demonstrations.length}`).sort()).toEqual(['sum · 0-shot: 0', 'sum · 1-shot: 1', 'sum: 2']);

    const done = await waitForJob(t.engine, job.id, (j) => j.status === 'done', 120_000);
    expect(done.counts).toMatchObject({ total: 48, done: 48, failed: 0 });
    const generations = unwrap(await t.engine.call('generations.list', { jobId: job.id, limit: 100 })).items;
    expect(generations).toHaveLength(48);
    expect(generations.some((g) => g.promptId === 'story')).toBe(false);
    const shotsOf = new Map<string, number>();
    for (const g of generations) {
      const shots = g.templateId === null ? 0 : unwrap(await t.engine.call('templates.get', { templateId: g.templateId, version: g.templateVersion! })).demonstrations.length;
      const key = `${g.modelId}/${g.templateId}`;
      shotsOf.set(key, shots);
      expect(g.renderedPrompt.includes('What is 10 plus 20?')).toBe(shots >= 1);
      expect(g.renderedPrompt.includes('What is six plus seven?')).toBe(shots >= 2);
    }
    expect([...shotsOf.values()].sort()).toEqual([0, 0, 0, 0, 1, 1, 2, 2]);

    const results = unwrap(await t.engine.call('sweeps.results', { jobId: job.id }));
    expect(results.rows).toHaveLength(8);
    for (const row of results.rows) expect(row).toMatchObject({ items: 6, done: 6, failed: 0 });
    expect(results.rows.map((r) => `${r.modelId}:${r.templateName ?? '-'}:${r.shots}`)).toEqual(
      models.flatMap((m) => [`${m}:sum:0`, `${m}:sum:1`, `${m}:sum:2`, `${m}:-:0`]),
    );
    expect(unwrap(await t.engine.call('sweeps.list', {})).map((j) => j.id)).toEqual([job.id]);
  }, 180_000);

  it('reuses the shot templates when nothing changed, and makes a new version when the template did', async () => {
    const before = unwrap(await t.engine.call('templates.list', {}));
    const again = unwrap(await t.engine.call('sweeps.create', { name: 'again', suite: 'arith', modelIds: [models[0]!], templateIds: [sumId], shots: [1], sampling }));
    expect(unwrap(await t.engine.call('templates.list', {}))).toEqual(before);
    const oneShot = before.find((x) => x.name === 'sum · 1-shot')!;
    expect(again.spec.templates).toEqual([{ templateId: oneShot.id, version: oneShot.version }]);
    unwrap(await t.engine.call('jobs.cancel', { id: again.id }));

    unwrap(await t.engine.call('templates.save', { id: sumId, name: 'sum', instruction: 'Reply with digits only.', demonstrations: [{ input: 'What is 1 plus 1?', output: '2' }] }));
    const edited = unwrap(await t.engine.call('sweeps.create', { name: 'edited', suite: 'arith', modelIds: [models[0]!], templateIds: [sumId], shots: [0], sampling }));
    const zero = unwrap(await t.engine.call('templates.get', { templateId: edited.spec.templates![0]!.templateId }));
    expect(zero).toMatchObject({ name: 'sum · 0-shot', version: 2, instruction: 'Reply with digits only.', demonstrations: [] });
    unwrap(await t.engine.call('jobs.cancel', { id: edited.id }));
  });

  it('refuses what it cannot run, naming the field, and leaves no template or job behind', async () => {
    const templates = unwrap(await t.engine.call('templates.list', {}));
    const jobs = unwrap(await t.engine.call('jobs.list', {}));
    const base = { name: 'bad', suite: 'arith', modelIds: models, templateIds: [sumId], sampling };
    // 'sum' now has one demonstration: 3-shot is out of reach (the 0-shot arm before it would be made).
    expect(failure(await t.engine.call('sweeps.create', { ...base, shots: [0, 3] }), 'invalid_input').message).toMatch(/shots\[1\]: "sum" has 1 demonstration\(s\), so it cannot run 3-shot/);
    expect(failure(await t.engine.call('sweeps.create', { ...base, templateIds: [sumId, 999], shots: [0] }), 'not_found').message).toMatch(/templateIds\[1\]: no template 999/);
    expect(failure(await t.engine.call('sweeps.create', { ...base, suite: null, shots: [0] }), 'invalid_input').message).toMatch(/choose a suite/);
    // No prompt has the suite's tag: refused after the shot templates were made, which roll back with it.
    unwrap(await t.engine.call('templates.save', { id: sumId, name: 'sum', instruction: 'Third.', demonstrations: [{ input: 'a', output: 'b' }, { input: 'c', output: 'd' }] }));
    const afterEdit = unwrap(await t.engine.call('templates.list', {}));
    expect(failure(await t.engine.call('sweeps.create', { ...base, suite: 'nothing', shots: [0, 1] }), 'invalid_input').message).toMatch(/No prompts match/);
    expect(unwrap(await t.engine.call('templates.list', {}))).toEqual(afterEdit);
    expect(afterEdit.filter((x) => x.name !== 'sum')).toEqual(templates.filter((x) => x.name !== 'sum'));
    expect(unwrap(await t.engine.call('jobs.list', {}))).toHaveLength(jobs.length);
    expect(failure(await t.engine.call('sweeps.results', { jobId: 9999 }), 'not_found').message).toMatch(/No sweep/);
  });
});
