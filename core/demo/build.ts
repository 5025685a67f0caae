/**
 * Builds the demo workspace: about 40 prompts, the shipped sample model at two temperatures as two
 * models, and a finished batch of real llama.cpp outputs made by the ordinary batch scheduler, with
 * fixed seeds (the same text every time) and nothing labelled. Used by `assay demo` and
 * `workspace.openDemo`.
 *
 * It builds into a temporary file beside the target and renames it when complete, so a file with
 * the final name is always a whole demo; an existing workspace with anything in it is never
 * overwritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError, type DemoProgress, type Job, type MethodInput, type MethodName, type MethodOutput } from '../../contract';
import { getMeta, setMeta } from '../../db/meta';
import { Engine } from '../engine';
import { sampleModelPath } from '../runner/sample-model';
import { openWorkspace, WORKSPACE_EXTENSION } from '../workspace/workspace';
import { DEMO_FAILURE_CLASSES, DEMO_MAX_TOKENS, DEMO_MODELS, DEMO_PROMPTS, DEMO_SEED } from './content';

/** workspace_meta key that marks a finished demo workspace (its value: the demo's version). */
export const DEMO_META_KEY = 'demo';
const DEMO_VERSION = '1';
export const DEMO_FILE_NAME = `demo${WORKSPACE_EXTENSION}`;

export interface DemoSummary {
  file: string;
  prompts: number;
  models: number;
  generations: number;
  durationMs: number;
}

export interface BuildDemoOptions {
  onProgress?: (progress: DemoProgress) => void;
  /** The sampling seed of every output (default 42). */
  seed?: number;
}

const SQLITE_SIDE_FILES = ['-wal', '-shm'];

/** Whether `file` is a finished demo workspace (it carries the marker the builder writes last). */
export function isDemoWorkspace(file: string): boolean {
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) return false;
  let workspace;
  try {
    workspace = openWorkspace(file, { create: false });
  } catch {
    return false;
  }
  try {
    return getMeta(workspace.reader, DEMO_META_KEY) !== null;
  } finally {
    workspace.close();
  }
}

/** Refuses a target that holds anything; a missing file, an empty file or an empty workspace may be replaced. */
function checkTarget(file: string): void {
  if (!fs.existsSync(file)) return;
  if (fs.statSync(file).isDirectory()) throw new AppError('invalid_input', `${file} is a folder; give the demo workspace a file name, such as ${path.join(file, DEMO_FILE_NAME)}.`);
  if (fs.statSync(file).size === 0) return;
  const workspace = openWorkspace(file, { create: false });
  try {
    const count = (sql: string) => workspace.reader.prepare(sql).pluck().get() as number;
    const things = count('SELECT count(*) FROM prompts') + count('SELECT count(*) FROM models') + count('SELECT count(*) FROM generations');
    if (things > 0) {
      throw new AppError('conflict', `${file} already exists and is not empty; the demo is never written over a workspace. Choose another file name, or move that file away first.`);
    }
  } finally {
    workspace.close();
  }
}

function removeWorkspaceFiles(file: string): void {
  for (const suffix of ['', ...SQLITE_SIDE_FILES]) fs.rmSync(file + suffix, { force: true });
}

async function ok<M extends MethodName>(engine: Engine, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const result = await engine.call(method, input);
  if (!result.ok) throw new AppError(result.error.code, `Building the demo failed at ${method}: ${result.error.message}`);
  return result.value;
}

function waitForJobs(engine: Engine, jobIds: number[], onJob: (jobs: Map<number, Job>) => void): Promise<Map<number, Job>> {
  const jobs = new Map<number, Job>();
  return new Promise((resolve, reject) => {
    // A job is 'done' once no item is left to run (failed ones included); a progress event can show
    // zero pending and running a moment before that status is written, so only the status counts.
    const settled = (job: Job) => job.status === 'done' || job.status === 'cancelled';
    const check = (job: Job) => {
      if (!jobIds.includes(job.id)) return;
      jobs.set(job.id, job);
      onJob(jobs);
      if (jobIds.every((id) => jobs.has(id) && settled(jobs.get(id)!))) {
        stop();
        resolve(jobs);
      }
    };
    const stop = engine.events.on('onDidChangeJob', check);
    // The jobs may have moved before we listened: look once now.
    Promise.all(jobIds.map((id) => ok(engine, 'jobs.get', { id })))
      .then((current) => current.forEach(check))
      .catch((error: unknown) => {
        stop();
        reject(error as Error);
      });
  });
}

export async function buildDemoWorkspace(target: string, options: BuildDemoOptions = {}): Promise<DemoSummary> {
  const started = Date.now();
  const file = path.resolve(target);
  const seed = options.seed ?? DEMO_SEED;
  const progress = (p: DemoProgress) => options.onProgress?.(p);
  checkTarget(file);
  const modelFile = sampleModelPath();
  const partial = `${file}.building-${process.pid}`;
  removeWorkspaceFiles(partial);

  const engine = new Engine(openWorkspace(partial), { shell: 'browser' });
  let closed = false;
  try {
    progress({ phase: 'prompts', done: 0, total: DEMO_PROMPTS.length, message: `Adding ${DEMO_PROMPTS.length} prompts` });
    for (const p of DEMO_PROMPTS) {
      await ok(engine, 'prompts.create', { id: p.id, prompt: p.prompt, reference: p.reference ?? null, tags: p.tags });
    }
    for (const c of DEMO_FAILURE_CLASSES) await ok(engine, 'taxonomy.create', c);

    progress({ phase: 'models', done: 0, total: DEMO_MODELS.length, message: 'Adding the sample model at two temperatures' });
    const models = [];
    for (const m of DEMO_MODELS) {
      models.push(await ok(engine, 'models.add', { kind: 'llama', name: m.name, modelPath: modelFile, settings: { concurrency: 1, sampling: { temperature: m.temperature } } }));
    }

    const total = DEMO_PROMPTS.length * DEMO_MODELS.length;
    progress({ phase: 'generating', done: 0, total, message: `Generating ${total} outputs with llama.cpp` });
    // One job per model, each at the model's stored temperature; raw mode, since the model has no chat template.
    const jobs = [];
    for (const [i, m] of DEMO_MODELS.entries()) {
      const job = await ok(engine, 'jobs.create', {
        name: `Demo: ${m.name}`,
        spec: {
          prompts: { ids: DEMO_PROMPTS.map((p) => p.id) },
          modelIds: [models[i]!.id],
          template: null,
          mode: 'raw',
          samplesPerPrompt: 1,
          sampling: { temperature: models[i]!.settings.sampling?.temperature ?? m.temperature, maxTokens: DEMO_MAX_TOKENS, seed },
        },
      });
      jobs.push(job.id);
    }
    const finished = await waitForJobs(engine, jobs, (current) => {
      const done = [...current.values()].reduce((sum, job) => sum + job.counts.done, 0);
      progress({ phase: 'generating', done, total, message: `Generated ${done} of ${total} outputs` });
    });
    const failed = [...finished.values()].find((job) => job.counts.failed > 0 || job.status !== 'done');
    if (failed) {
      const items = await ok(engine, 'jobs.items', { id: failed.id, status: 'failed', limit: 1 });
      throw new AppError('internal', `Building the demo failed: ${failed.counts.failed} outputs of ${failed.name} failed${items.items[0]?.error ? ` (${items.items[0].error})` : ''}.`);
    }
    const generations = (await ok(engine, 'generations.list', { limit: 1 })).total;
    setMeta(engine.workspace.writer, DEMO_META_KEY, JSON.stringify({ version: DEMO_VERSION, seed, builtAt: started }));
    // Everything into the main file before it is renamed (the -wal beside it would not follow).
    engine.workspace.writer.pragma('wal_checkpoint(TRUNCATE)');
    await engine.close();
    closed = true;

    // Checked again: the target may have appeared while the outputs were generated.
    checkTarget(file);
    removeWorkspaceFiles(file);
    fs.renameSync(partial, file);
    progress({ phase: 'done', done: total, total, message: `Demo workspace ready: ${file}` });
    return { file, prompts: DEMO_PROMPTS.length, models: models.length, generations, durationMs: Date.now() - started };
  } finally {
    if (!closed) await engine.close().catch(() => undefined);
    removeWorkspaceFiles(partial);
  }
}
