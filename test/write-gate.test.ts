import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import { WriteGate } from '../core/workspace/write-gate';
import { cleanupAll, failure, tempDir, unwrap } from './helpers';

afterAll(cleanupAll);

/** A promise and the function that settles it, to hold a long writer open as long as a test wants. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const settled = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('WriteGate', () => {
  it('lets writes through at once when no long writer runs', async () => {
    const gate = new WriteGate();
    expect(gate.busy).toBe(false);
    let through = false;
    await gate.whenFree().then(() => (through = true));
    expect(through).toBe(true);
  });

  it('holds writes until the running long writer ends, then runs them before the next one starts', async () => {
    const gate = new WriteGate();
    const log: string[] = [];
    const first = deferred();
    const second = deferred();
    const a = gate.exclusive(async () => {
      log.push('import A starts');
      await first.promise;
      log.push('import A ends');
    });
    let queued = false;
    const b = gate.exclusive(
      async () => {
        log.push('import B starts');
        await second.promise;
      },
      { onQueued: () => (queued = true) },
    );
    expect(queued).toBe(true);
    expect(gate.busy).toBe(true);
    const write = gate.whenFree().then(() => log.push('label saved'));
    await settled();
    expect(log).toEqual(['import A starts']);

    first.resolve();
    await write;
    await a;
    await settled();
    expect(log).toEqual(['import A starts', 'import A ends', 'label saved', 'import B starts']);
    second.resolve();
    await b;
    expect(gate.busy).toBe(false);
  });

  it('frees the gate when a long writer fails, and passes its error on', async () => {
    const gate = new WriteGate();
    await expect(gate.exclusive(() => Promise.reject(new Error('bad line 3')))).rejects.toThrow('bad line 3');
    expect(gate.busy).toBe(false);
    expect(await gate.exclusive(async () => 'next import')).toBe('next import');
  });

  it('drops a queued long writer whose signal aborts, without running it', async () => {
    const gate = new WriteGate();
    const hold = deferred();
    const running = gate.exclusive(() => hold.promise);
    const abort = new AbortController();
    let ran = false;
    const queued = gate.exclusive(
      async () => {
        ran = true;
      },
      { signal: abort.signal },
    );
    abort.abort(new Error('cancelled while queued'));
    await expect(queued).rejects.toThrow('cancelled while queued');
    hold.resolve();
    await running;
    await settled();
    expect(ran).toBe(false);
    expect(gate.busy).toBe(false);
  });
});

describe('another program holding the write lock', () => {
  it('fails a write with busy and says what to do, saves nothing, and works once the lock is gone', async () => {
    const file = path.join(tempDir('assay-busy-'), 'busy.assay');
    const engine = new Engine(openWorkspace(file, { busyTimeoutMs: 50 }), { shell: 'browser', runJobs: false });
    try {
      unwrap(await engine.call('prompts.create', { id: 'before', prompt: 'saved before' }));
      // An `assay import` in a terminal: another process's connection inside a write transaction.
      const other = new Database(file);
      other.exec('BEGIN IMMEDIATE');
      const error = failure(await engine.call('prompts.create', { id: 'during', prompt: 'typed while locked' }), 'busy');
      expect(error.message).toMatch(/another program is writing to .*busy\.assay.*Nothing was saved; try again/);
      // Reads still answer from the last commit.
      expect(unwrap(await engine.call('prompts.get', { id: 'before' })).prompt).toBe('saved before');
      other.exec('ROLLBACK');
      other.close();
      failure(await engine.call('prompts.get', { id: 'during' }), 'not_found');
      unwrap(await engine.call('prompts.create', { id: 'during', prompt: 'typed again' }));
      expect(unwrap(await engine.call('prompts.get', { id: 'during' })).prompt).toBe('typed again');
    } finally {
      await engine.close();
    }
  });
});
