/**
 * The model card (`format: model-card`, core/model-card/): over a small real workspace built through
 * the engine (two models, 0- and 2-shot outputs, reviews with failure tags and think-aloud steps,
 * pairwise comparisons), the card is read back, its YAML parsed with a real YAML parser and checked
 * for the fields the Hugging Face Hub requires, and its figures checked against values worked out
 * by hand. The same workspace, and a second one built the same way at another time, give the same
 * bytes. Sections without data say so. The CLI writes it and refuses what it cannot do.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { MethodInput, MethodName, MethodOutput } from '../contract';
import { ExportOptions, type ExportOptionsInput, type ExportPreview, type ExportReport } from '../contract/datasets';
import { runExport } from '../core/datasets/export/run';
import { toYaml } from '../core/model-card/yaml';
import { toRating } from '../core/stats';
import { insertTemplate, insertTemplateVersion } from '../db/runner';
import { openReader, type ReadableDB } from '../db/handles';
import { cleanupAll, newEngine, runCli, unwrap, type TestEngine } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

interface Built {
  t: TestEngine;
  db: ReadableDB;
  models: { m1: number; m2: number };
}

/**
 * m1 ("Writer v1"): six outputs on p0–p5, p0–p2 without a template (0-shot), p3–p5 with a 2-shot
 * template. Ada (SME) reviews all six, Bo (SME) reviews p0 again. Tags ("Repetition" = R,
 * "Arithmetic …" = A, the seeded class):
 *   p0 R (Ada, a span, with two think-aloud steps) and R again (Bo);  p1 A (Ada);  p3 R (Ada);  p4 A + R (Ada).
 * So, per output: R on p0, p3, p4 → 3 of 6; A on p1, p4 → 2 of 6. By shots: 0-shot R 1/3, A 1/3;
 * 2-shot R 2/3, A 1/3. Verdicts (7 reviews): good p2, p5; bad p0 (Ada), p0 (Bo), p1, p4; acceptable p3.
 * m2 ("Writer v2"): outputs on p0–p3, none reviewed. Pairwise labels m1 vs m2 (Ada): m1 wins p0, p1;
 * m2 wins p2; tie p3 → m1 2.5 of 4 = 62.5%.
 */
async function build(name: string): Promise<Built> {
  const t = newEngine(name);
  const ws = t.workspace;
  const ok = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => unwrap(await t.engine.call(method, input));
  const m1 = addModel(ws, 'Writer v1');
  const m2 = addModel(ws, 'Writer v2');
  const templateId = insertTemplate(ws.writer, 'two-shot', 1);
  const version = insertTemplateVersion(
    ws.writer,
    templateId,
    { instruction: 'Answer.', demonstrations: [{ input: '1+1', output: '2' }, { input: '2+2', output: '4' }], inputLabel: 'Q', outputLabel: 'A' },
    1,
  );
  const ada = (await ok('reviewers.create', { name: 'Ada', role: 'sme' })).id;
  const bo = (await ok('reviewers.create', { name: 'Bo', role: 'sme' })).id;
  const arithmetic = (await ok('taxonomy.list', {}))[0]!.id;
  const repetition = (await ok('taxonomy.create', { name: 'Repetition', description: 'repeats itself', example: '' })).id;
  await ok('taxonomy.create', { name: 'Never used', description: '', example: '' });

  const g1: number[] = [];
  const g2: number[] = [];
  for (let i = 0; i < 6; i++) {
    const seq = addPrompt(ws, `p${i}`, `What is ${i} plus ${i}?`, ['eval']);
    g1.push(addGeneration(ws, { promptSeq: seq, modelId: m1, output: `The answer is ${i}${i}. The answer is ${i}${i}.`, template: i >= 3 ? { templateId, version } : null }));
    if (i < 4) g2.push(addGeneration(ws, { promptSeq: seq, modelId: m2, output: `It is ${2 * i}.` }));
  }
  const tag = (g: number, reviewerId: number, classId: number, span: { start: number; end: number } | null = null) =>
    ok('review.addTag', { generationId: g, reviewerId, classId, span });
  const submit = (g: number, reviewerId: number, verdict: 'good' | 'acceptable' | 'bad', comment = '') => ok('review.save', { generationId: g, reviewerId, verdict, comment, submit: true });

  const r0 = await tag(g1[0]!, ada, repetition, { start: 0, end: 17 });
  const tagId = r0.tags[0]!.id;
  await ok('review.saveStep', { generationId: g1[0]!, reviewerId: ada, body: 'It says "The answer is 00." and then says it again.', tagId });
  await ok('review.saveStep', { generationId: g1[0]!, reviewerId: ada, body: 'And 0 plus 0 is 0, not 00 <b>twice</b>.', tagId: null });
  await submit(g1[0]!, ada, 'bad', 'Repeats | and is wrong');
  await tag(g1[0]!, bo, repetition);
  await submit(g1[0]!, bo, 'bad');
  await tag(g1[1]!, ada, arithmetic);
  await submit(g1[1]!, ada, 'bad');
  await submit(g1[2]!, ada, 'good');
  await tag(g1[3]!, ada, repetition);
  await submit(g1[3]!, ada, 'acceptable');
  await tag(g1[4]!, ada, arithmetic);
  await tag(g1[4]!, ada, repetition);
  await submit(g1[4]!, ada, 'bad');
  await submit(g1[5]!, ada, 'good');
  // A draft and a deleted tag count nowhere.
  await tag(g1[5]!, bo, arithmetic);
  const removed = await tag(g1[2]!, ada, arithmetic);
  await ok('review.removeTag', { id: removed.tags.find((x) => x.classId === arithmetic)!.id, reviewerId: ada });

  await ok('comparisons.createTasks', { prompts: { query: '', tags: ['eval'] }, kind: 'pair' });
  const db = openReader(t.file);
  const outcome: Record<string, 'm1' | 'm2' | 'tie'> = { p0: 'm1', p1: 'm1', p2: 'm2', p3: 'tie' };
  for (const [promptId, winner] of Object.entries(outcome)) {
    const taskId = db.prepare('SELECT t.id FROM comparison_tasks t JOIN prompts p ON p.seq = t.prompt_seq WHERE p.id = ?').pluck().get(promptId) as number;
    const first = db.prepare('SELECT g.model_id FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id WHERE o.task_id = ? AND o.position = 0').pluck().get(taskId) as number;
    const choice = winner === 'tie' ? 'tie' : (winner === 'm1') === (first === m1) ? 'A' : 'B';
    await ok('comparisons.label', { taskId, reviewerId: ada, choice });
  }
  return { t, db, models: { m1, m2 } };
}

let a: Built;
let n = 0;

function card(b: Built, options: Partial<ExportOptionsInput> = {}): string {
  const dir = path.join(b.t.dir, `card-${++n}`);
  const report = runExport(b.db, { mode: 'write', exportId: `c${n}`, options: ExportOptions.parse({ format: 'model-card', ...options }), outDir: dir }) as ExportReport;
  expect(report.files.map((f) => path.basename(f.path))).toEqual(['README.md']);
  expect(fs.readdirSync(dir)).toEqual(['README.md']);
  return fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
}

function frontMatter(text: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  expect(m, 'the card starts with YAML front matter between --- lines').not.toBeNull();
  return parseYaml(m![1]!) as Record<string, unknown>;
}

type Metric = { type: string; value: number; name?: string; verified?: boolean };
type Result = { task: { type: string; name?: string }; dataset: { type: string; name: string }; metrics: Metric[] };

/** The Hub's required fields (huggingface_hub model_index_to_eval_results reads these keys). */
function checkModelIndex(meta: Record<string, unknown>): Result[] {
  const index = meta['model-index'] as { name: string; results: Result[] }[];
  expect(Array.isArray(index)).toBe(true);
  expect(index).toHaveLength(1);
  expect(typeof index[0]!.name).toBe('string');
  for (const r of index[0]!.results) {
    expect(typeof r.task.type).toBe('string');
    expect(typeof r.dataset.type).toBe('string');
    expect(typeof r.dataset.name).toBe('string');
    expect(r.metrics.length).toBeGreaterThan(0);
    for (const m of r.metrics) {
      expect(typeof m.type).toBe('string');
      expect(typeof m.value).toBe('number');
      expect(m.verified).toBe(false);
    }
  }
  return index[0]!.results;
}

beforeAll(async () => {
  a = await build('model-card');
});
afterAll(() => a?.db.close());

describe('model card', () => {
  it('parses as YAML with the model-index the Hub expects, and figures worked out by hand', async () => {
    const text = card(a, { modelCard: { modelId: a.models.m1 }, license: 'apache-2.0' });
    const meta = frontMatter(text);
    expect(meta.license).toBe('apache-2.0');
    expect(meta.pipeline_tag).toBe('text-generation');
    expect(meta.tags).toEqual(['assay', 'evaluation', 'human-feedback']);
    const results = checkModelIndex(meta);
    expect((meta['model-index'] as { name: string }[])[0]!.name).toBe('Writer v1');
    const [review, comparisons] = results;
    expect(review!.task).toEqual({ type: 'text-generation', name: 'Human review with failure classes' });
    expect(review!.dataset).toMatchObject({ type: 'assay-human-review', name: 'Human review of 6 outputs' });
    const metric = (r: Result, name: string) => r.metrics.find((m) => m.name === name)?.value;
    // Outputs tagged / outputs reviewed: Repetition 3/6, Arithmetic 2/6, the unused class 0/6.
    expect(metric(review!, 'Failure rate: Repetition')).toBe(0.5);
    expect(metric(review!, 'Failure rate: Arithmetic with integers and spelled-out numbers')).toBe(0.3333);
    expect(metric(review!, 'Failure rate: Never used')).toBe(0);
    // 4 of 7 reviews with a verdict say bad.
    expect(metric(review!, 'Share of reviews with verdict "bad"')).toBe(0.5714);
    expect(comparisons!.task.name).toBe('Pairwise human preference');
    expect(metric(comparisons!, 'Win rate against Writer v2')).toBe(0.625);
    expect(comparisons!.metrics.find((m) => m.type === 'bradley_terry_rating')!.value).toBeGreaterThan(1000);

    // Wilson 95% by hand (z = 1.959964): 3/6 → 18.8%–81.2%; 2/6 → 9.7%–70.0%; 0/6 → 0.0%–39.0%.
    expect(text).toContain('| Repetition | 3 | 6 | 50.0% | 18.8%–81.2% |');
    expect(text).toContain('| Arithmetic with integers and spelled-out numbers | 2 | 6 | 33.3% | 9.7%–70.0% |');
    expect(text).toContain('| Never used | 0 | 6 | 0.0% | 0.0%–39.0% |');
    // By shots: 0-shot R 1/3 (6.1%–79.2%), 2-shot R 2/3 (20.8%–93.9%); A 1/3 at both.
    expect(text).toContain('| failure class | 0-shot (n = 3) | 2-shot (n = 3) |');
    expect(text).toContain('| Repetition | 33.3% (6.1%–79.2%) | 66.7% (20.8%–93.9%) |');
    expect(text).toContain('| Arithmetic with integers and spelled-out numbers | 33.3% (6.1%–79.2%) | 33.3% (6.1%–79.2%) |');
    // Verdicts over 7 reviews: good 2 (8.2%–64.1%), acceptable 1 (2.6%–51.3%), bad 4 (25.0%–84.2%).
    expect(text).toContain('| good | 2 | 28.6% | 8.2%–64.1% |');
    expect(text).toContain('| acceptable | 1 | 14.3% | 2.6%–51.3% |');
    expect(text).toContain('| bad | 4 | 57.1% | 25.0%–84.2% |');
    // m1 against m2: 2 wins and a tie of 4 → 2.5/4; Wilson on 2.5 of 4: centre 0.5638 ± 0.3443 → 21.9%–90.8%.
    expect(text).toContain('| Writer v2 | 4 | 62.5% (2.5) | 21.9%–90.8% |');
    expect(text).toContain('rank 1 of 2 models, over 4 outcomes');
    // The rating and its interval are the Leaderboard view's (same bootstrap and seed), on its rating scale.
    const lb = unwrap(await a.t.engine.call('comparisons.leaderboard', { bootstrap: 200, seed: 1 }));
    const me = lb.models.find((m) => m.modelId === a.models.m1)!;
    const bt = /Bradley–Terry rating (\d+) \(95% bootstrap interval (\d+)–(\d+), 200 resamples\)/.exec(text);
    expect(bt?.slice(1).map(Number)).toEqual([Math.round(me.rating), Math.round(toRating(me.low)), Math.round(toRating(me.high))]);
    expect(Number(bt![2])).toBeLessThanOrEqual(Number(bt![1]));
    expect(Number(bt![3])).toBeGreaterThan(1000);
    expect(text).toContain('- Human review: 7 submitted reviews of 6 outputs (6 prompts), by 2 subject-matter experts and 0 NLP engineers; 1 output was reviewed by two or more people.');
    expect(text).toContain('- Outputs of this model: 6, on 6 prompts.');
    // Provenance of the outputs, grouped.
    expect(text).toContain('| openai | test | `http://127.0.0.1:9/v1` | test | 6 | 0 |');
  });

  it('quotes failures with the reviewer’s think-aloud, steps of the tag first, markup neutralized', () => {
    const text = card(a, { modelCard: { modelId: a.models.m1 } });
    const examples = text.slice(text.indexOf('## Examples of failures'), text.indexOf('## Limitations'));
    expect(examples).toContain('### Repetition');
    expect(examples).toContain('Output 1 (prompt `p0`), verdict bad:');
    expect(examples).toContain('Tagged span:\n\n```text\nThe answer is 00.\n```');
    expect(examples).toContain('Think-aloud of the subject-matter expert, step by step:\n\n> 1. It says "The answer is 00." and then says it again.\n>\n> 2. And 0 plus 0 is 0, not 00 &lt;b&gt;twice&lt;/b&gt;.');
    expect(examples).toContain('> Repeats \\| and is wrong');
    // Two examples per class at most; the one with steps first.
    expect(examples.split('Output ').length - 1).toBeLessThanOrEqual(4);
    expect(examples.indexOf('prompt `p0`')).toBeLessThan(examples.indexOf('prompt `p3`'));
    // Arithmetic on p1 and p4, neither with steps: said so.
    expect(examples).toContain('The subject-matter expert wrote no think-aloud steps for this output.');
  });

  it('is the same bytes every time, and from a second workspace built the same way later', async () => {
    const first = card(a, { modelCard: { modelId: a.models.m1 }, license: 'mit' });
    expect(card(a, { modelCard: { modelId: a.models.m1 }, license: 'mit' })).toBe(first);
    const b = await build('model-card-again');
    try {
      expect(card(b, { modelCard: { modelId: b.models.m1 }, license: 'mit' })).toBe(first);
    } finally {
      b.db.close();
    }
  });

  it('states no license unless told one; takes license and intended use from the model’s settings', async () => {
    const none = card(a, { modelCard: { modelId: a.models.m1 } });
    expect(frontMatter(none)).not.toHaveProperty('license');
    expect(none).toContain('- License: not stated');
    expect(none).toContain('## Intended use\n\nNot stated by the model’s owner');

    const t = newEngine('model-card-settings');
    try {
      const model = unwrap(
        await t.engine.call('models.add', {
          kind: 'openai',
          name: 'Endpoint model',
          baseUrl: 'http://127.0.0.1:9/v1',
          remoteModel: 'x',
          settings: { concurrency: 1, card: { license: 'cc-by-4.0', intendedUse: 'Story writing for children.', limitations: 'Cannot count.' } },
        }),
      );
      const seq = addPrompt(t.workspace, 'q', 'Hello');
      addGeneration(t.workspace, { promptSeq: seq, modelId: model.id, output: 'Hi' });
      const db = openReader(t.file);
      try {
        const text = card({ t, db, models: { m1: model.id, m2: model.id } });
        expect(frontMatter(text).license).toBe('cc-by-4.0');
        expect(text).toContain('## Intended use\n\nStory writing for children.\n');
        expect(text).toContain('## Limitations\n\nCannot count.\n');
        // Told one, the option wins.
        expect(frontMatter(card({ t, db, models: { m1: model.id, m2: model.id } }, { license: 'mit' })).license).toBe('mit');
        // Nothing reviewed or compared: no model-index, and each section says why.
        expect(frontMatter(text)).not.toHaveProperty('model-index');
        expect(text).toContain('No output of this model has a submitted review yet, so there are no failure rates.');
        expect(text).toContain('No review has a verdict yet.');
        expect(text).toContain('No comparison labels in this workspace.');
        expect(text).toContain('No failure tags on this model’s outputs yet.');
        expect(text).toContain('No minimal-pair probes have been checked on this model');
      } finally {
        db.close();
      }
    } finally {
      await t.engine.close();
    }
  });

  it('refuses to guess the model when several have outputs, naming them; the preview carries the card', () => {
    expect(() => card(a)).toThrow(/2 models with outputs \(Writer v1, Writer v2\).*--model NAME/);
    expect(() => card(a, { modelCard: { modelId: 999 } })).toThrow(/no model with id 999/);
    const preview = runExport(a.db, { mode: 'preview', exportId: 'pv', options: ExportOptions.parse({ format: 'model-card', modelCard: { modelId: a.models.m2 } }), limit: 5 }) as ExportPreview;
    expect(preview.card).toMatch(/^---\n/);
    expect(preview.card).toContain('# Model card: Writer v2');
    // m2 has no reviews, but it was compared: its model-index holds the comparison only.
    const results = checkModelIndex(frontMatter(preview.card!));
    expect(results.map((r) => r.dataset.type)).toEqual(['assay-comparisons']);
    expect(results[0]!.metrics.find((m) => m.type === 'win_rate')!.value).toBe(0.375);
  });

  it('writes any string as YAML that reads back the same (names, quotes, unicode, controls)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), (s, g) => {
        const doc = { name: s, list: [g, s], nested: { key: g, n: 0.25, yes: true } };
        expect(parseYaml(toYaml(doc))).toEqual(doc);
      }),
      { numRuns: 300 },
    );
  });

  it('assay export --format model-card writes README.md; refuses two --model and card options elsewhere', async () => {
    const out = path.join(a.t.dir, 'cli-card');
    const run = await runCli('export', '--workspace', a.t.file, '--format', 'model-card', '--model', 'Writer v1', '--license', 'mit', '--intended-use', 'Evaluation only.', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('README.md');
    const text = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(frontMatter(text).license).toBe('mit');
    expect(text).toContain('## Intended use\n\nEvaluation only.\n');
    expect(text).toBe(card(a, { modelCard: { modelId: a.models.m1, intendedUse: 'Evaluation only.' }, license: 'mit' }));

    const two = await runCli('export', '--workspace', a.t.file, '--format', 'model-card', '--model', 'Writer v1', '--model', 'Writer v2', '--preview');
    expect(two.code).not.toBe(0);
    expect(two.stderr).toContain('a model card is about one model');
    const elsewhere = await runCli('export', '--workspace', a.t.file, '--format', 'trl', '--intended-use', 'x', '--preview');
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain('--intended-use and --limitations go with --format model-card');
  });
});
