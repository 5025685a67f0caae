/**
 * Contention benchmark: what a reviewer's save costs while a large import holds the write lock.
 *
 *   npm run bench:contention            (node --import tsx bench/contention.ts)
 *   BENCH_ROWS=100000 npm run bench:contention
 *
 * 1. Writes a JSONL file of BENCH_ROWS (300,000) prompts and starts importing it through the engine
 *    (so through the import worker and the write gate, as the UI does).
 * 2. Once rows flow into the import's transaction, asks at the same moment for a save
 *    (`prompts.create`) and a read (`prompts.get`), each timed from that moment, and samples the
 *    event loop every 10 ms: the largest gap is how long the thread answering the UI was blocked.
 * 3. Baseline, in the same run: the same write and read on the same workspace with no import.
 * Expected: the write succeeds once the import commits (it waits instead of failing "database is
 * locked" after busy_timeout), the read answers at once, and the event loop never stalls.
 *
 * The last line of output is one JSON object, for scripts.
 */
import path from 'node:path';
import { cleanupAll, importPath, newEngine, writeBigJsonl } from '../test/helpers';

const ROWS = Number(process.env.BENCH_ROWS ?? 300_000);

const { engine, dir } = newEngine('contention');
const file = path.join(dir, 'big.jsonl');
writeBigJsonl(file, ROWS, 'c-');
await engine.call('prompts.create', { id: 'known', prompt: 'there before the import' });

/** Largest gap between 10 ms ticks while `work` runs: how long the event loop was blocked. */
async function maxLoopGap<T>(work: () => Promise<T>): Promise<{ value: T; gapMs: number }> {
  let last = performance.now();
  let gapMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 10);
  try {
    const value = await work();
    // A block that ended just before `work` settled shows only here (no tick ran during it).
    return { value, gapMs: Math.max(gapMs, performance.now() - last) };
  } finally {
    clearInterval(tick);
  }
}

/**
 * A save and a read requested at the same moment, as two requests from the UI would be; each is
 * timed from that moment, so a thread blocked by the save shows in the read's time too.
 */
function saveAndRead(id: string) {
  const asked = performance.now();
  const timed = <T>(call: Promise<T>) => call.then((value) => ({ value, ms: performance.now() - asked }));
  return Promise.all([
    timed(engine.call('prompts.create', { id, prompt: `typed: ${id}` })),
    timed(engine.call('prompts.get', { id: 'known' })),
  ]);
}

const importStarted = performance.now();
let rowsFlowing!: () => void;
const flowing = new Promise<void>((resolve) => (rowsFlowing = resolve));
const stop = engine.events.on('onDidImportProgress', (p) => {
  if (p.rows > 0) rowsFlowing();
});
const running = importPath(engine, file);
await flowing;
stop();
const during = await maxLoopGap(() => saveAndRead('typed-during-import'));
const imported = await running;
const importS = (performance.now() - importStarted) / 1000;
const [write, read] = during.value;
console.log(`[bench] import of ${ROWS} rows: ${imported.ok ? 'ok' : imported.error.message} in ${importS.toFixed(1)} s`);
console.log(`[bench] during it: write ${write.value.ok ? 'saved' : `failed (${write.value.error.message})`} after ${write.ms.toFixed(0)} ms, read ${read.ms.toFixed(1)} ms, largest event-loop gap ${during.gapMs.toFixed(0)} ms`);

const idle = await maxLoopGap(() => saveAndRead('typed-idle'));
const [idleWrite, idleRead] = idle.value;
console.log(`[bench] baseline, no import: write ${idleWrite.ms.toFixed(1)} ms, read ${idleRead.ms.toFixed(1)} ms, largest event-loop gap ${idle.gapMs.toFixed(0)} ms`);
await cleanupAll();
console.log(
  JSON.stringify({
    bench: 'contention',
    write_ok: write.value.ok,
    write_wait_ms: Math.round(write.ms),
    read_ms: Number(read.ms.toFixed(1)),
    max_loop_gap_ms: Math.round(during.gapMs),
    baseline_loop_gap_ms: Math.round(idle.gapMs),
    import_s: Number(importS.toFixed(1)),
  }),
);
