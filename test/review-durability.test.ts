/**
 * Autosave durability: the real `assay serve` (the CLI from source, as `npm run` scripts run it)
 * answers review.saveStep over HTTP; the process is SIGKILLed the moment the last save is
 * acknowledged — no graceful close, no checkpoint — and the reopened workspace has every
 * acknowledged text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Result, ThinkAloudStep } from '../contract';
import { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import { insertReviewer } from '../db/review';
import { cleanupAll, newEngine, tempDir, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Server {
  child: ChildProcess;
  origin: string;
  token: string;
  /** The session cookie `session.signIn` handed out (browser mode takes the reviewer from it). */
  cookie?: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startServer(workspace: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'serve', '--port', '0', '--workspace', workspace], {
    cwd: repoRoot,
    env: { ...process.env, ASSAY_USER_DATA: tempDir('assay-durability-home-') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code }) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const url = new URL(loginUrl);
  return { child, origin: url.origin, token: url.searchParams.get('token')!, exited };
}

async function rpc<T>(server: Server, method: string, input: unknown): Promise<T> {
  const response = await fetch(`${server.origin}/rpc/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', ...(server.cookie ? { Cookie: server.cookie } : {}) },
    body: JSON.stringify(input),
  });
  expect(response.status).toBe(200);
  const setCookie = response.headers.get('set-cookie');
  if (setCookie) server.cookie = setCookie.split(';')[0];
  const result = (await response.json()) as Result<T>;
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value;
}

describe('think-aloud autosave durability', () => {
  it('keeps every acknowledged step when the server is SIGKILLed right after the ack', async () => {
    const dir = tempDir('assay-durability-');
    const file = path.join(dir, 'durable.assay');
    const seeded = openWorkspace(file);
    const generationId = addGeneration(seeded, {
      promptSeq: addPrompt(seeded, 'sum', 'What is seven plus 5?'),
      modelId: addModel(seeded, 'model-a'),
      output: 'seven plus 5 is 75',
    });
    const reviewerId = insertReviewer(seeded.writer, 'Ada', 'sme', Date.now());
    seeded.close();

    const server = await startServer(file);
    let last: ThinkAloudStep;
    const typed: string[] = [];
    try {
      // Typing, autosaved as it goes: the first save creates the draft label and the step.
      await rpc(server, 'session.signIn', { reviewerId });
      const first = await rpc<ThinkAloudStep>(server, 'review.saveStep', { generationId, reviewerId, body: 'The' });
      for (const body of ['The right', 'The right answer', 'The right answer is **12**: 7 + 5.']) {
        await rpc(server, 'review.saveStep', { generationId, reviewerId, stepId: first.id, body });
      }
      typed.push('The right answer is **12**: 7 + 5.');
      const second = await rpc<ThinkAloudStep>(server, 'review.saveStep', { generationId, reviewerId, body: 'It read "seven" as 7 and ' });
      typed.push('It read "seven" as 7 and concatenated: 7‖5 = 75 👩‍🔬 — no arithmetic at all.');
      last = await rpc<ThinkAloudStep>(server, 'review.saveStep', { generationId, reviewerId, stepId: second.id, body: typed[1] });
    } finally {
      // The moment the last ack is in: no graceful shutdown, no checkpoint, no flush.
      server.child.kill('SIGKILL');
    }
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(last.body).toBe(typed[1]);
    // The process died with the steps only in the WAL (nothing closed the file cleanly).
    expect(fs.existsSync(`${file}-wal`)).toBe(true);

    const engine = new Engine(openWorkspace(file), { shell: 'browser', runJobs: false });
    try {
      const item = unwrap(await engine.call('review.item', { generationId, reviewerId }));
      expect(item.review).toMatchObject({ status: 'draft', reviewerId, generationId });
      expect(item.review!.steps.map((s) => s.body)).toEqual(typed);
      expect(item.review!.steps.map((s) => s.position)).toEqual([0, 1]);
    } finally {
      await engine.close();
    }
  });

  it('checkpoints the WAL once the writer is quiet, not inside the save that fills it', async () => {
    const { engine, workspace, file } = newEngine('checkpoint');
    const generationId = addGeneration(workspace, { promptSeq: addPrompt(workspace, 'p', 'Hello'), modelId: addModel(workspace, 'm'), output: 'Hi' });
    const reviewerId = insertReviewer(workspace.writer, 'Ada', 'sme', Date.now());
    workspace.writer.pragma('wal_checkpoint(TRUNCATE)');
    // SQLite's own checkpoint is only a backstop; the checkpoint thread does the work.
    expect(workspace.writer.pragma('wal_autocheckpoint', { simple: true })).toBeGreaterThanOrEqual(16_384);

    const size = () => fs.statSync(file).size;
    const before = size();
    // A long step: many new pages, all in the WAL when the save returns.
    const body = 'A long think-aloud step. '.repeat(8000);
    const step = unwrap(await engine.call('review.saveStep', { generationId, reviewerId, body }));
    expect(step.body).toBe(body);
    expect(size()).toBe(before);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(body.length);

    // A moment later, with nothing else to do, the pages are copied into the database file.
    const deadline = Date.now() + 5000;
    while (size() === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(size()).toBeGreaterThan(before + body.length / 2);
  });
});
