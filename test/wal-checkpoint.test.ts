/**
 * WAL checkpoints off the save path (core/workspace/checkpoints.ts, db/checkpoint.ts): the writer no
 * longer checkpoints inside a commit; a second connection on a worker thread does, the WAL stays
 * bounded under a steady stream of saves, it is truncated once saves stop, and an acknowledged save
 * is in the file when the process is SIGKILLed whatever the checkpoint thread was doing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckpointStats } from '../core/workspace/checkpoints';
import { openWorkspace } from '../core/workspace/workspace';
import { insertReviewer } from '../db/review';
import { cleanupAll, closeEngine, newEngine, tempDir, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const walSize = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('WAL checkpoints on their own thread', () => {
  it('keeps the WAL bounded while saves keep coming, and truncates it once they stop', async () => {
    const { engine, workspace, file } = newEngine('wal-bound', { runJobs: false, checkpoints: { intervalMs: 5, idleMs: 200, boundPages: 64 } });
    const modelId = addModel(workspace, 'm');
    const generations = Array.from({ length: 20 }, (_, i) => addGeneration(workspace, { promptSeq: addPrompt(workspace, `p${i}`, `Prompt ${i}`), modelId, output: `Out ${i}` }));
    const reviewerId = insertReviewer(workspace.writer, 'Ada', 'sme', Date.now());
    // The writer checkpoints only as a backstop, far past the bound.
    expect(workspace.writer.pragma('wal_autocheckpoint', { simple: true })).toBeGreaterThanOrEqual(64 * 4);
    const sizeBefore = fs.statSync(file).size;

    // A steady stream of saves, each on its own turn of the event loop (as HTTP requests arrive),
    // for a second and a half after the checkpoint thread has started (slow on a busy machine).
    let until = Date.now() + 30_000;
    let saves = 0;
    /** The WAL's largest size once it first started over (before, the thread was starting), and how often it started over. */
    let steadyMax = 0;
    let restarts = 0;
    let previous = Infinity;
    while (Date.now() < until) {
      const frames = engine.checkpoints.stats().lastWalFrames;
      if (frames < previous && previous !== Infinity) restarts++;
      if (restarts > 0) steadyMax = Math.max(steadyMax, frames);
      if (frames > 0) previous = frames;
      // (Until the bound has been enforced a few times, on a loaded machine too: at most 30 s.)
      const st = engine.checkpoints.stats();
      if (until - Date.now() > 1500 && st.passes > 0 && st.tails > 0 && restarts >= 3) until = Date.now() + 1500;
      const generationId = generations[saves % generations.length]!;
      unwrap(await engine.call('review.save', { generationId, reviewerId, verdict: 'good', comment: `save ${saves} ${'x'.repeat(3000)}`, submit: true }));
      saves++;
      await turn();
    }
    const busy = engine.checkpoints.stats();
    expect(busy.passes).toBeGreaterThan(0);
    // Past the bound the writer's thread copied the last frames so that the WAL could start again:
    // it never got far past the bound (each save writes a few pages).
    expect(busy.tails).toBeGreaterThan(0);
    // It starts over again and again, never far past the bound (loosely: a loaded machine makes
    // the thread's passes slow, and frames pile up meanwhile); without the thread and the bound it
    // would reach SQLite's backstop (16,384 pages), which it never does here.
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect(steadyMax).toBeLessThan(16_384);

    // Quiet: the WAL file is emptied and everything is in the database file.
    await engine.checkpoints.whenQuiet();
    const quiet = engine.checkpoints.stats();
    expect(quiet.truncates).toBeGreaterThan(0);
    expect(quiet.lastWalFrames).toBe(0);
    expect(walSize(file)).toBe(0);
    expect(fs.statSync(file).size).toBeGreaterThan(sizeBefore);
    const reader = new Database(file, { readonly: true });
    try {
      expect(reader.prepare('SELECT count(*) FROM review_history h JOIN reviews r ON r.id = h.review_id WHERE r.reviewer_id = ?').pluck().get(reviewerId)).toBe(saves);
    } finally {
      reader.close();
    }
    await closeEngine(engine);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  }, 60_000);

  it('holds every acknowledged save after SIGKILL while the checkpoint thread copies', async () => {
    const dir = tempDir('assay-wal-kill-');
    const file = path.join(dir, 'killed.assay');
    const seeded = openWorkspace(file);
    const modelId = addModel(seeded, 'm');
    const generations = Array.from({ length: 30 }, (_, i) => addGeneration(seeded, { promptSeq: addPrompt(seeded, `p${i}`, `Prompt ${i}`), modelId, output: `Out ${i}` }));
    const reviewerId = insertReviewer(seeded.writer, 'Ada', 'sme', Date.now());
    seeded.close();

    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/wal-writer.ts', file, generations.join(','), String(reviewerId)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const acks: [number, number, number][] = [];
    let stats: CheckpointStats | null = null;
    const lines = readline.createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the writer did not get going:\n${stderr}`)), 60_000);
      lines.on('line', (line) => {
        const message = JSON.parse(line) as { ack?: [number, number, number]; stats?: CheckpointStats };
        if (message.ack) acks.push(message.ack);
        if (message.stats) stats = message.stats;
        // Killed mid-stream, once the thread has checkpointed and the bound has been enforced a few times.
        if (stats && stats.passes >= 5 && stats.tails >= 2 && acks.length >= 500) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`the writer exited:\n${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');
    lines.close();
    expect(stats!.passes).toBeGreaterThanOrEqual(5);

    const db = new Database(file, { readonly: true });
    try {
      const history = new Set(
        (db.prepare('SELECT review_id, revision FROM review_history').all() as { review_id: number; revision: number }[]).map((r) => `${r.review_id}/${r.revision}`),
      );
      const missing = acks.filter(([id, revision]) => !history.has(`${id}/${revision}`));
      expect(missing).toEqual([]);
      // Each generation's live review is at least its last acknowledged revision (a save may have
      // committed after the last line was read).
      const last = new Map<number, number>();
      for (const [id, revision] of acks) last.set(id, Math.max(last.get(id) ?? 0, revision));
      for (const [id, revision] of last) {
        expect(db.prepare('SELECT revision FROM reviews WHERE id = ?').pluck().get(id) as number).toBeGreaterThanOrEqual(revision);
      }
      expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 90_000);
});
