import { describe, expect, it } from 'vitest';
import { WriteGate } from '../core/workspace/write-gate';

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
