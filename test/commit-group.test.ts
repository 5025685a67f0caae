/**
 * Group commit (core/workspace/commit-group.ts, Engine.dispatchWith): the labelling saves of one
 * turn share one transaction, each in its own savepoint with its audit row. One failing save fails
 * alone; no save is answered before the COMMIT; events go out after it; a process killed inside a
 * group leaves nothing of that group in the file and every acknowledged save in it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Result } from '../contract';
import type { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import { insertReviewer } from '../db/review';
import { cleanupAll, failure, newEngine, tempDir, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';

afterAll(cleanupAll);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function seed(name: string) {
  const t = newEngine(name, { runJobs: false });
  const modelId = addModel(t.workspace, 'm');
  const generations = Array.from({ length: 8 }, (_, i) => addGeneration(t.workspace, { promptSeq: addPrompt(t.workspace, `p${i}`, `Prompt ${i}`), modelId, output: `Out ${i}` }));
  const ada = insertReviewer(t.workspace.writer, 'Ada', 'sme', Date.now());
  const bo = insertReviewer(t.workspace.writer, 'Bo', 'sme', Date.now());
  return { ...t, generations, ada, bo };
}

const audited = (engine: Engine, reviewerId: number, method: string, input: unknown) => (value: unknown) =>
  engine.team.audit({ reviewerId, role: 'sme' }, method, input, value);

const count = (engine: Engine, sql: string, ...args: unknown[]) => engine.workspace.writer.prepare(sql).pluck().get(...args) as number;

describe('group commit of labelling saves', () => {
  it('runs the saves of one turn in one transaction; an invalid save fails alone, with no row and no audit row', async () => {
    const { engine, generations, ada, bo } = seed('group-one');
    const saves = [
      { generationId: generations[0]!, reviewerId: ada, verdict: 'good', comment: 'first', submit: true },
      // Refused by the service (no such criterion) inside its savepoint.
      { generationId: generations[1]!, reviewerId: ada, ratings: { '999999': 4 }, verdict: 'bad', comment: 'invalid', submit: true },
      { generationId: generations[2]!, reviewerId: bo, verdict: 'acceptable', comment: 'third', submit: true },
      // No such output: refused too.
      { generationId: 987654, reviewerId: bo, verdict: 'good', comment: 'nowhere', submit: true },
      { generationId: generations[0]!, reviewerId: bo, verdict: 'bad', comment: 'fifth', submit: true },
    ];
    const before = engine.groupStats();
    // Submitted in the same turn, as requests whose bodies arrived together.
    const answers = await Promise.all(saves.map((input) => engine.dispatchWith('review.save', input, audited(engine, input.reviewerId, 'review.save', input))));
    const after = engine.groupStats();
    expect(after.groups - before.groups).toBe(1);
    expect(after.saves - before.saves).toBe(5);

    expect(failure(answers[1]!, 'invalid_input').message).toMatch(/No rubric criterion 999999/);
    expect(failure(answers[3]!, 'not_found').message).toMatch(/987654/);
    for (const i of [0, 2, 4]) expect(answers[i]!.ok).toBe(true);
    // The others are in the file, each with one history row and one audit row; the refused ones left nothing.
    expect(count(engine, 'SELECT count(*) FROM reviews')).toBe(3);
    expect(count(engine, "SELECT count(*) FROM reviews WHERE comment IN ('first', 'third', 'fifth')")).toBe(3);
    expect(count(engine, 'SELECT count(*) FROM review_history')).toBe(3);
    expect(count(engine, 'SELECT count(*) FROM team_audit')).toBe(3);
    expect(count(engine, 'SELECT count(*) FROM reviews WHERE generation_id = ?', generations[1])).toBe(0);
    expect(engine.workspace.writer.inTransaction).toBe(false);
  });

  it('rolls back a save whose audit row cannot be written (the save and its audit commit together), and only that save', async () => {
    const { engine, generations, ada } = seed('group-audit');
    const answers = await Promise.all(
      [0, 1, 2].map((i) => {
        const input = { generationId: generations[i]!, reviewerId: ada, verdict: 'good', comment: `c${i}`, submit: true };
        return engine.dispatchWith('review.save', input, (value) => {
          if (i === 1) throw new Error('audit insert failed');
          audited(engine, ada, 'review.save', input)(value);
        });
      }),
    );
    expect(answers[0]!.ok && answers[2]!.ok).toBe(true);
    expect(failure(answers[1]!, 'internal').message).toMatch(/audit insert failed/);
    expect(count(engine, "SELECT count(*) FROM reviews WHERE comment = 'c1'")).toBe(0);
    expect(count(engine, 'SELECT count(*) FROM review_history')).toBe(2);
    expect(count(engine, 'SELECT count(*) FROM team_audit')).toBe(2);
  });

  it('groups comparison labels with reviews, and answers invalid input at once without joining a group', async () => {
    const { engine, workspace, generations, ada } = seed('group-compare');
    // Two outputs of another model on the same prompts: pair tasks.
    const other = addModel(workspace, 'n');
    const seqs = workspace.writer.prepare('SELECT prompt_seq FROM generations WHERE id IN (?, ?)').pluck().all(generations[0], generations[1]) as number[];
    for (const seq of seqs) addGeneration(workspace, { promptSeq: seq, modelId: other, output: 'Other' });
    unwrap(await engine.call('comparisons.createTasks', { prompts: { query: '', tags: [] } }));
    const taskId = count(engine, 'SELECT min(id) FROM comparison_tasks');
    const label = { taskId, reviewerId: ada, choice: 'A', strength: 'clearly', rationale: 'A is right', addTimeSpentMs: 1000 };
    const review = { generationId: generations[5]!, reviewerId: ada, verdict: 'good', comment: 'fine', submit: true };
    const before = engine.groupStats();
    const [a, b, bad] = await Promise.all([
      engine.dispatchWith('comparisons.label', label, audited(engine, ada, 'comparisons.label', label)),
      engine.dispatchWith('review.save', review, audited(engine, ada, 'review.save', review)),
      engine.dispatchWith('comparisons.label', { ...label, choice: 'C' }),
    ]);
    expect(a!.ok && b!.ok).toBe(true);
    failure(bad!, 'invalid_input');
    const after = engine.groupStats();
    expect([after.groups - before.groups, after.saves - before.saves]).toEqual([1, 2]);
    expect(count(engine, 'SELECT count(*) FROM comparison_label_history')).toBe(1);
    expect(count(engine, 'SELECT count(*) FROM team_audit')).toBe(2);
  });

  it('answers and emits events only after the COMMIT: another connection already sees the save', async () => {
    const { engine, file, generations, ada } = seed('group-events');
    const outside = new Database(file, { readonly: true });
    try {
      const seen: number[] = [];
      const stop = engine.events.on('onDidChangeReview', (p) => {
        seen.push(outside.prepare('SELECT count(*) FROM reviews WHERE generation_id = ?').pluck().get(p.generationId) as number);
      });
      const saved: Promise<Result<unknown>>[] = [];
      for (let i = 0; i < 4; i++) {
        const input = { generationId: generations[i]!, reviewerId: ada, verdict: 'good', comment: `e${i}`, submit: true };
        saved.push(engine.dispatchWith('review.save', i === 2 ? { ...input, ratings: { '424242': 1 } } : input));
      }
      let answeredBeforeCommit = false;
      void Promise.race(saved).then(() => (answeredBeforeCommit = outside.prepare('SELECT count(*) FROM reviews').pluck().get() !== 3));
      const answers = await Promise.all(saved);
      stop();
      expect(answers.map((r) => r.ok)).toEqual([true, true, false, true]);
      // One event per saved label (none for the refused one), each sent when the row was already committed.
      expect(seen).toEqual([1, 1, 1]);
      expect(answeredBeforeCommit).toBe(false);
    } finally {
      outside.close();
    }
  });

  it('waits for a running import before taking the write lock, then commits the saves that waited', async () => {
    const { engine, workspace, generations, ada } = seed('group-gate');
    let release!: () => void;
    const importing = workspace.writeGate.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(workspace.writeGate.busy).toBe(true);
    const pending = [0, 1].map((i) => engine.dispatchWith('review.save', { generationId: generations[i]!, reviewerId: ada, verdict: 'good', comment: `w${i}`, submit: true }));
    let answered = false;
    void Promise.all(pending).then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(answered).toBe(false);
    release();
    await importing;
    const answers = await Promise.all(pending);
    expect(answers.every((r) => r.ok)).toBe(true);
    expect(count(engine, 'SELECT count(*) FROM review_history')).toBe(2);
  });
});

describe('group commit and SIGKILL', () => {
  function seedFile(name: string) {
    const dir = tempDir(`assay-${name}-`);
    const file = path.join(dir, `${name}.assay`);
    const seeded = openWorkspace(file);
    const modelId = addModel(seeded, 'm');
    const generations = Array.from({ length: 40 }, (_, i) => addGeneration(seeded, { promptSeq: addPrompt(seeded, `p${i}`, `Prompt ${i}`), modelId, output: `Out ${i}` }));
    insertReviewer(seeded.writer, 'Ada', 'sme', Date.now());
    seeded.close();
    return { file, generations };
  }

  interface Acked {
    acked: number;
    ok: number[];
    failed: number[];
    groups: number;
  }

  /** Runs test/support/group-writer.ts; `kill(acked)` says when the test kills it (or it kills itself). */
  async function runWriter(file: string, generations: number[], groupSize: number, extra: string[], kill?: (acked: Acked[]) => boolean) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/group-writer.ts', file, generations.join(','), String(groupSize), ...extra], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const acked: Acked[] = [];
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      acked.push(JSON.parse(line) as Acked);
      if (kill?.(acked)) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const signal = await exited;
    clearTimeout(timer);
    lines.close();
    expect(signal, stderr).toBe('SIGKILL');
    return acked;
  }

  /** The comments `g<g>/<i>` in the file, by group. */
  function savedByGroup(file: string): { groups: Map<number, number[]>; history: number; audit: number; check: string } {
    const db = new Database(file, { readonly: true });
    try {
      const groups = new Map<number, number[]>();
      for (const snapshot of db.prepare('SELECT snapshot FROM review_history').pluck().all() as string[]) {
        const mark = /^g(\d+)\/(\d+) /.exec((JSON.parse(snapshot) as { comment: string }).comment)!;
        const list = groups.get(Number(mark[1])) ?? [];
        list.push(Number(mark[2]));
        groups.set(Number(mark[1]), list);
      }
      return {
        groups,
        history: db.prepare('SELECT count(*) FROM review_history').pluck().get() as number,
        audit: db.prepare('SELECT count(*) FROM team_audit').pluck().get() as number,
        check: db.pragma('quick_check', { simple: true }) as string,
      };
    } finally {
      db.close();
    }
  }

  it('killed inside a group (savepoints released, no COMMIT yet): nothing of that group is in the file, every acknowledged group whole', async () => {
    const { file, generations } = seedFile('group-kill-inside');
    // Groups of 8; inside group 30 the process dies at the audit row of its save 6 (saves 0, 2–5 are in savepoints).
    const acked = await runWriter(file, generations, 8, ['30', '6']);
    expect(acked.map((a) => a.acked)).toEqual(Array.from({ length: 30 }, (_, g) => g));
    for (const a of acked) expect([a.ok, a.failed]).toEqual([[0, 2, 3, 4, 5, 6, 7], [1]]);
    const saved = savedByGroup(file);
    expect(saved.check).toBe('ok');
    for (let g = 0; g < 30; g++) expect(saved.groups.get(g)?.sort((x, y) => x - y)).toEqual([0, 2, 3, 4, 5, 6, 7]);
    expect(saved.groups.has(30)).toBe(false);
    expect(saved.history).toBe(30 * 7);
    // Every saved label has its audit row, and the killed group left none.
    expect(saved.audit).toBe(saved.history);
  }, 90_000);

  it('killed at any moment while groups commit: every acknowledged save is in the file, and each group is whole or absent', async () => {
    const { file, generations } = seedFile('group-kill-any');
    const acked = await runWriter(file, generations, 12, [], (a) => a.length >= 150);
    expect(acked.length).toBeGreaterThanOrEqual(150);
    // The saves of one turn did share a transaction (the child counts its groups).
    expect(acked[acked.length - 1]!.groups).toBe(acked.length);
    const saved = savedByGroup(file);
    expect(saved.check).toBe('ok');
    const whole = [0, ...Array.from({ length: 10 }, (_, i) => i + 2)];
    for (const a of acked) expect(saved.groups.get(a.acked)?.sort((x, y) => x - y)).toEqual(whole);
    for (const [, items] of saved.groups) expect(items.sort((x, y) => x - y)).toEqual(whole);
    expect(saved.audit).toBe(saved.history);
  }, 90_000);
});
