// A sweep through Assay's batch scheduler against node-llama-cpp driven directly, in one run:
// 5 classes × 2 variants × 100 probes (1,000 prompts) × 3 shot settings (0, 1, 2) × 2 models =
// 6,000 generations. The two "models" are the shipped sample model (models/stories260K.gguf)
// registered twice under two names; each runs 1 thread, concurrency 1 (both sides), so two
// generations run at once on the 2 cores. Same rendered prompts, sampling, seed and context.
// Run: npm run bench:sweep (env: BENCH_PROBES=100 per class × variant, BENCH_TOKENS=8 max tokens).
// The last line is JSON for CI: {"bench":"sweep","ratio":R,"probes":N,"rates_s":S}, where
// ratio = direct time / Assay time and rates_s the time to compute the sweep's results.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama, LlamaLogLevel, type LlamaContext } from 'node-llama-cpp';
import { Sampling, type Job, type Template } from '../contract';
import { Engine } from '../core/engine';
import { completeDirect } from './llama-direct';
import { renderTemplate } from '../core/runner/templates';
import { sampleModelPath } from '../core/runner/sample-model';
import { openWorkspace } from '../core/workspace/workspace';

const PROBES = Number(process.env.BENCH_PROBES ?? 100);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 8);
const CLASSES = ['addition', 'subtraction', 'comparison', 'counting', 'doubling'];
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
const CONTEXT = 512;
const THREADS = 1;
const sampling = Sampling.parse({ temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05, repeatPenalty: 1.1, maxTokens: TOKENS, seed: 1234 });

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The probe prompts: one question per class × variant (numbers as digits or as words) × probe. */
function probeRows() {
  const rows: { id: string; prompt: string; tags: string[] }[] = [];
  const text = (c: string, a: number, b: number, n: (x: number) => string) =>
    ({ addition: `What is ${n(a)} plus ${n(b)}?`, subtraction: `What is ${n(a + b)} minus ${n(b)}?`, comparison: `Which is larger, ${n(a)} or ${n(b)}?`, counting: `Count from ${n(a)} to ${n(a + 2)}.`, doubling: `What is twice ${n(b)}?` })[c]!;
  for (const c of CLASSES) {
    for (let i = 0; i < PROBES; i++) {
      const a = (i * 7) % 7;
      const b = (i * 5 + 3) % 6;
      for (const [variant, n] of [['digits', String], ['words', (x: number) => WORDS[x]!]] as const) {
        rows.push({ id: `${c}-${variant}-${i}`, prompt: `${text(c, a, b, n)} (#${i})`, tags: ['suite:bench', `class:${c}`, `variant:numbers=${variant}`] });
      }
    }
  }
  return rows;
}

function waitForDone(engine: Engine, jobId: number): Promise<Job> {
  return new Promise((resolve) => {
    const dispose = engine.events.on('onDidChangeJob', (job) => {
      if (job.id === jobId && job.status === 'done') {
        dispose();
        resolve(job);
      }
    });
  });
}

async function directAll(contexts: LlamaContext[], texts: string[]): Promise<{ seconds: number; outputs: string[][] }> {
  const started = performance.now();
  const outputs = await Promise.all(
    contexts.map(async (context) => {
      const out: string[] = [];
      for (const text of texts) {
        out.push(await completeDirect(context, text, sampling));
      }
      return out;
    }),
  );
  return { seconds: (performance.now() - started) / 1000, outputs };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-sweep-'));
try {
  const modelPath = sampleModelPath();
  const rows = probeRows();
  fs.writeFileSync(path.join(dir, 'probes.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const engine = new Engine(openWorkspace(path.join(dir, 'bench.assay')), { shell: 'browser' });
  unwrap(await engine.call('prompts.import', { importId: 'bench', source: { kind: 'path', path: path.join(dir, 'probes.jsonl') } }));
  const settings = { concurrency: 1, threads: THREADS, contextSize: CONTEXT };
  const models = [
    unwrap(await engine.call('models.add', { kind: 'llama', name: 'stories A', modelPath, settings })),
    unwrap(await engine.call('models.add', { kind: 'llama', name: 'stories B', modelPath, settings })),
  ];
  const template = unwrap(
    await engine.call('templates.save', {
      name: 'bench',
      instruction: 'Answer the question.',
      demonstrations: [
        { input: 'What is 2 plus 2?', output: '4' },
        { input: 'What is five minus one?', output: 'four' },
      ],
    }),
  );
  for (const m of models) unwrap(await engine.call('models.load', { id: m.id }));

  // The direct side: the same file loaded twice in this process, the same prompts as each arm renders them.
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const loadedModels = [await llama.loadModel({ modelPath }), await llama.loadModel({ modelPath })];
  const contexts = await Promise.all(loadedModels.map((m) => m.createContext({ contextSize: CONTEXT, threads: THREADS })));
  const armTemplates: (Template | null)[] = [0, 1, 2].map((k) => ({ ...template, demonstrations: template.demonstrations.slice(0, k) }));
  const texts = rows.flatMap((r) => armTemplates.map((t) => (renderTemplate(t, { prompt: r.prompt, messages: null }, 'raw') as { text: string }).text));

  // Warm up both sides on a few prompts.
  await directAll(contexts, texts.slice(0, 6));
  const warm = unwrap(await engine.call('jobs.create', { name: 'warm-up', spec: { prompts: { ids: rows.slice(0, 3).map((r) => r.id) }, modelIds: models.map((m) => m.id), mode: 'raw', sampling } }));
  await waitForDone(engine, warm.id);

  // Direct, Assay, direct: each direct half runs half the prompts, so drift on a shared machine
  // (load rising or falling over the run) hits both sides alike.
  const loadBefore = os.loadavg()[0]!;
  const half = Math.floor(texts.length / 2);
  const first = await directAll(contexts, texts.slice(0, half));

  const started = performance.now();
  const job = unwrap(await engine.call('sweeps.create', { name: 'bench sweep', suite: 'bench', modelIds: models.map((m) => m.id), templateIds: [template.id], shots: [0, 1, 'all'], mode: 'raw', sampling }));
  const done = await waitForDone(engine, job.id);
  const assaySeconds = (performance.now() - started) / 1000;
  console.log(`assay sweep (batch scheduler): ${done.counts.done.toLocaleString()} of ${done.counts.total.toLocaleString()} generations done, ${done.counts.failed} failed, in ${assaySeconds.toFixed(1)} s`);
  const second = await directAll(contexts, texts.slice(half));
  const direct = { seconds: first.seconds + second.seconds, outputs: first.outputs.map((o, i) => [...o, ...second.outputs[i]!]) };
  console.log(`node-llama-cpp direct: ${(texts.length * contexts.length).toLocaleString()} generations in ${direct.seconds.toFixed(1)} s (two halves, ${first.seconds.toFixed(1)} s before the sweep and ${second.seconds.toFixed(1)} s after)`);
  if (done.counts.done !== texts.length * models.length) throw new Error(`expected ${texts.length * models.length} generations, got ${done.counts.done}`);

  // Same text from both sides for the same prompt, model and arm (fixed seed).
  const sample = unwrap(await engine.call('generations.list', { jobId: job.id, limit: 50 })).items;
  const armOf = new Map(job.spec.templates!.map((t, i) => [t!.templateId * 1000 + t!.version!, i]));
  const same = sample.filter((g) => {
    const index = rows.findIndex((r) => r.id === g.promptId) * 3 + armOf.get(g.templateId! * 1000 + g.templateVersion!)!;
    return direct.outputs[models.findIndex((m) => m.id === g.modelId)]![index] === g.output;
  }).length;
  console.log(`same text as direct (seed ${sampling.seed}): ${same} of ${sample.length} checked`);

  // Rates over the sweep's results: stats11's rates query has not landed; this times sweeps.results
  // (per model × arm counts and Wilson intervals over probe verdicts), what exists now.
  const t = performance.now();
  const results = unwrap(await engine.call('sweeps.results', { jobId: job.id }));
  const ratesSeconds = (performance.now() - t) / 1000;
  console.log(`rates (sweeps.results, ${results.rows.length} rows, checks ${results.checksAvailable ? 'present' : 'not in this build'}): ${(ratesSeconds * 1000).toFixed(1)} ms`);

  const ratio = direct.seconds / assaySeconds;
  console.log(`ratio direct/assay: ${ratio.toFixed(3)} (goal ≥ 0.9); max tokens ${TOKENS}, ${THREADS} thread per model, context ${CONTEXT}`);
  const load = Math.max(loadBefore, os.loadavg()[0]!);
  if (load > 0.5 * os.availableParallelism()) console.log(`note: load average ${load.toFixed(1)} on ${os.availableParallelism()} cores while measuring: other work shares the CPU`);

  await engine.close();
  for (const c of contexts) await c.dispose();
  for (const m of loadedModels) await m.dispose();
  await llama.dispose();
  console.log(JSON.stringify({ bench: 'sweep', ratio: Number(ratio.toFixed(3)), probes: rows.length * 3 * models.length, rates_s: Number(ratesSeconds.toFixed(4)) }));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
