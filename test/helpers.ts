/**
 * Shared pieces of the integration suites: real temp folders, real workspace files, real engines.
 * Every suite calls `cleanupAll()` in afterAll so nothing is left in the temp dir.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppErrorShape, EventName, EventPayload, Job, Result } from '../contract';
import { Engine, type EngineOptions } from '../core/engine';
import { openWorkspace, type Workspace } from '../core/workspace/workspace';

const dirs: string[] = [];
const engines = new Set<Engine>();

/** A fresh folder under the OS temp dir, removed by cleanupAll(). */
export function tempDir(prefix = 'assay-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Writes `content` to `dir/name` and returns the full path. */
export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** One JSON object per line, with a trailing newline. */
export function jsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** A JSONL file of `count` distinct prompts with ids `${prefix}${i}`, written line by line-ish (in chunks). */
export function writeBigJsonl(file: string, count: number, prefix = 'big-'): void {
  const fd = fs.openSync(file, 'w');
  try {
    let chunk: string[] = [];
    for (let i = 0; i < count; i++) {
      chunk.push(
        JSON.stringify({
          id: `${prefix}${i}`,
          prompt: `Prompt number ${i}: explain why the sky looks blue at noon and red at dusk, in ${i % 7} sentences.`,
          tags: i % 3 === 0 ? ['physics', `bucket-${i % 10}`] : undefined,
        }),
      );
      if (chunk.length === 5000) {
        fs.writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    if (chunk.length > 0) fs.writeSync(fd, chunk.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
}

export interface TestEngine {
  dir: string;
  file: string;
  engine: Engine;
  workspace: Workspace;
}

/** A new workspace file in its own temp folder, opened by a browser-mode engine. */
export function newEngine(name = 'test', options: Omit<EngineOptions, 'shell'> = {}): TestEngine {
  const dir = tempDir(`assay-${name}-`);
  const file = path.join(dir, `${name}.assay`);
  const workspace = openWorkspace(file);
  const engine = new Engine(workspace, { shell: 'browser', ...options });
  engines.add(engine);
  return { dir, file, engine, workspace };
}

export async function closeEngine(engine: Engine): Promise<void> {
  if (!engines.delete(engine)) return;
  await engine.close();
}

export async function cleanupAll(): Promise<void> {
  for (const engine of [...engines]) await closeEngine(engine);
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The value of an ok result; fails the test with the error's message otherwise. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The error of a failed result; fails the test when the call succeeded or failed with another code. */
export function failure(result: Result<unknown>, code: AppErrorShape['code']): AppErrorShape {
  if (result.ok) throw new Error(`expected error ${code}, got ok: ${JSON.stringify(result.value).slice(0, 300)}`);
  if (result.error.code !== code) throw new Error(`expected error ${code}, got ${result.error.code}: ${result.error.message}`);
  return result.error;
}

/** Live prompts in the workspace, as the UI would count them. */
export async function promptCount(engine: Engine): Promise<number> {
  return unwrap(await engine.call('workspace.info', {})).promptCount;
}

/** Every event of one kind an engine emits until the returned `stop()` is called. */
export function collectEvents<E extends EventName>(engine: Engine, event: E): { events: EventPayload<E>[]; stop: () => void } {
  const events: EventPayload<E>[] = [];
  const stop = engine.events.on(event, (payload) => events.push(payload));
  return { events, stop };
}

let importCounter = 0;
/** A fresh importId per call, so concurrent tests never collide. */
export function importId(label = 'imp'): string {
  importCounter++;
  return `${label}-${process.pid}-${importCounter}`;
}

/** Imports a file on disk through the engine (and so through the worker thread). */
export function importPath(
  engine: Engine,
  file: string,
  options: { onDuplicate?: 'skip' | 'replace'; format?: 'jsonl' | 'csv'; id?: string } = {},
) {
  return engine.call('prompts.import', {
    importId: options.id ?? importId(),
    source: { kind: 'path', path: file },
    format: options.format,
    onDuplicate: options.onDuplicate,
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the CLI from source the way `npm run` scripts do (`node --import tsx cli/main.ts ...`), with its own empty user-data folder. */
export function runCli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, ASSAY_USER_DATA: tempDir('assay-cli-home-') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with the job once `done(job)` holds (checked on every progress event and once at the start). */
export function waitForJob(engine: Engine, jobId: number, done: (job: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
  return new Promise((resolve, reject) => {
    let last: Job | null = null;
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`job ${jobId} did not settle in time; last seen ${JSON.stringify(last?.counts)} ${last?.status}`));
    }, timeoutMs);
    const check = (job: Job) => {
      if (job.id !== jobId) return;
      last = job;
      if (done(job)) {
        clearTimeout(timer);
        dispose();
        resolve(job);
      }
    };
    const dispose = engine.events.on('onDidChangeJob', check);
    void engine.call('jobs.get', { id: jobId }).then((r) => r.ok && check(r.value));
  });
}

/**
 * Runs the batch jobs of the workspace `file` in a child process (test/support/run-jobs-process.ts,
 * which prints its done count per item) and SIGKILLs it once `doneAtLeast` items are done: a crash
 * in the middle of a job, for the tests that check what a restart finds.
 */
export async function runJobsThenKill(file: string, doneAtLeast: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/run-jobs-process.ts', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child made no progress: ${stderr}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      const last = d.toString().trim().split('\n').pop()!;
      if ((JSON.parse(last) as { done: number }).done >= doneAtLeast) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}
